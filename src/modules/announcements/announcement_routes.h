/* The handlers of module "announcements" (the route table is in announcements_module.c). */
#ifndef SCHOOLHUB_ANNOUNCEMENT_ROUTES_H
#define SCHOOLHUB_ANNOUNCEMENT_ROUTES_H

#include "schoolhub/http.h"

/* POST /api/v1/announcements: publishes (201). */
void sh_announcements_publish(struct sh_request *req, struct sh_response *res);
/* GET /api/v1/announcements: those addressed to the caller, newest first, paged. */
void sh_announcements_list(struct sh_request *req, struct sh_response *res);
/* GET /api/v1/announcements/{id} */
void sh_announcements_get(struct sh_request *req, struct sh_response *res);
/* POST /api/v1/announcements/{id}/ack: a guardian's "read and agreed". */
void sh_announcements_ack(struct sh_request *req, struct sh_response *res);
/* GET /api/v1/announcements/{id}/acks: the tally, for the author and admins. */
void sh_announcements_acks(struct sh_request *req, struct sh_response *res);

#endif
