/*
 * `schoolhub db copy`: a whole SchoolHub database from SQLite into PostgreSQL (stage 0 to
 * stage 1), copied in one PostgreSQL transaction and verified before it commits.
 *
 * The target's catalog is the map: its tables in foreign-key order, its columns and their
 * types (SQLite TEXT read as timestamptz, uuid, boolean... by a CAST on the way in), its
 * primary keys (the order rows are read and checked in). Both databases must be at the
 * same migration version; a target without any is migrated first. A target that holds
 * more than what the migrations put there is refused: the copy never mixes two schools.
 *
 * Verification, per table, after every row is in: the row count and a checksum of the
 * rows' canonical text (db_fingerprint.c, documented in docs/OPERATIONS.md) read again
 * from a fresh snapshot of the source and from the target inside the open transaction;
 * then the caller's own checks (the audit chain, the SEL audit) on the target. Any
 * difference rolls everything back and names the table.
 */
#ifndef SCHOOLHUB_DB_COPY_H
#define SCHOOLHUB_DB_COPY_H

#include <stdint.h>

#include "schoolhub/store.h"

enum sh_db_copy_outcome {
	SH_DB_COPY_DONE = 0,
	SH_DB_COPY_ERROR = 1,    /* a database or I/O failure; nothing committed */
	SH_DB_COPY_REFUSED = 3,  /* not empty, other version, other schema; nothing written */
	SH_DB_COPY_MISMATCH = 4, /* verification failed; rolled back */
};

struct sh_db_copy_hooks {
	/* Before (rows < 0) and after copying table "index" (1-based) of "count". Optional. */
	void (*progress)(void *ctx, const char *table, int index, int count, int64_t rows);
	/* The caller's checks of the copy, on the target inside the transaction; returns 0,
	 * or -1 with "*why_r" (malloc'ed) set. Optional. */
	int (*verify)(void *ctx, struct sh_conn *target, char **why_r);
	void *ctx;
};

struct sh_db_copy_report {
	int tables;
	int64_t rows;
	double seconds; /* copy and verification, wall clock */
};

/*
 * Copies "from_url" (sqlite:///...) into "to_url" (postgresql://...). On anything but
 * SH_DB_COPY_DONE, "*error_r" gets a malloc'ed one-line reason (naming the table when one
 * is at fault). The source is only read.
 */
enum sh_db_copy_outcome sh_db_copy(const char *from_url, const char *to_url,
				   const struct sh_db_copy_hooks *hooks,
				   struct sh_db_copy_report *report_r, char **error_r);

#endif
