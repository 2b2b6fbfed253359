/* Files compiled into the binary by src/tools/embed.c (migrations, the web app). */
#ifndef SCHOOLHUB_EMBED_H
#define SCHOOLHUB_EMBED_H

#include <stddef.h>

struct sh_embedded_file {
	const char *path;          /* relative to the embedded root, '/'-separated, no leading '/' */
	const unsigned char *data; /* NUL-terminated for convenience; "size" excludes the NUL */
	size_t size;
	/* Copies compressed at build time (scripts/precompress-web.sh, the web app only): gzip
	 * (zopfli) and brotli bytes, each NULL unless strictly smaller than "data". */
	const unsigned char *gzip;
	size_t gzip_size;
	const unsigned char *br;
	size_t br_size;
};

/* migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql, sorted by path. */
extern const struct sh_embedded_file sh_embedded_migrations[];
extern const size_t sh_embedded_migrations_count;

/* The built single-page app (web/dist), sorted by path, with its compressed copies. */
extern const struct sh_embedded_file sh_embedded_web[];
extern const size_t sh_embedded_web_count;

#endif
