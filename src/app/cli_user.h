/* `schoolhub user promote|pending` (cli_user.c). */
#ifndef SCHOOLHUB_APP_CLI_USER_H
#define SCHOOLHUB_APP_CLI_USER_H

/* Usage lines, for the CLI's help. */
extern const char sh_cli_user_usage[];

/* argv as main() has it (argv[1] is "user"); the process exit status: 0 done, 1 no such
 * member or a database error, 2 a usage error. */
int sh_cli_user(int argc, char **argv);

#endif
