/* In-process server + libcurl client for the API tests. */
#include "test_http.h"

#include <curl/curl.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "exchange_log.h"
#include "schoolhub/mem.h"
#include "test_db.h"

struct th_server *th_current;
_Thread_local const char *th_source_ip;
_Thread_local long th_timeout_s;

#define TEST_SECRET "test-secret-key-for-schoolhub-api-tests-0123456789"

static void fatal(const char *what, const char *detail)
{
	fprintf(stderr, "test setup failed: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

/* Starts the app and server of "s", whose database_url and data_dir are set. */
static void start_on(struct th_server *s, const char *const *env);

void th_server_start(struct th_server *s, const char *backend, const char *const *env)
{
	static int started;
	if (!started++ && sh_global_init() != 0)
		fatal("sh_global_init", NULL);
	memset(s, 0, sizeof(*s));
	snprintf(s->data_dir, sizeof(s->data_dir), "/tmp/sh-api-XXXXXX");
	if (mkdtemp(s->data_dir) == NULL)
		fatal("mkdtemp", NULL);
	s->database_url = th_backend_url(backend);
	start_on(s, env);
}

void th_server_start_beside(struct th_server *s, const struct th_server *first,
			    const char *const *env)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->data_dir, sizeof(s->data_dir), "/tmp/sh-api-XXXXXX");
	if (mkdtemp(s->data_dir) == NULL)
		fatal("mkdtemp", NULL);
	s->database_url = first->database_url;
	start_on(s, env);
}

void th_server_restart(struct th_server *s, const char *const *env)
{
	sh_server_stop(&s->server);
	sh_app_destroy(&s->app);
	start_on(s, env);
}

static void start_on(struct th_server *s, const char *const *env)
{
	/* A clean, known environment, then the test's overrides. */
	static const char *const cleared[] = {"SCHOOLHUB_REGISTRATION", "SCHOOLHUB_MODULES",
					      "SCHOOLHUB_CORS_ORIGINS", "SCHOOLHUB_ENV",
					      "SCHOOLHUB_MAX_BODY_BYTES", "SCHOOLHUB_HOST",
					      "SCHOOLHUB_PASSWORD_SLOT_WAIT_MS",
					      "SCHOOLHUB_TRUSTED_PROXIES", "SCHOOLHUB_METRICS_TOKEN",
					      "SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "SEL_INITIAL_BALANCE",
					      "SEL_MIN_BALANCE", "SEL_MAX_BALANCE",
					      "SCHOOLHUB_SMTP_URL", "SCHOOLHUB_SMTP_USER",
					      "SCHOOLHUB_SMTP_PASSWORD", "SCHOOLHUB_MAIL_FROM",
					      "SCHOOLHUB_PUBLIC_URL", "SCHOOLHUB_JOBS_WORKERS",
					      "SCHOOLHUB_JOBS_MAX_ATTEMPTS", "SCHOOLHUB_JOBS_BACKOFF_S",
					      "SCHOOLHUB_JOBS_LEASE_S", "SCHOOLHUB_JOBS_POLL_MS", NULL};
	for (const char *const *c = cleared; *c; c++)
		unsetenv(*c);
	setenv("SCHOOLHUB_ENV", "development", 1); /* unset is production: invite-only */
	setenv("DATABASE_URL", s->database_url, 1);
	setenv("SCHOOLHUB_PORT", "0", 1);
	setenv("SCHOOLHUB_SECRET_KEY", TEST_SECRET, 1);
	setenv("SCHOOLHUB_DATA_DIR", s->data_dir, 1);
	setenv("SCHOOLHUB_THREADS", "2", 1);
	/* Every test client is 127.0.0.1: suites that do not test the per-address limit
	 * register and log in far more than 100 times per 15 minutes. */
	setenv("SCHOOLHUB_AUTH_IP_LIMIT", "0", 1);
	if (getenv("SCHOOLHUB_TEST_LOG") == NULL)
		setenv("SCHOOLHUB_LOG_LEVEL", "warn", 1);
	for (const char *const *e = env; e && *e; e++) {
		char *copy = sh_strdup(*e);
		char *eq = strchr(copy, '=');
		if (eq == NULL)
			fatal("bad env override", *e);
		*eq = '\0';
		setenv(copy, eq + 1, 1);
		free(copy);
	}
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, true, &error) != 0)
		fatal("config", error);
	sh_log_set_level(cfg.log_level);
	cfg.job_worker = true; /* as `schoolhub serve`: e-mails are sent by its worker */
	if (sh_app_create(&cfg, true, &s->app, &error) != 0)
		fatal("app", error);
	if (sh_server_start(s->app, &s->server, &error) != 0)
		fatal("server", error);
	snprintf(s->base_url, sizeof(s->base_url), "http://127.0.0.1:%u", sh_server_port(s->server));
	th_current = s;
}

void th_server_stop(struct th_server *s)
{
	sh_server_stop(&s->server);
	sh_app_destroy(&s->app);
	char path[128];
	snprintf(path, sizeof(path), "%s/secret.key", s->data_dir);
	unlink(path);
	th_remove_outbox(s->data_dir);
	rmdir(s->data_dir);
	if (th_current == s)
		th_current = NULL;
}

