/*
 * pg_dump and pg_restore get DATABASE_URL as a connection string without its password
 * (a command line is visible to every user of the machine in ps) and the password in
 * PGPASSWORD in their own environment (readable by the same user and root only). libpq
 * parses the URL, so every form it accepts (userinfo, ?password=, percent-encoding) is
 * handled as the server itself would handle it.
 */
#include "app/cli_pg_tool.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "schoolhub/mem.h"

extern char **environ;

/* Appends keyword='value' (libpq's quoting: \ and ' escaped) to "out" of "len". */
static void append_option(char **out, size_t *len, const char *keyword, const char *value)
{
	size_t need = *len + strlen(keyword) + 2 * strlen(value) + 5;
	*out = sh_realloc(*out, need);
	char *p = *out + *len;
	if (*len > 0)
		*p++ = ' ';
	p += sprintf(p, "%s='", keyword);
	for (const char *v = value; *v; v++) {
		if (*v == '\\' || *v == '\'')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '\'';
	*p = '\0';
	*len = (size_t)(p - *out);
}

int sh_pg_tool_prepare(const char *url, struct sh_pg_tool *tool, char **error_r)
{
	tool->conninfo = NULL;
	tool->envp = NULL;
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &err);
	if (opts == NULL) {
		*error_r = sh_strdup("DATABASE_URL is not a connection string libpq accepts");
		PQfreemem(err);
		return -1;
	}
	const char *password = NULL;
	size_t len = 0;
	tool->conninfo = sh_strdup("");
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0)
			password = o->val;
		else
			append_option(&tool->conninfo, &len, o->keyword, o->val);
	}
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	tool->envp = sh_calloc(n + 2, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (password == NULL || strncmp(environ[i], "PGPASSWORD=", 11) != 0)
			tool->envp[k++] = sh_strdup(environ[i]);
	if (password != NULL) {
		tool->envp[k] = sh_malloc(strlen(password) + 12);
		sprintf(tool->envp[k], "PGPASSWORD=%s", password);
	}
	PQconninfoFree(opts);
	return 0;
}

void sh_pg_tool_free(struct sh_pg_tool *tool)
{
	free(tool->conninfo);
	for (char **e = tool->envp; e != NULL && *e != NULL; e++)
		free(*e);
	free(tool->envp);
	tool->conninfo = NULL;
	tool->envp = NULL;
}

int sh_cli_run_tool(char *const argv[], char *const envp[])
{
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, envp ? envp : environ);
	if (rc != 0) {
		fprintf(stderr, "schoolhub: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "schoolhub: waiting for %s: %s\n", argv[0], strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "schoolhub: %s failed (exit status %d)\n", argv[0],
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "schoolhub: %s was killed by signal %d (%s)\n", argv[0],
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "schoolhub: %s failed (status %d)\n", argv[0], status);
	return -1;
}
