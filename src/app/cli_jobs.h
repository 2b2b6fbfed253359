/* `schoolhub jobs list|retry|run` (cli_jobs.c). */
#ifndef SCHOOLHUB_APP_CLI_JOBS_H
#define SCHOOLHUB_APP_CLI_JOBS_H

/* argv as main() has it (argv[1] is "jobs"); the process exit status. */
int sh_cli_jobs(int argc, char **argv);

#endif
