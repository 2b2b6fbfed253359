/*
 * The embedded web app over HTTP: its gzip and brotli copies chosen by Accept-Encoding
 * (q-values, "*", identity), Vary, Content-Length, one ETag per encoding, HEAD and 304,
 * and the cache rules of hashed assets and of the files that must be revalidated. The
 * copies are decoded (zlib, libbrotlidec) and compared with the files they stand for.
 */
#include <brotli/decode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "api.h"
#include "schoolhub/embed.h"

/* The main script of the app, "/assets/index-<hash>.js", read from index.html. */
static char main_js[256];

static void find_main_js(void)
{
	struct th_resp *r = th_request("GET", "/", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	const char *src = strstr(r->body, "src=\"/assets/");
	ck_assert_msg(src != NULL, "index.html loads no /assets/ script");
	src += strlen("src=\"");
	size_t len = strcspn(src, "\"");
	ck_assert_uint_lt(len, sizeof(main_js));
	memcpy(main_js, src, len);
	main_js[len] = '\0';
	th_resp_free(&r);
}

static void static_start(void)
{
	api_shared_server_start();
	find_main_js();
}

/* The embedded file served at "path" ("/assets/x.js"). */
static const struct sh_embedded_file *embedded(const char *path)
{
	for (size_t i = 0; i < sh_embedded_web_count; i++)
		if (strcmp(sh_embedded_web[i].path, path + 1) == 0)
			return &sh_embedded_web[i];
	ck_abort_msg("%s is not embedded", path);
	return NULL;
}

/* Decodes "len" bytes of "coding" ("gzip", "br") and checks they are the file "f". */
static void assert_decodes_to(const char *coding, const void *data, size_t len,
			      const struct sh_embedded_file *f)
{
	unsigned char *out = malloc(f->size + 1);
	ck_assert_ptr_nonnull(out);
	size_t out_len = f->size + 1;
	if (strcmp(coding, "br") == 0) {
		ck_assert_int_eq(BrotliDecoderDecompress(len, data, &out_len, out),
				 BROTLI_DECODER_RESULT_SUCCESS);
	} else {
		ck_assert_str_eq(coding, "gzip");
		z_stream z = {.next_in = (Bytef *)(uintptr_t)data, .avail_in = (uInt)len,
			      .next_out = out, .avail_out = (uInt)out_len};
		ck_assert_int_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
		ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
		out_len = z.total_out;
		inflateEnd(&z);
	}
	ck_assert_uint_eq(out_len, f->size);
	ck_assert_msg(memcmp(out, f->data, f->size) == 0, "%s copy of %s differs", coding, f->path);
	free(out);
}

/* GET (or HEAD) "path" with the given Accept-Encoding line (NULL: none) and If-None-Match
 * line (NULL: none). */
static struct th_resp *get(const char *method, const char *path, const char *accept,
			   const char *inm)
{
	char ae[256], cond[512];
	const char *extra[3] = {NULL, NULL, NULL};
	size_t n = 0;
	if (accept != NULL) {
		/* "Accept-Encoding;" is how libcurl sends the header with an empty value. */
		if (*accept == '\0')
			snprintf(ae, sizeof(ae), "Accept-Encoding;");
		else
			snprintf(ae, sizeof(ae), "Accept-Encoding: %s", accept);
		extra[n++] = ae;
	}
	if (inm != NULL) {
		snprintf(cond, sizeof(cond), "If-None-Match: %s", inm);
		extra[n++] = cond;
	}
	return th_request(method, path, NULL, NULL, NULL, extra);
}

/* The response's Content-Length, which must be there. */
static unsigned long long content_length(const struct th_resp *r)
{
	const char *value = th_header(r, "Content-Length");
	ck_assert_msg(value != NULL, "no Content-Length");
	return strtoull(value, NULL, 10);
}

/* The Content-Encoding "path" is sent with for "accept" ("identity" when none). */
static const char *coding_for(const char *path, const char *accept)
{
	static char coding[32];
	struct th_resp *r = get("GET", path, accept, NULL);
	ck_assert_int_eq(r->status, 200);
	const char *ce = th_header(r, "Content-Encoding");
	snprintf(coding, sizeof(coding), "%s", ce ? ce : "identity");
	const struct sh_embedded_file *f = embedded(path);
	if (ce == NULL)
		ck_assert_uint_eq(r->body_len, f->size);
	else
		assert_decodes_to(ce, r->body, r->body_len, f);
	th_resp_free(&r);
	return coding;
}

START_TEST(every_copy_decodes_to_its_file_and_is_smaller)
{
	size_t texts = 0;
	for (size_t i = 0; i < sh_embedded_web_count; i++) {
		const struct sh_embedded_file *f = &sh_embedded_web[i];
		const char *dot = strrchr(f->path, '.');
		bool text = dot && (strcmp(dot, ".js") == 0 || strcmp(dot, ".css") == 0 ||
				    strcmp(dot, ".html") == 0);
		/* Every script, style sheet and page of the app is big enough to shrink. */
		if (text) {
			texts++;
			ck_assert_msg(f->br != NULL && f->gzip != NULL, "%s has no copies", f->path);
		}
		if (f->br != NULL) {
			ck_assert_uint_lt(f->br_size, f->size);
			assert_decodes_to("br", f->br, f->br_size, f);
		}
		if (f->gzip != NULL) {
			ck_assert_uint_lt(f->gzip_size, f->size);
			assert_decodes_to("gzip", f->gzip, f->gzip_size, f);
		}
		/* Images are compressed already: no copy that would save nothing. */
		if (dot && strcmp(dot, ".png") == 0)
			ck_assert(f->br == NULL && f->gzip == NULL);
	}
	ck_assert_uint_gt(texts, 3);
}
END_TEST

START_TEST(brotli_for_a_browser_with_vary_and_length)
{
	const struct sh_embedded_file *f = embedded(main_js);
	struct th_resp *id = get("GET", main_js, NULL, NULL);
	char identity_etag[64];
	snprintf(identity_etag, sizeof(identity_etag), "%s", th_header(id, "ETag"));
	th_resp_free(&id);

	struct th_resp *r = get("GET", main_js, "gzip, deflate, br", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Encoding"), "br");
	ck_assert_str_eq(th_header(r, "Vary"), "Accept-Encoding");
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=31536000, immutable");
	ck_assert_uint_eq(r->body_len, f->br_size);
	ck_assert_uint_eq(content_length(r), f->br_size);
	/* Another representation, another validator. */
	ck_assert_str_ne(th_header(r, "ETag"), identity_etag);
	assert_decodes_to("br", r->body, r->body_len, f);
	th_resp_free(&r);
}
END_TEST

START_TEST(q_values_decide)
{
	ck_assert_str_eq(coding_for(main_js, "gzip"), "gzip");
	ck_assert_str_eq(coding_for(main_js, "x-gzip"), "gzip");
	ck_assert_str_eq(coding_for(main_js, "GZIP, BR"), "br");
	ck_assert_str_eq(coding_for(main_js, "br;q=0.5, gzip;q=0.8"), "gzip");
	ck_assert_str_eq(coding_for(main_js, "gzip;q=1.0, br;q=1"), "br");
	ck_assert_str_eq(coding_for(main_js, "br;q=0, *"), "gzip");
	ck_assert_str_eq(coding_for(main_js, "*"), "br");
	ck_assert_str_eq(coding_for(main_js, "br;q=0, gzip;q=0"), "identity");
	ck_assert_str_eq(coding_for(main_js, "identity;q=0.9, gzip;q=0.5"), "identity");
	ck_assert_str_eq(coding_for(main_js, "deflate, zstd"), "identity");
	ck_assert_str_eq(coding_for(main_js, "br;q=2, gzip;q=0.0001"), "identity");
	/* Nothing acceptable, identity refused too: identity rather than a 406. */
	ck_assert_str_eq(coding_for(main_js, "*;q=0"), "identity");
	ck_assert_str_eq(coding_for(main_js, "identity;q=0, br;q=0, gzip;q=0"), "identity");
}
END_TEST

START_TEST(identity_without_the_header_or_with_an_empty_one)
{
	const struct sh_embedded_file *f = embedded(main_js);
	for (int empty = 0; empty <= 1; empty++) {
		struct th_resp *r = get("GET", main_js, empty ? "" : NULL, NULL);
		ck_assert_int_eq(r->status, 200);
		ck_assert_ptr_null(th_header(r, "Content-Encoding"));
		ck_assert_str_eq(th_header(r, "Vary"), "Accept-Encoding");
		ck_assert_uint_eq(content_length(r), f->size);
		ck_assert_uint_eq(r->body_len, f->size);
		ck_assert(memcmp(r->body, f->data, f->size) == 0);
		th_resp_free(&r);
	}
}
END_TEST

START_TEST(the_header_on_two_lines_counts_whole)
{
	/* The second line refuses brotli: the first alone must not win. */
	const char *lines[] = {"Accept-Encoding: br", "Accept-Encoding: br;q=0, gzip", NULL};
	struct th_resp *r = th_request("GET", main_js, NULL, NULL, NULL, lines);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Encoding"), "gzip");
	th_resp_free(&r);
}
END_TEST

START_TEST(head_has_the_headers_of_get_and_no_body)
{
	const struct sh_embedded_file *f = embedded(main_js);
	static const char *const accepts[] = {"br", "gzip", NULL};
	for (size_t i = 0; i < 3; i++) {
		struct th_resp *g = get("GET", main_js, accepts[i], NULL);
		char etag[64], length[32];
		snprintf(etag, sizeof(etag), "%s", th_header(g, "ETag"));
		snprintf(length, sizeof(length), "%llu", content_length(g));
		const char *ce = th_header(g, "Content-Encoding");
		char coding[16];
		snprintf(coding, sizeof(coding), "%s", ce ? ce : "");
		th_resp_free(&g);

		struct th_resp *h = get("HEAD", main_js, accepts[i], NULL);
		ck_assert_int_eq(h->status, 200);
		ck_assert_uint_eq(h->body_len, 0);
		ck_assert_str_eq(th_header(h, "ETag"), etag);
		char head_length[32];
		snprintf(head_length, sizeof(head_length), "%llu", content_length(h));
		ck_assert_str_eq(head_length, length);
		ck_assert_str_eq(th_header(h, "Vary"), "Accept-Encoding");
		ce = th_header(h, "Content-Encoding");
		ck_assert_str_eq(ce ? ce : "", coding);
		size_t expect = i == 0 ? f->br_size : i == 1 ? f->gzip_size : f->size;
		ck_assert_uint_eq(strtoull(length, NULL, 10), expect);
		th_resp_free(&h);
	}
}
END_TEST

/* The ETag of "path" sent for "accept". */
static void etag_for(const char *path, const char *accept, char *out, size_t size)
{
	struct th_resp *r = get("GET", path, accept, NULL);
	snprintf(out, size, "%s", th_header(r, "ETag"));
	th_resp_free(&r);
}

START_TEST(not_modified_only_for_the_same_encoding)
{
	char br[64], gzip[64], identity[64];
	etag_for(main_js, "br", br, sizeof(br));
	etag_for(main_js, "gzip", gzip, sizeof(gzip));
	etag_for(main_js, NULL, identity, sizeof(identity));
	ck_assert_str_ne(br, gzip);
	ck_assert_str_ne(br, identity);
	ck_assert_str_ne(gzip, identity);

	struct th_resp *r = get("GET", main_js, "br, gzip", br);
	ck_assert_int_eq(r->status, 304);
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_str_eq(th_header(r, "ETag"), br);
	ck_assert_str_eq(th_header(r, "Vary"), "Accept-Encoding");
	ck_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=31536000, immutable");
	th_resp_free(&r);

	/* The client now takes gzip only: its brotli copy is not the current representation. */
	r = get("GET", main_js, "gzip", br);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Encoding"), "gzip");
	ck_assert_str_eq(th_header(r, "ETag"), gzip);
	th_resp_free(&r);

	/* A shared cache's list of the copies it holds, weak tags included. */
	char list[256];
	snprintf(list, sizeof(list), "\"nope\", W/%s , %s", gzip, identity);
	r = get("GET", main_js, "gzip", list);
	ck_assert_int_eq(r->status, 304);
	th_resp_free(&r);
	r = get("HEAD", main_js, NULL, list);
	ck_assert_int_eq(r->status, 304);
	th_resp_free(&r);
	r = get("GET", main_js, "br", list);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Encoding"), "br");
	th_resp_free(&r);

	/* A tag that merely contains ours is not ours. */
	char longer[80];
	snprintf(longer, sizeof(longer), "\"x%s", identity + 1);
	r = get("GET", main_js, NULL, longer);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = get("GET", main_js, "br", "*");
	ck_assert_int_eq(r->status, 304);
	th_resp_free(&r);
}
END_TEST

START_TEST(the_shell_is_revalidated_and_compressed_too)
{
	static const char *const shell[] = {"/", "/sw.js", "/manifest.webmanifest", "/children/42"};
	for (size_t i = 0; i < sizeof(shell) / sizeof(shell[0]); i++) {
		struct th_resp *r = get("GET", shell[i], "gzip, deflate, br", NULL);
		ck_assert_int_eq(r->status, 200);
		ck_assert_msg(strcmp(th_header(r, "Cache-Control"), "no-cache") == 0, "%s: %s",
			      shell[i], th_header(r, "Cache-Control"));
		ck_assert_str_eq(th_header(r, "Vary"), "Accept-Encoding");
		ck_assert_str_eq(th_header(r, "Content-Encoding"), "br");
		th_resp_free(&r);
	}
	/* Client routes get index.html's representation and validator. */
	char index_etag[64], route_etag[64];
	etag_for("/", "br", index_etag, sizeof(index_etag));
	etag_for("/children/42", "br", route_etag, sizeof(route_etag));
	ck_assert_str_eq(index_etag, route_etag);
	struct th_resp *r = get("GET", "/children/42", "br", index_etag);
	ck_assert_int_eq(r->status, 304);
	th_resp_free(&r);
}
END_TEST

START_TEST(images_are_sent_as_they_are)
{
	struct th_resp *r = get("GET", "/icons/icon-192.png", "gzip, deflate, br", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Type"), "image/png");
	ck_assert_ptr_null(th_header(r, "Content-Encoding"));
	/* Nothing to choose between: no Vary to split caches for. */
	ck_assert_ptr_null(th_header(r, "Vary"));
	ck_assert_uint_eq(r->body_len, embedded("/icons/icon-192.png")->size);
	th_resp_free(&r);
}
END_TEST

Suite *api_static_suite(void)
{
	Suite *s = suite_create("static");
	TCase *tc = tcase_create("encodings");
	tcase_add_unchecked_fixture(tc, static_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_copy_decodes_to_its_file_and_is_smaller);
	tcase_add_test(tc, brotli_for_a_browser_with_vary_and_length);
	tcase_add_test(tc, q_values_decide);
	tcase_add_test(tc, identity_without_the_header_or_with_an_empty_one);
	tcase_add_test(tc, the_header_on_two_lines_counts_whole);
	tcase_add_test(tc, head_has_the_headers_of_get_and_no_body);
	tcase_add_test(tc, not_modified_only_for_the_same_encoding);
	tcase_add_test(tc, the_shell_is_revalidated_and_compressed_too);
	tcase_add_test(tc, images_are_sent_as_they_are);
	suite_add_tcase(s, tc);
	return s;
}
