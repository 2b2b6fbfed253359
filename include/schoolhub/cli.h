/* The command line: schoolhub serve | migrate | user promote | invite create | seed-demo | db copy
 * | backup | restore | version
 * (the bench seeder is its own program, schoolhub-bench: bench/seed/). */
#ifndef SCHOOLHUB_CLI_H
#define SCHOOLHUB_CLI_H

/* Runs the command in argv; returns the process exit status. */
int sh_cli_main(int argc, char **argv);

#endif
