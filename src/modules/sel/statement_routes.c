/*
 * SEL reports: a member's statement as a CSV file for spreadsheets, and the admins' audit
 * of the whole ledger. Each reads in one snapshot (sh_conn_read_snapshot), so a payment
 * booked meanwhile is either wholly in it or not at all. The statement is for people: its
 * dates and its days ("from", "to", today) are Brussels days, not UTC ones (a payment at
 * 00:30 in Brussels in summer is 22:30 UTC the day before).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/sel/ledger_routes.h"
#include "schoolhub/brussels_time.h"
#include "schoolhub/csv.h"
#include "schoolhub/util.h"

/* --- GET /statement.csv ---------------------------------------------------------------- */

struct statement {
	const char *user_id, *since, *until;
	enum sh_lang lang;
	struct sh_arena_text csv;
	char first_day[11]; /* the first line's date, "" when none: the file name's start */
};

/* The Brussels date of "when" (RFC 3339 UTC, as the store gives it); its own first ten
 * characters should it not parse (it always does). */
static void brussels_day(const char *when, char out[11])
{
	struct tm tm = {0};
	if (sscanf(when, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		sh_brussels_date(timegm(&tm), out);
	} else {
		snprintf(out, 11, "%.10s", when);
	}
}

/* An amount in hours for a spreadsheet: "1,25" (fr, nl) or "1.25" (en), rounded to the
 * hundredth, with an ASCII minus so it stays a number. */
static void csv_hours(struct sh_arena_text *c, int64_t units, enum sh_lang lang)
{
	long long abs_units = units < 0 ? -(long long)units : (long long)units;
	long long hundredths = (abs_units * 100 + 30) / 60;
	char num[48];
	int n = snprintf(num, sizeof(num), "%s%lld%c%02lld", units < 0 ? "-" : "", hundredths / 100,
			 lang == SH_LANG_EN ? '.' : ',', hundredths % 100);
	sh_csv_cell(c, num, (size_t)n);
}

/*
 * date (the booking); requested on (only when the transaction was made another day: a
 * request accepted later, so the history's date and this one are both there); kind;
 * member; description; units; hours; balance after; reference (the transaction's id, last:
 * what support asks for, not what a member reads).
 */
static int statement_line(const struct sh_sel_line *line, void *ctx)
{
	struct statement *st = ctx;
	struct sh_arena_text *c = &st->csv;
	char day[11], requested[11] = "";
	brussels_day(line->date, day);
	if (line->requested != NULL)
		brussels_day(line->requested, requested);
	if (st->first_day[0] == '\0')
		memcpy(st->first_day, day, sizeof(day));
	sh_csv_cell(c, day, 10);
	sh_csv_cell(c, requested, requested[0] != '\0' && strcmp(requested, day) != 0 ? 10 : 0);
	sh_csv_text(c, sh_sel_kind_label(line->kind, st->lang));
	sh_csv_text(c, line->counterparty);
	sh_csv_text(c, line->description);
	sh_csv_int(c, line->amount);
	csv_hours(c, line->amount, st->lang);
	sh_csv_int(c, line->balance_after);
	sh_csv_text(c, line->transaction_id);
	sh_csv_row_end(c);
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

/*
 * A name as a file name's part: lower-case ASCII letters and digits, accented Latin
 * letters without their accent ("Hélène Dubois-Noël" -> "helene-dubois-noel"), anything
 * else one hyphen, none at either end. UTF-8 in, at most "size" - 1 bytes out.
 */
static void slug(char *out, size_t size, const char *name)
{
	/* U+00C0..U+00FF (after the lead byte 0xC3), "" where no letter fits. */
	static const char *const latin1[64] = {
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "",	"o", "u", "u", "u", "u", "y", "th", "ss",
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "",	"o", "u", "u", "u", "u", "y", "th", "y"};
	size_t len = 0;
	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)name; *p && len + 3 < size; p++) {
		const char *piece = NULL;
		char one[2] = {0, 0};
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			one[0] = (char)*p;
			piece = one;
		} else if (*p >= 'A' && *p <= 'Z') {
			one[0] = (char)(*p - 'A' + 'a');
			piece = one;
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			piece = latin1[p[1] - 0x80];
			p++;
		} else if (*p >= 0x80) {
			while ((p[1] & 0xC0) == 0x80) /* skip the rest of a character we cannot spell */
				p++;
		}
		if (piece == NULL || *piece == '\0') {
			if (len > 0 && out[len - 1] != '-')
				out[len++] = '-';
		} else {
			for (; *piece && len + 1 < size; piece++)
				out[len++] = *piece;
		}
		out[len] = '\0';
	}
	while (len > 0 && out[len - 1] == '-')
		out[--len] = '\0';
}

