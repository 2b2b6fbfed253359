/* The HTTP server: libmicrohttpd's internal thread pool with epoll, fed by our own listening socket. */
#ifndef SCHOOLHUB_SERVER_H
#define SCHOOLHUB_SERVER_H

#include "schoolhub/app.h"

struct sh_server;

/* Starts listening on cfg host:port (port 0 picks a free one). */
int sh_server_start(struct sh_app *app, struct sh_server **server_r, char **error_r);
/* The port actually bound. */
unsigned sh_server_port(const struct sh_server *server);
/* Stops accepting, waits for in-flight requests to finish, frees the server. */
void sh_server_stop(struct sh_server **server_r);

/*
 * In-process drivers (the fuzzers in tests/fuzz): a server with no listening socket and no
 * threads. The caller hands it one end of a socketpair() with sh_server_add_socket() (the
 * server owns and closes it; the peer looks like 127.0.0.1) and advances every connection
 * with sh_server_run(), which never blocks. Requests take exactly the path they take in
 * sh_server_start's server. sh_server_stop() frees it.
 */
int sh_server_start_unlistened(struct sh_app *app, struct sh_server **server_r, char **error_r);
int sh_server_add_socket(struct sh_server *server, int fd);
int sh_server_run(struct sh_server *server);

#endif
