/*
 * The seeded application behind fuzz_request and fuzz_bodies (see fuzz_app.h).
 *
 * Seeding goes through the API itself (register, children, guardians, SEL), then the
 * database is copied into TEMP tables of the harness's own connection; after each input
 * every table is emptied and refilled from that copy (fuzz_db.c). The secrets the leak check looks for
 * are the values the seeding wrote: children's names and ids, emails, phones and the
 * descriptions of SEL transactions, each with the identities allowed to see it.
 */
#include "fuzz_support.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modules/users/privacy.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"
#include "schoolhub/server.h"
#include "schoolhub/store.h"

#define FZ_PASSWORD_PREFIX "fuzz-password-"

static struct sh_app *app;
static struct sh_server *server;
static struct sh_conn *conn; /* the harness's own: seeding roles, snapshot, reset */
static char *tokens[FZ_IDENTITY_COUNT];
static char user_ids[FZ_USER_COUNT][37];
static char child_ids[FZ_CHILD_COUNT][37];
static char service_ids[FZ_SERVICE_COUNT][37];
static char tx_ids[FZ_TX_COUNT][37];

#define BIT(who) (1u << (who))

struct secret {
	char *text;
	unsigned allowed; /* BIT(identity) of who may see it */
};
#define MAX_SECRETS 48
static struct secret secrets[MAX_SECRETS];
static size_t secret_count;

void fz_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_app: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void add_secret(const char *text, unsigned allowed)
{
	if (secret_count == MAX_SECRETS)
		fz_die("too many secrets");
	secrets[secret_count].text = strdup(text);
	secrets[secret_count].allowed = allowed;
	secret_count++;
}

const char *fz_entity_id(char kind, unsigned index)
{
	switch (kind) {
	case 'u':
		return index < FZ_USER_COUNT ? user_ids[index] : NULL;
	case 'c':
		return index < FZ_CHILD_COUNT ? child_ids[index] : NULL;
	case 's':
		return index < FZ_SERVICE_COUNT ? service_ids[index] : NULL;
	case 't':
		return index < FZ_TX_COUNT ? tx_ids[index] : NULL;
	default:
		return NULL;
	}
}

/* --- building and sending a request ------------------------------------------------- */

void fz_buf_add(struct fz_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
			fz_die("out of memory");
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void fz_buf_str(struct fz_buf *b, const char *s)
{
	fz_buf_add(b, s, strlen(s));
}

/* Appends "s" with the placeholders @u0, @c1, @s2, @t3 replaced by the seeded ids. */
static void buf_expand(struct fz_buf *b, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* Everything up to the next '@' in one copy. */
		const char *at = memchr(s + i, '@', n - i);
		size_t run = at != NULL ? (size_t)(at - (s + i)) : n - i;
		if (run > 0) {
			fz_buf_add(b, s + i, run);
			i += run;
			continue;
		}
		if (i + 2 < n && s[i + 2] >= '0' && s[i + 2] <= '9') {
			const char *id = fz_entity_id(s[i + 1], (unsigned)(s[i + 2] - '0'));
			if (id != NULL) {
				fz_buf_str(b, id);
				i += 3;
				continue;
			}
		}
		fz_buf_add(b, s + i, 1);
		i++;
	}
}

/* Header lines as given, one per '\n', each ended with CRLF (a CR of the input is dropped:
 * line framing is the harness's, the content of the lines is the fuzzer's). */
static void add_header_lines(struct fz_buf *b, const char *headers)
{
	while (headers != NULL && *headers != '\0') {
		size_t n = strcspn(headers, "\n");
		size_t keep = n;
		if (keep > 0 && headers[keep - 1] == '\r')
			keep--;
		if (keep > 0) {
			buf_expand(b, headers, keep);
			fz_buf_str(b, "\r\n");
		}
		headers += n;
		if (*headers == '\n')
			headers++;
	}
}

/* Writes the request, runs the server until it closes the connection or stops making
 * progress, and reads the whole response. */
