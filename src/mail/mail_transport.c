/*
 * Delivery: SMTP through libcurl, or the file outbox. Both are idempotent per job as far
 * as they can be: the outbox file is named after the job and replaced whole (rename), and
 * an SMTP message carries the job's Message-ID, by which mail systems recognise a second
 * copy of a message whose first delivery was not recorded (a crash between the server's
 * "250 OK" and the database write).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schoolhub/config.h"
#include "schoolhub/mail.h"

/* An unreachable or stuck server must not hold a worker much longer than this. */
#define SH_SMTP_CONNECT_TIMEOUT_S 10L
#define SH_SMTP_TIMEOUT_S 60L

struct upload {
	const char *data;
	size_t len, sent;
};

static size_t read_message(char *out, size_t size, size_t n, void *userdata)
{
	struct upload *u = userdata;
	size_t room = size * n, left = u->len - u->sent;
	size_t take = left < room ? left : room;
	memcpy(out, u->data + u->sent, take);
	u->sent += take;
	return take;
}

static int deliver_smtp(const struct sh_config *cfg, struct sh_arena *arena, const char *to,
			const char *msg, size_t len, const char **error_r)
{
	CURL *curl = curl_easy_init();
	if (curl == NULL) {
		*error_r = "cannot create a libcurl handle";
		return -1;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	struct upload up = {msg, len, 0};
	struct curl_slist *rcpt = curl_slist_append(
		NULL, sh_arena_printf(arena, "<%s>", to));
	const char *from = sh_mail_address(arena, cfg->mail_from);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* smtp://: STARTTLS when the server offers it; smtps:// is TLS from the start. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (cfg->smtp_user != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sh_arena_printf(arena, "<%s>", from));
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, SH_SMTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, SH_SMTP_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	if (rc == CURLE_OK)
		return 0;
	/* libcurl's message names the host and the server's reply, never the password. */
	*error_r = sh_arena_printf(arena, "SMTP: %s%s%s", curl_easy_strerror(rc),
				   errbuf[0] ? ": " : "", errbuf);
	return -1;
}

static int deliver_file(const struct sh_config *cfg, struct sh_arena *arena, const char *name,
			const char *msg, size_t len, const char **error_r)
{
	const char *dir = sh_arena_printf(arena, "%s/outbox", cfg->data_dir);
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		goto fail;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		goto fail;
	const char *tmp = sh_arena_printf(arena, "%s/.%s.eml.tmp", dir, name);
	const char *path = sh_arena_printf(arena, "%s/%s.eml", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	*error_r = sh_arena_printf(arena, "outbox %s: %s", dir, strerror(errno));
	return -1;
}

int sh_mail_deliver(const struct sh_config *cfg, struct sh_arena *arena, const char *name,
		    const char *to, const char *msg, size_t len, const char **error_r)
{
	if (cfg->smtp_url != NULL)
		return deliver_smtp(cfg, arena, to, msg, len, error_r);
	return deliver_file(cfg, arena, name, msg, len, error_r);
}

const char *sh_mail_describe(const struct sh_config *cfg, struct sh_arena *arena)
{
	if (cfg->smtp_url == NULL)
		return sh_arena_printf(arena,
				       "e-mail: no SCHOOLHUB_SMTP_URL, messages are written to "
				       "%s/outbox (one .eml file each)",
				       cfg->data_dir);
	return sh_arena_printf(arena, "e-mail: SMTP via %s%s%s, from %s, links to %s",
			       cfg->smtp_url, cfg->smtp_user ? " as " : "",
			       cfg->smtp_user ? cfg->smtp_user : "", cfg->mail_from, cfg->public_url);
}
