/*
 * Serving the embedded single-page app: content types, the pre-compressed copies chosen by
 * Accept-Encoding, one ETag per representation, 304s and cache rules.
 */
#include "http/static_files.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/content_coding.h"
#include "http/header_list.h"
#include "schoolhub/embed.h"
#include "schoolhub/mem.h"

/*
 * Strong ETags, one per representation (RFC 9110 §8.8.3: the gzip and brotli bytes are not
 * the identity bytes, so they may not share a validator): "<hash>", "<hash>-gzip",
 * "<hash>-br", the hash being that of the identity bytes.
 */
struct file_etags {
	char identity[19]; /* "\"" + 16 hex + "\"" */
	char gzip[24];
	char br[22];
};

static struct file_etags *etags;
static pthread_once_t etags_once = PTHREAD_ONCE_INIT;

static void compute_etags(void)
{
	etags = sh_calloc(sh_embedded_web_count ? sh_embedded_web_count : 1, sizeof(*etags));
	for (size_t i = 0; i < sh_embedded_web_count; i++) {
		unsigned char digest[8];
		char hex[17];
		crypto_generichash(digest, sizeof(digest), sh_embedded_web[i].data,
				   sh_embedded_web[i].size, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		snprintf(etags[i].identity, sizeof(etags[i].identity), "\"%s\"", hex);
		snprintf(etags[i].gzip, sizeof(etags[i].gzip), "\"%s-gzip\"", hex);
		snprintf(etags[i].br, sizeof(etags[i].br), "\"%s-br\"", hex);
	}
}

void sh_static_init(void)
{
	pthread_once(&etags_once, compute_etags);
}

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".webmanifest", "application/manifest+json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json"},
};

static const char *content_type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot != NULL)
		for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
			if (strcasecmp(dot, content_types[i].ext) == 0)
				return content_types[i].type;
	return "application/octet-stream";
}

static int cmp_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sh_embedded_file *)elem)->path);
}

static const struct sh_embedded_file *find(const char *rel)
{
	if (sh_embedded_web_count == 0)
		return NULL;
	return bsearch(rel, sh_embedded_web, sh_embedded_web_count, sizeof(sh_embedded_web[0]),
		       cmp_path);
}

/* One representation of a file: its bytes, its ETag, its Content-Encoding (NULL: none). */
struct representation {
	const char *data;
	size_t size;
	const char *etag;
	const char *encoding;
};

static struct representation choose(const struct sh_request *req,
				    const struct sh_embedded_file *f)
{
	const struct file_etags *tags = &etags[f - sh_embedded_web];
	struct representation r = {(const char *)f->data, f->size, tags->identity, NULL};
	if (f->gzip == NULL && f->br == NULL)
		return r;
	switch (sh_coding_choose(sh_req_header_list(req, "Accept-Encoding"), f->gzip != NULL,
				 f->br != NULL)) {
	case SH_CODING_BR:
		return (struct representation){(const char *)f->br, f->br_size, tags->br, "br"};
	case SH_CODING_GZIP:
		return (struct representation){(const char *)f->gzip, f->gzip_size, tags->gzip,
					       "gzip"};
	case SH_CODING_IDENTITY:
		break;
	}
	return r;
}

void sh_static_serve(struct sh_request *req, struct sh_response *res)
{
	sh_static_init();
	const char *rel = req->path[0] == '/' ? req->path + 1 : req->path;
	const struct sh_embedded_file *f = NULL;
	/* Only plain relative names can match; anything with ".." or "\\" falls back to the app. */
	if (*rel != '\0' && strstr(rel, "..") == NULL && strchr(rel, '\\') == NULL)
		f = find(rel);
	bool hashed = f != NULL && strncmp(f->path, "assets/", 7) == 0;
	if (f == NULL)
		f = find("index.html");
	if (f == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct representation r = choose(req, f);
	res->cacheable = true;
	sh_res_header(res, "ETag", r.etag);
	/* Hashed assets never change under a name; everything else (index.html, sw.js, the
	 * manifest, icons) is revalidated so an upgrade is seen at the next load. */
	sh_res_header(res, "Cache-Control",
		      hashed ? "public, max-age=31536000, immutable" : "no-cache");
	/* A cache must not hand one client's brotli to another that asked for nothing. */
	if (f->gzip != NULL || f->br != NULL)
		sh_res_header(res, "Vary", "Accept-Encoding");
	if (sh_etag_list_matches(sh_req_header_list(req, "If-None-Match"), r.etag)) {
		sh_reply_raw(res, 304, NULL, "", 0);
		return;
	}
	if (r.encoding != NULL)
		sh_res_header(res, "Content-Encoding", r.encoding);
	/* HEAD: libmicrohttpd sends these headers and Content-Length of this body, not the body. */
	sh_reply_raw(res, 200, content_type_of(f->path), r.data, r.size);
}