static bool exchange(const char *raw, size_t len, struct fz_buf *out)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		fz_die("socketpair: %s", strerror(errno));
	int flags = fcntl(sv[0], F_GETFL);
	if (flags < 0 || fcntl(sv[0], F_SETFL, flags | O_NONBLOCK) != 0)
		fz_die("fcntl: %s", strerror(errno));
	if (sh_server_add_socket(server, sv[1]) != 0)
		fz_die("MHD_add_connection failed");
	size_t written = 0;
	bool eof = false;
	for (int idle = 0; idle < 200 && !eof;) {
		bool progress = false;
		if (written < len) {
			ssize_t n = write(sv[0], raw + written, len - written);
			if (n > 0) {
				written += (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				break; /* the server closed its end early */
			}
		}
		if (sh_server_run(server) != 0)
			fz_die("MHD_run failed");
		for (;;) {
			char chunk[16384];
			ssize_t n = read(sv[0], chunk, sizeof(chunk));
			if (n > 0) {
				fz_buf_add(out, chunk, (size_t)n);
				progress = true;
				continue;
			}
			if (n == 0)
				eof = true;
			break;
		}
		idle = progress ? 0 : idle + 1;
	}
	close(sv[0]);
	/* Let libmicrohttpd notice the close and release the connection (and our request
	 * arena with it) before the next input. */
	for (int i = 0; i < 8; i++)
		sh_server_run(server);
	return out->len > 0;
}

bool fz_request(enum fz_identity who, const char *method, const char *target,
		const char *headers, const char *body, size_t body_len, struct fz_response *res)
{
	struct fz_buf req = {0}, expanded_body = {0}, out = {0};
	memset(res, 0, sizeof(*res));
	if (body != NULL)
		buf_expand(&expanded_body, body, body_len);
	fz_buf_str(&req, method);
	fz_buf_str(&req, " ");
	buf_expand(&req, target, strlen(target));
	fz_buf_str(&req, " HTTP/1.1\r\nHost: fuzz.invalid\r\nConnection: close\r\n");
	if (tokens[who] != NULL) {
		fz_buf_str(&req, "Authorization: Bearer ");
		fz_buf_str(&req, tokens[who]);
		fz_buf_str(&req, "\r\n");
	}
	add_header_lines(&req, headers);
	if (body != NULL) {
		char cl[64];
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", expanded_body.len);
		fz_buf_str(&req, cl);
	}
	fz_buf_str(&req, "\r\n");
	if (body != NULL && expanded_body.len > 0)
		fz_buf_add(&req, expanded_body.data, expanded_body.len);
	bool ok = exchange(req.data, req.len, &out);
	free(req.data);
	free(expanded_body.data);
	if (!ok) {
		free(out.data);
		return false;
	}
	res->raw = out.data;
	res->raw_len = out.len;
	unsigned status = 0;
	if (sscanf(out.data, "HTTP/1.%*1[01] %3u", &status) != 1)
		status = 0;
	res->status = status;
	const char *end = strstr(out.data, "\r\n\r\n");
	res->body = end ? end + 4 : out.data + out.len;
	/* FUZZ_APP_TRACE=1 shows every exchange (to check a corpus file does what it says). */
	static int trace = -1;
	if (trace < 0)
		trace = getenv("FUZZ_APP_TRACE") != NULL;
	if (trace)
		fprintf(stderr, "fuzz_app: %s %s as %d -> %u %.300s\n", method, target, (int)who,
			status, res->body);
	return true;
}

void fz_response_free(struct fz_response *res)
{
	free(res->raw);
	memset(res, 0, sizeof(*res));
}

/* --- seeding ---------------------------------------------------------------------- */

