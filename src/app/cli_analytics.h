/* `schoolhub analytics rollup` (cli_analytics.c). */
#ifndef SCHOOLHUB_APP_CLI_ANALYTICS_H
#define SCHOOLHUB_APP_CLI_ANALYTICS_H

/* argv as main() has it (argv[1] is "analytics"); the exit status: 0 done, 1 on a
 * configuration or database error, 2 for a usage error. */
int sh_cli_analytics(int argc, char **argv);

#endif
