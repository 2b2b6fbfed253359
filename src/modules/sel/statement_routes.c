/*
 * SEL reports: a member's statement as a CSV file for spreadsheets, and the admins' audit
 * of the whole ledger. Each reads in one snapshot (sh_conn_read_snapshot), so a payment
 * booked meanwhile is either wholly in it or not at all.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/sel/ledger_routes.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

/* --- GET /statement.csv ---------------------------------------------------------------- */

struct csv {
	char *data;
	size_t len, cap;
};

static void csv_append(struct csv *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->data = sh_realloc(c->data, c->cap);
	}
	memcpy(c->data + c->len, s, n);
	c->len += n;
	c->data[c->len] = '\0';
}

/* One text cell: quoted, quotes doubled, and a leading = + - @ neutralised so a
 * description can never run as a spreadsheet formula. */
static void csv_text(struct csv *c, const char *s)
{
	csv_append(c, "\"", 1);
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')
		csv_append(c, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			csv_append(c, "\"\"", 2);
		else
			csv_append(c, p, 1);
	}
	csv_append(c, "\"", 1);
}

struct statement {
	const char *user_id, *since, *until;
	enum sh_lang lang;
	struct csv csv;
};

static int statement_line(const struct sh_sel_line *line, void *ctx)
{
	struct statement *st = ctx;
	struct csv *c = &st->csv;
	char num[64];
	csv_append(c, line->date, 10);
	csv_append(c, ";", 1);
	csv_text(c, line->transaction_id);
	csv_append(c, ";", 1);
	csv_text(c, sh_sel_kind_label(line->kind, st->lang));
	csv_append(c, ";", 1);
	csv_text(c, line->counterparty);
	csv_append(c, ";", 1);
	csv_text(c, line->description ? line->description : "");
	int n = snprintf(num, sizeof(num), ";%lld;%lld\r\n", (long long)line->amount,
			 (long long)line->balance_after);
	csv_append(c, num, (size_t)n);
	return 0;
}

/* The member's lines in one snapshot; none for a member who never used the SEL. */
static enum sh_db_rc statement_read(struct sh_conn *conn, void *ctx)
{
	struct statement *out = ctx;
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(conn, out->user_id, &a);
	if (rc != SH_DB_ROW)
		return rc;
	return sh_sel_statement(conn, a.id, out->since, out->until, out->lang, statement_line, out);
}

void sh_sel_statement_csv(struct sh_request *req, struct sh_response *res)
{
	const char *from = sh_req_query(req, "from"), *to = sh_req_query(req, "to");
	struct sh_validation v = {0};
	time_t t_from = 0, t_to = time(NULL);
	if (from != NULL && sh_date_parse(from, &t_from) != 0)
		sh_validation_add(&v, "from", "invalid_date");
	if (to != NULL && sh_date_parse(to, &t_to) != 0)
		sh_validation_add(&v, "to", "invalid_date");
	if (v.count == 0 && t_from > t_to)
		sh_validation_add(&v, "from", "out_of_range");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
	sh_time_format(t_from, since);
	/* "to" is a whole day: everything before the next midnight (UTC). */
	sh_time_format(t_to - t_to % 86400 + 86400, until);

	static const char *const header[SH_LANG_COUNT] = {
		"date;transaction;type;membre;description;unités;solde\r\n",
		"datum;transactie;soort;lid;omschrijving;eenheden;saldo\r\n",
		"date;transaction;kind;member;description;units;balance\r\n"};
	struct statement out = {.user_id = req->user.id, .since = since, .until = until,
				.lang = req->lang};
	struct csv *c = &out.csv;
	/* A byte-order mark tells spreadsheet programs the file is UTF-8; ";" is the list
	 * separator of Belgian (fr/nl) spreadsheet settings. */
	csv_append(c, "\xEF\xBB\xBF", 3);
	csv_append(c, header[req->lang], strlen(header[req->lang]));

	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, statement_read, &out);
	if (rc != SH_DB_OK) {
		sh_free(&c->data);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_arena_defer(req->arena, free, c->data);
	char last_day[SH_TIME_LEN + 1];
	sh_time_format(t_to, last_day);
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"sel-%.10s.csv\"", last_day));
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", c->data, c->len);
}

/* --- GET /api/v1/admin/sel/audit ----------------------------------------------------- */

static enum sh_db_rc audit_read(struct sh_conn *conn, void *ctx)
{
	return sh_sel_audit(conn, ctx);
}

void sh_sel_admin_audit(struct sh_request *req, struct sh_response *res)
{
	json_t *out = NULL;
	/* One snapshot: consistent even while payments go on. */
	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, audit_read, &out);
	if (rc != SH_DB_OK) {
		json_decref(out);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_json(req, res, 200, out);
}