/* A request during seeding that must answer "want"; returns its parsed JSON body. */
static json_t *seed_call(enum fz_identity who, const char *method, const char *target,
			 const char *extra_headers, unsigned want, const char *fmt, ...)
{
	char *body = NULL;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
		va_end(ap);
		if (j == NULL)
			fz_die("seed: bad json_pack format for %s %s", method, target);
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	struct fz_buf headers = {0};
	if (body != NULL)
		fz_buf_str(&headers, "Content-Type: application/json\n");
	if (extra_headers != NULL)
		fz_buf_str(&headers, extra_headers);
	struct fz_response res;
	if (!fz_request(who, method, target, headers.data, body, body ? strlen(body) : 0, &res))
		fz_die("seed: no response to %s %s", method, target);
	if (res.status != want)
		fz_die("seed: %s %s answered %u, expected %u: %s", method, target, res.status, want,
		    res.body);
	json_t *doc = json_loads(res.body, 0, NULL);
	fz_response_free(&res);
	free(headers.data);
	free(body);
	return doc;
}

static void copy_id(char out[37], json_t *doc, const char *member)
{
	const char *id = json_string_value(json_object_get(doc, member));
	if (id == NULL || strlen(id) != 36)
		fz_die("seed: no %s in a response", member);
	memcpy(out, id, 37);
}

struct seed_user {
	const char *first, *last, *email, *phone;
};

static const struct seed_user seed_users[FZ_USER_COUNT] = {
	{"Ayla", "Aardvark", "ayla.secret-a1@fuzz.invalid", "+32470111111"},
	{"Arno", "Aardvark", "arno.secret-a2@fuzz.invalid", "+32470222222"},
	{"Bea", "Bramble", "bea.secret-b1@fuzz.invalid", "+32470333333"},
	{"Cas", "Cobble", "cas.secret-c1@fuzz.invalid", "+32470444444"},
	{"Tess", "Teachwell", "tess.secret-t@fuzz.invalid", "+32470555555"},
	{"Adam", "Adminsson", "adam.secret-ad@fuzz.invalid", "+32470666666"},
};

static enum fz_identity identity_of_user(int i)
{
	return (enum fz_identity)(FZ_A1 + i);
}

static void seed_users_and_tokens(void)
{
	for (int i = 0; i < FZ_USER_COUNT; i++) {
		char password[32];
		snprintf(password, sizeof(password), FZ_PASSWORD_PREFIX "%d", i);
		json_t *doc = seed_call(FZ_ANON, "POST", "/api/v1/auth/register", NULL, 201,
					"{s:s, s:s, s:s, s:s, s:s}", "email", seed_users[i].email,
					"password", password, "first_name", seed_users[i].first,
					"last_name", seed_users[i].last, "privacy_version",
					SH_PRIVACY_VERSION);
		copy_id(user_ids[i], json_object_get(doc, "user"), "id");
		tokens[identity_of_user(i)] =
			strdup(json_string_value(json_object_get(doc, "access_token")));
		json_decref(doc);
		doc = seed_call(identity_of_user(i), "PATCH", "/api/v1/users/me", NULL, 200,
				"{s:s}", "phone", seed_users[i].phone);
		const char *phone = json_string_value(json_object_get(doc, "phone"));
		if (phone == NULL)
			fz_die("seed: no phone in the PATCH /users/me response");
		add_secret(phone, BIT(identity_of_user(i)));
		add_secret(seed_users[i].email, BIT(identity_of_user(i)));
		json_decref(doc);
	}
	/* Every seeded address counts as verified (as after its e-mail's link): co-parents
	 * see and answer their invitations only then. */
	if (sh_exec(conn, "UPDATE users SET is_verified = (1 = 1)", SH_ARGS(), NULL) != SH_DB_OK)
		fz_die("seed: cannot mark the members verified");
	/* Roles change outside the API (as "schoolhub user promote" does). */
	char *error = NULL;
	const char *roles[2][2] = {{seed_users[4].email, "teacher"}, {seed_users[5].email, "admin"}};
	for (int i = 0; i < 2; i++) {
		int64_t changed = 0;
		if (sh_user_set_role(conn, roles[i][0], roles[i][1], "2026-01-01T00:00:00Z",
				     &changed) != SH_DB_OK ||
		    changed != 1)
			fz_die("seed: cannot make %s %s", roles[i][0], roles[i][1]);
	}
	free(error);
	tokens[FZ_GARBAGE] = strdup("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.bm90LWEtc2lnbmF0dXJl");
	/* A fresh token per account after the role changes (login also proves they work). */
	for (int i = 0; i < FZ_USER_COUNT; i++) {
		char password[32];
		snprintf(password, sizeof(password), FZ_PASSWORD_PREFIX "%d", i);
		json_t *doc = seed_call(FZ_ANON, "POST", "/api/v1/auth/login", NULL, 200,
					"{s:s, s:s}", "email", seed_users[i].email, "password",
					password);
		free(tokens[identity_of_user(i)]);
		tokens[identity_of_user(i)] =
			strdup(json_string_value(json_object_get(doc, "access_token")));
		json_decref(doc);
	}
}

