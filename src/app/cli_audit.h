/* `schoolhub audit verify` (cli_audit.c). */
#ifndef SCHOOLHUB_APP_CLI_AUDIT_H
#define SCHOOLHUB_APP_CLI_AUDIT_H

/* argv as main() has it (argv[1] is "audit"); the process exit status: 0 when the chain
 * holds, 1 when it breaks (or the database fails), 2 for a usage error. */
int sh_cli_audit(int argc, char **argv);

#endif
