/*
 * The JSON writer: its text for jansson values must be byte for byte that of
 * json_dumps(JSON_COMPACT) (every reply goes through it), and the direct-writing calls
 * must produce valid JSON with the commas in the right places.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"

/* Both texts, or both refusals. */
static void assert_same_as_jansson(json_t *v)
{
	struct sh_arena *a = sh_arena_create();
	size_t len = 0;
	const char *ours = sh_json_dump(a, v, &len);
	char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (theirs == NULL) {
		ck_assert_msg(ours == NULL, "jansson refused, we wrote %s", ours);
	} else {
		ck_assert_msg(ours != NULL, "we refused, jansson wrote %s", theirs);
		ck_assert_str_eq(ours, theirs);
		ck_assert_uint_eq(len, strlen(theirs));
	}
	free(theirs);
	sh_arena_destroy(&a);
}

START_TEST(same_text_as_jansson_for_fixed_values)
{
	static const char *const texts[] = {
		"{}",
		"[]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"[\"\\\"quoted\\\" \\\\ back\\/slash\",\"tab\\tnl\\ncr\\rbs\\bff\\f\"]",
		"[\"\\u0000\\u0001\\u001f\\u007f\"]",
		"[\"Émilie Çavérnoux — 👨‍👩‍👧 ﷽\"]",
		"[\"\\u2028\\u2029\\ud83d\\ude00\"]",
		"[0,-1,9223372036854775807,-9223372036854775808]",
		"[0.5,-0.0,1.0,100.0,1e20,1e-7,123456789.123456789,3.14159]",
		"{\"z\":1,\"a\":2,\"m\":3}",
		"[[[[[[[[[[[]]]]]]]]]]]",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t err;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		ck_assert_msg(v != NULL, "%s: %s", texts[i], err.text);
		assert_same_as_jansson(v);
		json_decref(v);
	}
	json_t *reals = json_pack("[f,f,f,f,f]", 1e300, -2.5e-300, 0.1, 1e16, 123.0);
	assert_same_as_jansson(reals);
	json_decref(reals);
}
END_TEST

/* A small deterministic generator: the same values on every run and machine. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* Any bytes at all, so invalid UTF-8 is among them (then both must refuse). */
static json_t *random_string(bool valid_only)
{
	static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01",
					     "\x1f", "\x7f", "é", "€", "𝄞", "\xc3", "\xed\xa0\x80",
					     "\xf4\x90\x80\x80", "\xc0\xaf", "\xff", "\0"};
	char buf[64];
	size_t len = 0, n = rnd() % 12;
	size_t count = sizeof(pieces) / sizeof(pieces[0]) - (valid_only ? 6 : 0);
	for (size_t i = 0; i < n; i++) {
		size_t k = rnd() % count;
		size_t plen = k == count - 1 && !valid_only ? 1 : strlen(pieces[k]);
		if (len + plen > sizeof(buf))
			break;
		memcpy(buf + len, pieces[k], plen);
		len += plen;
	}
	return json_stringn_nocheck(buf, len);
}

static json_t *random_value(int depth)
{
	switch (rnd() % (depth > 4 ? 6 : 8)) {
	case 0:
		return json_integer((json_int_t)(int64_t)(((uint64_t)rnd() << 32) | rnd()));
	case 1:
		return json_real((double)(int32_t)rnd() / (double)(1u + rnd() % 100000));
	case 2:
		return random_string(rnd() % 4 != 0);
	case 3:
		return json_true();
	case 4:
		return json_null();
	case 5:
		return json_false();
	case 6: {
		json_t *o = json_object();
		for (uint32_t i = rnd() % 5; i > 0; i--) {
			json_t *key = random_string(true);
			json_object_setn_new_nocheck(o, json_string_value(key), json_string_length(key),
						     random_value(depth + 1));
			json_decref(key);
		}
		return o;
	}
	default: {
		json_t *a = json_array();
		for (uint32_t i = rnd() % 5; i > 0; i--)
			json_array_append_new(a, random_value(depth + 1));
		return a;
	}
	}
}

START_TEST(same_text_as_jansson_for_random_values)
{
	for (int i = 0; i < 5000; i++) {
		json_t *v = random_value(0);
		assert_same_as_jansson(v);
		json_decref(v);
	}
}
END_TEST

START_TEST(writer_places_commas_and_escapes)
{
	struct sh_arena *a = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, a);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "name", "Léa \"la grande\"");
	sh_jw_kstring(&w, "none", NULL);
	sh_jw_kint(&w, "units", -300);
	sh_jw_kbool(&w, "active", true);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	for (int i = 0; i < 3; i++) {
		sh_jw_object_begin(&w);
		sh_jw_kint(&w, "i", i);
		sh_jw_object_end(&w);
	}
	sh_jw_array_end(&w);
	sh_jw_key(&w, "empty");
	sh_jw_array_begin(&w);
	sh_jw_array_end(&w);
	sh_jw_key(&w, "bad");
	sh_jw_string(&w, "a\xff" "b\xc3");
	json_t *embedded = json_pack("{s:[i,s]}", "x", 1, "y");
	sh_jw_key(&w, "embedded");
	sh_jw_value(&w, embedded);
	json_decref(embedded);
	sh_jw_kbool(&w, "last", false);
	sh_jw_object_end(&w);
	size_t len = 0;
	const char *text = sh_jw_text(&w, &len);
	ck_assert_str_eq(text, "{\"name\":\"Léa \\\"la grande\\\"\",\"none\":null,\"units\":-300,"
			       "\"active\":true,\"items\":[{\"i\":0},{\"i\":1},{\"i\":2}],"
			       "\"empty\":[],\"bad\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\","
			       "\"embedded\":{\"x\":[1,\"y\"]},\"last\":false}");
	ck_assert_uint_eq(len, strlen(text));
	json_error_t err;
	json_t *back = json_loads(text, 0, &err);
	ck_assert_msg(back != NULL, "not JSON: %s", err.text);
	json_decref(back);

	/* A text far beyond the first buffer grows it and keeps every byte. */
	sh_jw_init(&w, a);
	sh_jw_array_begin(&w);
	for (int i = 0; i < 20000; i++)
		sh_jw_string(&w, "0123456789");
	sh_jw_array_end(&w);
	text = sh_jw_text(&w, &len);
	ck_assert_uint_eq(len, 2 + 20000 * 13 - 1); /* "0123456789" and a comma each */
	ck_assert(strncmp(text + len - 13, "\"0123456789\"]", 13) == 0);

	/* A jansson value holding invalid UTF-8 is refused, like json_dumps does. */
	sh_jw_init(&w, a);
	json_t *invalid = json_stringn_nocheck("\xff", 1);
	sh_jw_value(&w, invalid);
	json_decref(invalid);
	ck_assert_ptr_null(sh_jw_text(&w, &len));
	sh_arena_destroy(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json_writer");
	TCase *tc = tcase_create("json_writer");
	tcase_set_timeout(tc, 120); /* valgrind runs are many times slower */
	tcase_add_test(tc, same_text_as_jansson_for_fixed_values);
	tcase_add_test(tc, same_text_as_jansson_for_random_values);
	tcase_add_test(tc, writer_places_commas_and_escapes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