void th_remove_outbox(const char *data_dir)
{
	char dir[160], path[512];
	snprintf(dir, sizeof(dir), "%s/outbox", data_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

struct growbuf {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	struct growbuf *b = userdata;
	size_t add = size * n;
	b->data = sh_realloc(b->data, b->len + add + 1);
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

struct th_resp *th_request(const char *method, const char *path, const char *token,
			   const char *body, const char *content_type, const char *const *extra)
{
	CURL *curl = curl_easy_init();
	if (curl == NULL || th_current == NULL)
		fatal("curl_easy_init / no server", NULL);
	char url[2048];
	snprintf(url, sizeof(url), "%s%s", th_current->base_url, path);
	struct growbuf bodybuf = {sh_strdup(""), 0}, headbuf = {sh_strdup(""), 0};
	struct curl_slist *headers = NULL;
	char line[4096];
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		headers = curl_slist_append(headers, line);
	}
	if (body != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 content_type ? content_type : "application/json");
		headers = curl_slist_append(headers, line);
	}
	/* No "Expect: 100-continue" unless a test asks for it (then it comes from "extra"). */
	bool expect = false;
	for (const char *const *h = extra; h && *h; h++)
		expect = expect || strncasecmp(*h, "Expect:", 7) == 0;
	if (!expect)
		headers = curl_slist_append(headers, "Expect:");
	for (const char *const *h = extra; h && *h; h++)
		headers = curl_slist_append(headers, *h);

	curl_easy_setopt(curl, CURLOPT_URL, url);
	char source[64];
	if (th_source_ip != NULL) {
		snprintf(source, sizeof(source), "host!%s", th_source_ip);
		curl_easy_setopt(curl, CURLOPT_INTERFACE, source);
	}
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, th_timeout_s > 0 ? th_timeout_s : 30L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &bodybuf);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headbuf);
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	CURLcode rc = curl_easy_perform(curl);
	struct th_resp *r = sh_calloc(1, sizeof(*r));
	char *response_type = NULL;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
		curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &response_type);
		th_exchange_record(method, path, r->status, response_type, headbuf.data,
				   bodybuf.data, bodybuf.len);
	} else {
		r->status = -1;
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	r->body = bodybuf.data;
	r->body_len = bodybuf.len;
	r->headers = headbuf.data;
	r->json = bodybuf.len ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
	return r;
}

struct th_resp *th_json(const char *method, const char *path, const char *token,
			const char *fmt, ...)
{
	if (fmt == NULL)
		return th_request(method, path, token, NULL, NULL, NULL);
	va_list ap;
	va_start(ap, fmt);
	json_t *doc = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (doc == NULL)
		fatal("json_pack failed for", fmt);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	struct th_resp *r = th_request(method, path, token, text, NULL, NULL);
	free(text);
	return r;
}

const char *th_header(const struct th_resp *r, const char *name)
{
	static _Thread_local char value[1024];
	size_t n = strlen(name);
	const char *p = r->headers;
	const char *found = NULL;
	while (p && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			found = p; /* keep the last (after redirects/100-continue) */
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (found == NULL)
		return NULL;
	found += n + 1;
	while (*found == ' ')
		found++;
	size_t len = strcspn(found, "\r\n");
	if (len >= sizeof(value))
		len = sizeof(value) - 1;
	memcpy(value, found, len);
	value[len] = '\0';
	return value;
}

void th_resp_free(struct th_resp **r)
{
	if (*r == NULL)
		return;
	json_decref((*r)->json);
	free((*r)->body);
	free((*r)->headers);
	sh_free(r);
}

const char *th_str(const struct th_resp *r, const char *key)
{
	return json_string_value(json_object_get(r->json, key));
}

const char *th_code(const struct th_resp *r)
{
	return th_str(r, "code");
}

void th_member_register(struct th_member *m, const char *who)
{
	th_member_register_unverified(m, who);
	th_member_mark_verified(m);
}

void th_member_mark_verified(const struct th_member *m)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	if (conn == NULL)
		fatal("database", error);
	/* (1 = 1): TRUE on PostgreSQL's boolean, 1 in SQLite's integer column. */
	if (sh_exec(conn, "UPDATE users SET is_verified = (1 = 1) WHERE id = $1",
		    SH_ARGS(SH_TEXT(m->id)), NULL) != SH_DB_OK)
		fatal("marking a member verified", m->email);
	sh_conn_close(&conn);
}

void th_member_register_unverified(struct th_member *m, const char *who)
{
	static int counter;
	memset(m, 0, sizeof(*m));
	snprintf(m->email, sizeof(m->email), "%s.%d.%d@example.be", who, (int)getpid(), ++counter);
	snprintf(m->password, sizeof(m->password), "correct horse %s", who);
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s, s:s}", "email", m->email, "password",
				    m->password, "first_name", who, "last_name", "Test",
				    "privacy_version", TH_PRIVACY_VERSION);
	if (r->status != 201) {
		fprintf(stderr, "register %s: %ld %s\n", m->email, r->status, r->body);
		exit(1);
	}
	m->access_token = sh_strdup(th_str(r, "access_token"));
	m->refresh_token = sh_strdup(th_str(r, "refresh_token"));
	snprintf(m->id, sizeof(m->id), "%s",
		 json_string_value(json_object_get(json_object_get(r->json, "user"), "id")));
	th_resp_free(&r);
}

void th_member_free(struct th_member *m)
{
	sh_free(&m->access_token);
	sh_free(&m->refresh_token);
}

/* Percent-encodes a query value (every byte outside the unreserved set). */
void th_url_encode(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

