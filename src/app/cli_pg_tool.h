/* Running a child program, and PostgreSQL's client tools without the password on their
 * command line (cli_pg_tool.c). */
#ifndef SCHOOLHUB_APP_CLI_PG_TOOL_H
#define SCHOOLHUB_APP_CLI_PG_TOOL_H

/* How pg_dump or pg_restore reaches DATABASE_URL: "conninfo", libpq's connection string
 * without the password (for --dbname), and "envp", this process's environment with
 * PGPASSWORD set to the URL's password (when it has one). */
struct sh_pg_tool {
	char *conninfo;
	char **envp;
};

/* 0, or -1 with "*error_r" (a URL libpq cannot parse; the message does not repeat it). */
int sh_pg_tool_prepare(const char *url, struct sh_pg_tool *tool, char **error_r);
void sh_pg_tool_free(struct sh_pg_tool *tool);

/* Runs argv[0] (found on PATH) with "envp" (NULL: this process's) and waits: 0 when it
 * exited 0, else -1 after saying how it ended (its exit status or the signal). */
int sh_cli_run_tool(char *const argv[], char *const envp[]);

#endif
