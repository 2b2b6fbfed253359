/* `schoolhub purge [--dry-run]` (cli_purge.c). */
#ifndef SCHOOLHUB_APP_CLI_PURGE_H
#define SCHOOLHUB_APP_CLI_PURGE_H

/* argv as main() has it (argv[1] is "purge"); the process exit status: 0 done, 1 on a
 * configuration or database error, 2 for a usage error. */
int sh_cli_purge(int argc, char **argv);

#endif