static void seed_children(void)
{
	struct {
		enum fz_identity owner;
		const char *first, *last, *class_name, *birth;
		bool second_guardian; /* A2 guards it too */
	} kids[FZ_CHILD_COUNT] = {
		{FZ_A1, "Zephyrine", "Quillfeather", "P3", "2018-04-12", true},
		{FZ_A1, "Balthazar", "Quillfeather", "M2", "2021-09-30", false},
		{FZ_B1, "Ottoline", "Vandersnoot", "P5", "2016-01-07", false},
	};
	for (int i = 0; i < FZ_CHILD_COUNT; i++) {
		json_t *doc = seed_call(kids[i].owner, "POST", "/api/v1/children", NULL, 201,
					"{s:s, s:s, s:s, s:s}", "first_name", kids[i].first,
					"last_name", kids[i].last, "class_name", kids[i].class_name,
					"birth_date", kids[i].birth);
		copy_id(child_ids[i], doc, "id");
		json_decref(doc);
		unsigned allowed = BIT(kids[i].owner);
		if (kids[i].second_guardian) {
			char target[96];
			snprintf(target, sizeof(target), "/api/v1/children/%s/guardians", child_ids[i]);
			/* Invited, then accepted: nothing is linked before. */
			json_decref(seed_call(kids[i].owner, "POST", target, NULL, 202, "{s:s}",
					      "email", seed_users[1].email));
			json_t *got = seed_call(FZ_A2, "GET", "/api/v1/guardian-invitations", NULL,
						200, NULL);
			const char *inv = json_string_value(json_object_get(
				json_array_get(json_object_get(got, "items"), 0), "id"));
			if (inv == NULL)
				fz_die("seed: no invitation for the second guardian");
			snprintf(target, sizeof(target), "/api/v1/guardian-invitations/%s/accept",
				 inv);
			json_decref(got);
			json_decref(seed_call(FZ_A2, "POST", target, NULL, 200, NULL));
			allowed |= BIT(FZ_A2);
		}
		add_secret(child_ids[i], allowed);
		add_secret(kids[i].first, allowed);
	}
	add_secret("Quillfeather", BIT(FZ_A1) | BIT(FZ_A2));
	add_secret("Vandersnoot", BIT(FZ_B1));
}

