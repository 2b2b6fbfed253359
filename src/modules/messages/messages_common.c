/* What the handlers of module "messages" share: text fields and the conversation reply. */
#include "modules/messages/messages.h"

#include "modules/messages/conversation_queries.h"
#include "schoolhub/json_writer.h"

/* Jansson hands over strings that are valid UTF-8 (it refuses anything else, and \u0000,
 * at parse time), so this counts code points and looks for control characters only. */
bool sh_msg_text_field(json_t *obj, const char *field, size_t max, bool required,
		       const char **value_r, struct sh_validation *v)
{
	const char *s = NULL;
	if (!sh_json_get_string(obj, field, required, &s, v) || s == NULL)
		return false;
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f) {
			sh_validation_add(v, field, "invalid_text");
			return false;
		}
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars == 0 || chars > max) {
		sh_validation_add(v, field, chars == 0 ? "too_short" : "too_long");
		return false;
	}
	*value_r = s;
	return true;
}

/* The conversation and its members read from one snapshot, so they agree. */
struct conv_read {
	const char *id, *user_id;
	struct sh_jw w;
	bool found;
};

static enum sh_db_rc conv_read_in_snapshot(struct sh_conn *conn, void *ctx)
{
	struct conv_read *r = ctx;
	enum sh_db_rc rc = sh_conv_write(conn, r->id, r->user_id, true, &r->w);
	r->found = rc == SH_DB_ROW;
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

void sh_conv_reply(struct sh_request *req, struct sh_response *res, const char *id,
		   unsigned status)
{
	struct conv_read r = {.id = id, .user_id = req->user.id};
	sh_jw_init(&r.w, req->arena);
	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, conv_read_in_snapshot, &r);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (!r.found)
		sh_reply_not_found(req, res);
	else
		sh_reply_jw(req, res, status, &r.w);
}
