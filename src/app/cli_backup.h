/* `schoolhub backup` and `schoolhub restore` (cli_backup.c). */
#ifndef SCHOOLHUB_APP_CLI_BACKUP_H
#define SCHOOLHUB_APP_CLI_BACKUP_H

/* argv as main() has it (argv[1] is "backup" or "restore"); the exit status: 0 done, 1
 * failed, 2 usage, 3 refused (restore: a bad checksum, no manifest, a database that is not
 * empty), 4 (restore) the restored tables differ from the manifest: undone. */
int sh_cli_backup(int argc, char **argv);

#endif
