/* Serving the embedded single-page app with content types, ETag/304 and cache rules. */
#include "http/static_files.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schoolhub/embed.h"
#include "schoolhub/mem.h"

static char (*etags)[24]; /* "\"" + 16 hex + "\"" per embedded file */
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
		snprintf(etags[i], sizeof(etags[i]), "\"%s\"", hex);
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
	size_t index = (size_t)(f - sh_embedded_web);
	const char *etag = etags[index];
	res->cacheable = true;
	sh_res_header(res, "ETag", etag);
	/* Hashed assets never change under a name; everything else is revalidated so an
	 * upgrade is seen at the next load. */
	sh_res_header(res, "Cache-Control",
		      hashed ? "public, max-age=31536000, immutable" : "no-cache");
	const char *inm = sh_req_header(req, "If-None-Match");
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		sh_reply_raw(res, 304, NULL, "", 0);
		return;
	}
	sh_reply_raw(res, 200, content_type_of(f->path), (const char *)f->data, f->size);
}
