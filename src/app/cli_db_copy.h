/* `schoolhub db copy` (cli_db_copy.c). */
#ifndef SCHOOLHUB_APP_CLI_DB_COPY_H
#define SCHOOLHUB_APP_CLI_DB_COPY_H

/* argv as main() has it (argv[1] is "db"); the process exit status: 0 copied and verified,
 * 1 failed (database error or verification: rolled back), 2 usage, 3 refused (the target
 * is not empty or not at the source's version; nothing written). */
int sh_cli_db(int argc, char **argv);

struct sh_conn;
/* The checks only the modules know, on a copied or restored database: the audit log's
 * hash chain and the SEL audit. 0, or -1 with "*why_r" (malloc'ed) naming the table. */
int sh_cli_db_verify(struct sh_conn *conn, char **why_r);

#endif