static void seed_sel(void)
{
	static const enum fz_identity providers[FZ_SERVICE_COUNT] = {FZ_A1, FZ_B1, FZ_C1,
								      FZ_TEACHER};
	static const char *const kinds[FZ_SERVICE_COUNT] = {"offer", "request", "offer", "offer"};
	for (int i = 0; i < FZ_SERVICE_COUNT; i++) {
		json_t *doc = seed_call(providers[i], "POST", "/api/v1/sel/services", NULL, 201,
					"{s:s, s:s, s:s, s:s, s:i}", "title", "Fuzz service",
					"description", "Seeded by the fuzzer", "category", "tutoring",
					"kind", kinds[i], "units_per_hour", 60);
		copy_id(service_ids[i], doc, "id");
		json_decref(doc);
	}
	/* Payments complete at once (201); requests wait for the payer (pending). */
	struct {
		enum fz_identity who;
		bool pay;
		int counterpart; /* user index */
		int units;
		const char *description;
		unsigned status;
		unsigned allowed;
	} txs[FZ_TX_COUNT] = {
		{FZ_A1, true, 2, 30, "sel-secret-a1-pays-b1", 201, BIT(FZ_A1) | BIT(FZ_B1)},
		{FZ_B1, false, 3, 20, "sel-secret-b1-asks-c1", 201, BIT(FZ_B1) | BIT(FZ_C1)},
		{FZ_C1, true, 1, 10, "sel-secret-c1-pays-a2", 201, BIT(FZ_C1) | BIT(FZ_A2)},
		{FZ_A2, false, 0, 15, "sel-secret-a2-asks-a1", 201, BIT(FZ_A1) | BIT(FZ_A2)},
	};
	for (int i = 0; i < FZ_TX_COUNT; i++) {
		char idem[64];
		snprintf(idem, sizeof(idem), "Idempotency-Key: seed-%d\n", i);
		json_t *doc = seed_call(txs[i].who, "POST", "/api/v1/sel/transactions", idem,
					txs[i].status, "{s:s, s:i, s:s}",
					txs[i].pay ? "to_user_id" : "from_user_id",
					user_ids[txs[i].counterpart], "units", txs[i].units,
					"description", txs[i].description);
		copy_id(tx_ids[i], doc, "id");
		json_decref(doc);
		/* Administrators see every transaction (audits, reversals). */
		add_secret(txs[i].description, txs[i].allowed | BIT(FZ_ADMIN));
	}
}

/* --- the checks -------------------------------------------------------------------- */

static bool contains(const char *hay, size_t hay_len, const char *needle)
{
	return memmem(hay, hay_len, needle, strlen(needle)) != NULL;
}

void fz_report(const char *what, const char *request, size_t len, const struct fz_response *res)
{
	fprintf(stderr, "\n=== fuzz_app: %s\n--- request (%zu bytes, placeholders unexpanded):\n%.*s\n"
			"--- response:\n%.*s\n",
		what, len, (int)(len > 4000 ? 4000 : len), request,
		(int)(res->raw_len > 4000 ? 4000 : res->raw_len), res->raw ? res->raw : "");
	abort();
}

void fz_check_and_reset(enum fz_identity who, const char *request_text, size_t request_len,
			const struct fz_response *res, bool responded)
{
	if (responded) {
		if (res->status == 500)
			fz_report("500 internal error", request_text, request_len, res);
		/* The request's own bytes (placeholders expanded) may legitimately come back. */
		struct fz_buf expanded = {0};
		buf_expand(&expanded, request_text, request_len);
		/* Whoever gives an account's password (a login, say) may see that account. */
		unsigned as = BIT(who);
		for (int u = 0; u < FZ_USER_COUNT; u++) {
			char password[32];
			snprintf(password, sizeof(password), FZ_PASSWORD_PREFIX "%d", u);
			if (expanded.data != NULL && contains(expanded.data, expanded.len, password))
				as |= BIT(identity_of_user(u));
		}
		for (size_t i = 0; i < secret_count; i++) {
			if (secrets[i].allowed & as)
				continue;
			if (!contains(res->raw, res->raw_len, secrets[i].text))
				continue;
			if (expanded.data != NULL && contains(expanded.data, expanded.len, secrets[i].text))
				continue;
			fprintf(stderr, "leaked secret: \"%s\"\n", secrets[i].text);
			fz_report("response holds data this identity may not see", request_text,
			       request_len, res);
		}
		free(expanded.data);
	}
	fz_db_check_and_reset(request_text, request_len, res);
}

/* The reset is skipped when data_version has not moved: prove once that a write through
 * the server moves it and that the reset then puts the seed back, so the harness can never
 * go blind to what a request changed. */
