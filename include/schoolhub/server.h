/* The HTTP server: libmicrohttpd's internal thread pool with epoll. */
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

#endif
