/*
 * Build-time tool: turns files into a C source defining a sorted
 * "const struct sh_embedded_file NAME[]" table (see include/schoolhub/embed.h).
 *
 * usage: embed [--encoded ENCDIR] OUTPUT.c NAME ROOT [FILE|DIR...]
 * Each FILE (directories are walked) is stored under its path relative to ROOT.
 * Files are sorted by that path so lookups can use bsearch(). A missing DIR embeds
 * nothing from it (the web app is optional in builds without Node.js).
 * With --encoded, ENCDIR/<path>.gz and ENCDIR/<path>.br (scripts/precompress-web.sh) are
 * embedded as the file's gzip and brotli copies, each only when it is smaller than the
 * file: a copy that saves nothing would cost the client a decoding for no byte saved.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	const char *file;
	const char *rel;
	size_t size, gzip_size, br_size; /* a copy's size is 0 when it is not embedded */
};

static struct entry *entries;
static size_t count, capacity;

static int add_file(const char *file)
{
	if (count == capacity) {
		capacity = capacity ? capacity * 2 : 64;
		entries = realloc(entries, capacity * sizeof(*entries));
		if (entries == NULL)
			return -1;
	}
	entries[count] = (struct entry){.file = strdup(file)};
	if (entries[count].file == NULL)
		return -1;
	count++;
	return 0;
}

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F)
		return add_file(path);
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return strcmp(x->rel, y->rel);
}

/* Writes "static const unsigned char <prefix>_<index>[]" with the bytes of "path". */
static int emit_file(FILE *out, const char *path, const char *prefix, size_t index,
		     size_t *size_r)
{
	FILE *in = fopen(path, "rb");
	if (in == NULL) {
		perror(path);
		return -1;
	}
	fprintf(out, "static const unsigned char %s_%zu[] = {", prefix, index);
	unsigned char buf[65536];
	size_t n, total = 0;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s%u,", (total + i) % 24 == 0 ? "\n" : "", buf[i]);
		total += n;
	}
	int failed = ferror(in);
	fclose(in);
	if (failed) {
		fprintf(stderr, "embed: read error on %s\n", path);
		return -1;
	}
	fprintf(out, "0};\n");
	*size_r = total;
	return 0;
}

/*
 * The copy ENCDIR/<rel>.<suffix> of entry "e", when it exists and is smaller than the
 * file: written as <suffix>_<index>, its size in *size_r (0: not embedded). A copy older
 * than its file is stale (a build step skipped) and fails the build.
 */
static int emit_copy(FILE *out, const char *encdir, const struct entry *e, const char *suffix,
		     size_t index, size_t *size_r)
{
	*size_r = 0;
	char path[4096];
	struct stat copy, orig;
	if (snprintf(path, sizeof(path), "%s/%s.%s", encdir, e->rel, suffix) >= (int)sizeof(path))
		return -1;
	if (stat(path, &copy) != 0)
		return 0;
	if (stat(e->file, &orig) != 0 ||
	    copy.st_mtim.tv_sec < orig.st_mtim.tv_sec ||
	    (copy.st_mtim.tv_sec == orig.st_mtim.tv_sec &&
	     copy.st_mtim.tv_nsec < orig.st_mtim.tv_nsec)) {
		fprintf(stderr, "embed: %s is older than %s (run scripts/precompress-web.sh)\n",
			path, e->file);
		return -1;
	}
	if ((size_t)copy.st_size >= e->size)
		return 0;
	return emit_file(out, path, suffix, index, size_r);
}

/* A path goes into a C string literal as is: only plain characters are allowed. */
static int check_plain(const char *rel)
{
	for (const char *p = rel; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '?') {
			fprintf(stderr, "embed: refusing the file name %s\n", rel);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	const char *encdir = NULL;
	if (argc > 2 && strcmp(argv[1], "--encoded") == 0) {
		encdir = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: embed [--encoded ENCDIR] OUTPUT.c NAME ROOT [FILE...]\n");
		return 2;
	}
	const char *output = argv[1], *name = argv[2], *root = argv[3];
	size_t root_len = strlen(root);
	for (int a = 4; a < argc; a++) {
		struct stat st;
		if (stat(argv[a], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) ? nftw(argv[a], walk_cb, 16, FTW_PHYS) != 0 : add_file(argv[a]) != 0) {
			fprintf(stderr, "embed: cannot read %s\n", argv[a]);
			return 1;
		}
	}
	for (size_t i = 0; i < count; i++) {
		const char *file = entries[i].file;
		if (strncmp(file, root, root_len) != 0 || file[root_len] != '/') {
			fprintf(stderr, "embed: %s is not under %s\n", file, root);
			return 1;
		}
		entries[i].rel = file + root_len + 1;
		if (check_plain(entries[i].rel) != 0)
			return 1;
	}
	if (count > 0)
		qsort(entries, count, sizeof(*entries), entry_cmp);

	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", output);
	FILE *out = fopen(tmp, "w");
	if (out == NULL) {
		perror(tmp);
		return 1;
	}
	fprintf(out, "/* Generated by src/tools/embed.c: do not edit. */\n");
	fprintf(out, "#include \"schoolhub/embed.h\"\n\n");
	for (size_t i = 0; i < count; i++) {
		struct entry *e = &entries[i];
		if (emit_file(out, e->file, "data", i, &e->size) != 0)
			return 1;
		if (encdir != NULL && (emit_copy(out, encdir, e, "gz", i, &e->gzip_size) != 0 ||
				       emit_copy(out, encdir, e, "br", i, &e->br_size) != 0))
			return 1;
	}
	fprintf(out, "\nconst struct sh_embedded_file %s[] = {\n", name);
	for (size_t i = 0; i < count; i++) {
		const struct entry *e = &entries[i];
		fprintf(out, "\t{.path = \"%s\", .data = data_%zu, .size = %zu", e->rel, i, e->size);
		if (e->gzip_size > 0)
			fprintf(out, ", .gzip = gz_%zu, .gzip_size = %zu", i, e->gzip_size);
		if (e->br_size > 0)
			fprintf(out, ", .br = br_%zu, .br_size = %zu", i, e->br_size);
		fprintf(out, "},\n");
	}
	if (count == 0)
		fprintf(out, "\t{0},\n");
	fprintf(out, "};\nconst size_t %s_count = %zu;\n", name, count);
	if (fclose(out) != 0 || rename(tmp, output) != 0) {
		perror(output);
		return 1;
	}
	for (size_t i = 0; i < count; i++)
		free((void *)(uintptr_t)entries[i].file);
	free(entries);
	return 0;
}