/* "releve-sel-sophie-dubois-2026-09-01-2026-12-06.csv", in the member's language. */
static const char *statement_file_name(struct sh_request *req, const char *first_day,
				       const char *last_day)
{
	static const char *const word[SH_LANG_COUNT] = {"releve-sel", "uittreksel-sel",
							"statement-sel"};
	char name[128] = "";
	const struct sh_user *me = &req->user.account;
	slug(name, sizeof(name),
		    sh_arena_printf(req->arena, "%s %s", me->first_name ? me->first_name : "",
				    me->last_name ? me->last_name : ""));
	return sh_arena_printf(req->arena, "%s%s%s-%.10s-%.10s.csv", word[req->lang],
			       name[0] ? "-" : "", name, first_day, last_day);
}

/* The UTC midnight of the Brussels day of "now": a day as sh_date_parse gives one. */
static time_t brussels_today(time_t now)
{
	struct tm tm;
	sh_brussels_tm(now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return timegm(&tm);
}

/* The instant Brussels day "day" (a UTC midnight, as sh_date_parse gives it) begins. */
static time_t brussels_day_start(time_t day)
{
	struct tm tm;
	gmtime_r(&day, &tm);
	return sh_brussels_to_utc(&tm, NULL);
}

void sh_sel_statement_csv(struct sh_request *req, struct sh_response *res)
{
	const char *from = sh_req_query(req, "from"), *to = sh_req_query(req, "to");
	struct sh_validation v = {0};
	time_t t_from = 0, t_to = brussels_today(time(NULL));
	if (from != NULL && sh_date_parse(from, &t_from) != 0)
		sh_validation_add(&v, "from", "invalid_date");
	if (to != NULL && sh_date_parse(to, &t_to) != 0)
		sh_validation_add(&v, "to", "invalid_date");
	if (v.count == 0 && t_from > t_to)
		sh_validation_add(&v, "from", "out_of_range");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
	sh_time_format(from != NULL ? brussels_day_start(t_from) : 0, since);
	/* "to" is a whole day: everything before the next midnight in Brussels. */
	sh_time_format(brussels_day_start(t_to + 86400), until);

	static const char *const header[SH_LANG_COUNT] = {
		"date;demandé le;type;membre;description;unités;heures;solde;référence\r\n",
		"datum;gevraagd op;soort;lid;omschrijving;eenheden;uren;saldo;referentie\r\n",
		"date;requested on;kind;member;description;units;hours;balance;reference\r\n"};
	struct statement out = {.user_id = req->user.id, .since = since, .until = until,
				.lang = req->lang, .csv = {.arena = req->arena}};
	struct sh_arena_text *c = &out.csv;
	/* A byte-order mark tells spreadsheet programs the file is UTF-8; ";" is the list
	 * separator of Belgian (fr/nl) spreadsheet settings. */
	sh_arena_text_add(c, "\xEF\xBB\xBF", 3);
	sh_arena_text_add(c, header[req->lang], strlen(header[req->lang]));

	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, statement_read, &out);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	char first_day[SH_TIME_LEN + 1], last_day[SH_TIME_LEN + 1];
	sh_time_format(t_to, last_day);
	/* The period's start: the one asked for, else the first line (the account's opening). */
	if (from != NULL || out.first_day[0] == '\0')
		sh_time_format(from != NULL ? t_from : t_to, first_day);
	else
		snprintf(first_day, sizeof(first_day), "%s", out.first_day);
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"%s\"",
				      statement_file_name(req, first_day, last_day)));
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