static void check_change_detection(void)
{
	json_t *doc = seed_call(FZ_C1, "PATCH", "/api/v1/users/me", NULL, 200, "{s:s}",
				"first_name", "Changed");
	json_decref(doc);
	if (!fz_db_changed())
		fz_die("PRAGMA data_version did not move after a write through the server");
	struct fz_response none = {0};
	fz_check_and_reset(FZ_C1, "(self-check)", 12, &none, false);
	int64_t changed;
	if (sh_query_int64(conn, "SELECT COUNT(*) FROM users WHERE first_name = 'Changed'",
			   SH_ARGS(), &changed) != SH_DB_ROW ||
	    changed != 0)
		fz_die("the reset did not restore the seeded users");
}

/* --- start-up ---------------------------------------------------------------------- */

static char work_dir[512];

/* Removes the database files at a normal exit (a crash leaves them for a look). */
static void remove_work_dir(void)
{
	static const char *const files[] = {"fuzz.db", "fuzz.db-wal", "fuzz.db-shm",
					    "data/secret.key"};
	char path[600];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", work_dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/data", work_dir);
	rmdir(path);
	rmdir(work_dir);
}

void fz_app_init(void)
{
	/* FUZZ_DB_DIR (scripts/fuzz.sh points it at /dev/shm when there is one: commits and the
	 * per-input reset cost half as much there), else TMPDIR. */
	const char *base = getenv("FUZZ_DB_DIR");
	if (base == NULL || *base == '\0')
		base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(work_dir, sizeof(work_dir), "%s/schoolhub-fuzz.XXXXXX", base);
	char *d = mkdtemp(work_dir);
	if (d == NULL)
		fz_die("mkdtemp in %s: %s", base, strerror(errno));
	atexit(remove_work_dir);
	char url[600], data_dir[600];
	snprintf(url, sizeof(url), "sqlite:///%s/fuzz.db", d);
	snprintf(data_dir, sizeof(data_dir), "%s/data", d);
	setenv("DATABASE_URL", url, 1);
	setenv("SCHOOLHUB_DATA_DIR", data_dir, 1);
	setenv("SCHOOLHUB_SECRET_KEY", "fuzzing-only-secret-key-0123456789abcdef", 1);
	setenv("SCHOOLHUB_ENV", "development", 1);
	setenv("SCHOOLHUB_REGISTRATION", "open", 1);
	setenv("SCHOOLHUB_THREADS", "1", 1);
	/* No fdatasync per commit: a fuzzing session never survives a power cut anyway. */
	setenv("SCHOOLHUB_SQLITE_SYNC", "normal", 1);
	setenv("SCHOOLHUB_LOG_LEVEL", getenv("FUZZ_LOG_LEVEL") ? getenv("FUZZ_LOG_LEVEL") : "error", 1);
	unsetenv("SCHOOLHUB_MODULES");
	unsetenv("SCHOOLHUB_CORS_ORIGINS");
	unsetenv("SCHOOLHUB_METRICS_TOKEN");

	if (sh_global_init() != 0)
		fz_die("sh_global_init failed");
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, true, &error) != 0)
		fz_die("config: %s", error);
	sh_log_set_level(cfg.log_level);
	/* Long enough that the seeded tokens outlive any fuzzing session. */
	cfg.access_token_ttl_s = 30 * 24 * 3600;
	if (sh_app_create(&cfg, true, &app, &error) != 0)
		fz_die("app: %s", error);
	if (sh_server_start_unlistened(app, &server, &error) != 0)
		fz_die("server: %s", error);
	conn = sh_db_connect(app->db, &error);
	if (conn == NULL)
		fz_die("database: %s", error);

	seed_users_and_tokens();
	seed_children();
	seed_sel();
	fz_db_snapshot(app, conn);
	check_change_detection();
	fprintf(stderr, "fuzz_app: seeded %d users, %d children, %d services, %d transactions in %s\n",
		FZ_USER_COUNT, FZ_CHILD_COUNT, FZ_SERVICE_COUNT, FZ_TX_COUNT, d);
}
