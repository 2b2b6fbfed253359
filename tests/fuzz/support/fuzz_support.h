/*
 * What fuzz_app.c (seeding, requests, the leak check) and fuzz_db.c (the database's
 * snapshot, reset and SEL invariants) share. Internal to the fuzz support library.
 */
#ifndef SCHOOLHUB_FUZZ_SUPPORT_H
#define SCHOOLHUB_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_app.h"

struct sh_app;
struct sh_conn;

/* Prints "fuzz_app: <message>" and aborts (a crash for libFuzzer). */
void __attribute__((noreturn, format(printf, 1, 2))) fz_die(const char *fmt, ...);
/* Prints what broke with the request and the response, then aborts. */
void __attribute__((noreturn)) fz_report(const char *what, const char *request, size_t len,
					 const struct fz_response *res);

/* A growing NUL-terminated text (malloc'ed "data"). */
struct fz_buf {
	char *data;
	size_t len, cap;
};
void fz_buf_add(struct fz_buf *b, const char *s, size_t n);
void fz_buf_str(struct fz_buf *b, const char *s);

/*
 * The harness's database: once the seeding is done, fz_db_snapshot copies every table
 * into TEMP tables of "conn" (the harness's own connection) and checks the seed. After
 * each input fz_db_check_and_reset checks the SEL invariants and puts the copy back, if
 * anything was committed since the last reset.
 */
void fz_db_snapshot(struct sh_app *app, struct sh_conn *conn);
/* Whether another connection (the server's) committed since the last reset. */
bool fz_db_changed(void);
void fz_db_check_and_reset(const char *request, size_t len, const struct fz_response *res);

#endif
