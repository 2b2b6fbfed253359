/* Unit tests of word search: how text is cut into words (src/core/search_text.c) and what
 * the SEL directory makes of a query (src/modules/sel/service_search.c). */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "modules/sel/service_search.h"
#include "schoolhub/arena.h"
#include "schoolhub/text.h"

static void assert_text(const char *in, const char *want)
{
	char *got = sh_search_text(in);
	ck_assert_msg(strcmp(got, want) == 0, "\"%s\" -> \"%s\", want \"%s\"", in, got, want);
	free(got);
}

START_TEST(text_is_cut_into_folded_words)
{
	assert_text("Garde d'enfants", " garde d enfants ");
	assert_text("  Réparation de VÉLOS!  ", " reparation de velos ");
	assert_text("Ærø Œuvre straße", " aero oeuvre strasse ");
	assert_text("100% garanti_", " 100 garanti ");
	assert_text("l\xe2\x80\x99\xc3\xa9" "cole \xc2\xab vite \xc2\xbb \xe2\x80\x94 ok", " l ecole vite ok ");
	assert_text("e\xcc\x81t\xc3\xa9", " ete "); /* a decomposed é loses its accent */
	assert_text("a\tb\nc\rd", " a b c d ");
	assert_text("x\xf0\x9f\x9a\xb2y", " x y ");   /* an emoji separates */
	assert_text("\xd0\x9c\xd0\xb8\xd1\x80", " \xd0\x9c\xd0\xb8\xd1\x80 "); /* other scripts stay */
	assert_text("\"quoted\" \\ back", " quoted back ");
	assert_text("", "");
	assert_text(" %_* ", "");
	assert_text("\xff\xfe", ""); /* invalid bytes separate too */
	/* A long word keeps its first SH_SEARCH_WORD_MAX bytes, whole characters only. */
	char longw[200];
	memset(longw, 'a', 60);
	strcpy(longw + 60, " b");
	char *got = sh_search_text(longw);
	ck_assert_uint_eq(strlen(got), 1 + SH_SEARCH_WORD_MAX + 3);
	ck_assert_str_eq(got + 1 + SH_SEARCH_WORD_MAX, " b ");
	free(got);
	char accents[200] = "a";
	for (int i = 0; i < 30; i++)
		strcat(accents, "\xce\xb1"); /* α: two bytes; 1 + 2 * 19 = 39 fit, not 41 */
	got = sh_search_text(accents);
	ck_assert_uint_eq(strlen(got), 1 + 39 + 1);
	free(got);
}
END_TEST

START_TEST(query_words_and_ranges)
{
	struct sh_arena *a = sh_arena_create();
	const char *w[4];
	ck_assert_uint_eq(sh_search_words(a, "Jan  jan DUPONT-Smet x y", w, 4), 4);
	ck_assert_str_eq(w[0], "jan");
	ck_assert_str_eq(w[1], "dupont");
	ck_assert_str_eq(w[2], "smet");
	ck_assert_str_eq(w[3], "x");
	ck_assert_uint_eq(sh_search_words(a, "%_'\"", w, 4), 0);
	const char *end = sh_search_prefix_end(a, "velo");
	ck_assert(strcmp("velo", end) < 0);
	ck_assert(strcmp("velos", end) < 0);
	ck_assert(strcmp("velo\xe4\xb8\x80", end) < 0);
	ck_assert(strcmp("velp", end) > 0);
	ck_assert(strcmp("vel", "velo") < 0);
	sh_arena_destroy(&a);
}
END_TEST

static void assert_stem(const char *word, const char *want)
{
	size_t n = sh_sel_search_stem(word);
	ck_assert_msg(n == strlen(want) && strncmp(word, want, n) == 0, "%s -> %.*s, want %s", word,
		      (int)n, word, want);
}

START_TEST(stems_strip_one_plural_ending)
{
	assert_stem("velos", "velo");
	assert_stem("jeux", "jeu");
	assert_stem("gateaux", "gatea");
	assert_stem("chevaux", "cheva");
	assert_stem("fietsen", "fiets");
	assert_stem("herstellingen", "herstelling");
	assert_stem("lessen", "les");
	assert_stem("bussen", "bus");
	assert_stem("kinderen", "kinder");
	assert_stem("repairs", "repair");
	assert_stem("fiets", "fiet");
	assert_stem("les", "les");
	assert_stem("bus", "bus");
	assert_stem("garden", "garden");
	assert_stem("garde", "garde");
	assert_stem("velo", "velo");
	assert_stem("a", "a");
	assert_stem("", "");
}
END_TEST

static bool names(const struct sh_sel_search_word *w, const char *code)
{
	for (size_t i = 0; i < w->n_categories; i++)
		if (strcmp(w->categories[i], code) == 0)
			return true;
	return false;
}

START_TEST(query_words_name_categories_in_three_languages)
{
	struct sh_arena *a = sh_arena_create();
	struct sh_sel_search_word w[SH_SEL_SEARCH_WORDS_MAX];
	size_t n = sh_sel_search_parse(a, "Fietsen herstellingen bike RÉPARATIONS garde ignored", w,
				       SH_SEL_SEARCH_WORDS_MAX);
	ck_assert_uint_eq(n, SH_SEL_SEARCH_WORDS_MAX);
	ck_assert_str_eq(w[0].from, "fiets");
	ck_assert(names(&w[0], "repairs"));
	ck_assert(names(&w[1], "repairs"));
	ck_assert(names(&w[2], "repairs"));
	ck_assert_str_eq(w[3].from, "reparation");
	ck_assert(names(&w[3], "repairs"));
	ck_assert(names(&w[4], "childcare"));
	ck_assert(!names(&w[4], "repairs"));
	/* Short words and "other"'s labels name no category. */
	n = sh_sel_search_parse(a, "ga autre andere other", w, SH_SEL_SEARCH_WORDS_MAX);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(w[i].n_categories, 0);
	/* Every category the module knows has its search words. */
	static const char *const codes[] = {"childcare", "transport", "tutoring", "cooking",
					    "repairs", "gardening", "languages", "computers",
					    "administrative_help", "other"};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		ck_assert(sh_sel_category_valid(codes[i]));
		ck_assert_msg(sh_sel_search_knows_category(codes[i]), "%s", codes[i]);
	}
	sh_arena_destroy(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("search");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, text_is_cut_into_folded_words);
	tcase_add_test(tc, query_words_and_ranges);
	tcase_add_test(tc, stems_strip_one_plural_ending);
	tcase_add_test(tc, query_words_name_categories_in_three_languages);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
