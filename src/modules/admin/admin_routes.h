/* The admins' routes (admin_module.c lists them). */
#ifndef SCHOOLHUB_ADMIN_ROUTES_H
#define SCHOOLHUB_ADMIN_ROUTES_H

#include "schoolhub/http.h"

/* audit_routes.c */
void admin_audit_get(struct sh_request *req, struct sh_response *res);
/* member_routes.c */
void admin_users_list(struct sh_request *req, struct sh_response *res);
void admin_users_get(struct sh_request *req, struct sh_response *res);
void admin_users_patch(struct sh_request *req, struct sh_response *res);
void admin_users_password_reset(struct sh_request *req, struct sh_response *res);
/* approval_routes.c */
void admin_users_approve(struct sh_request *req, struct sh_response *res);
void admin_users_refuse(struct sh_request *req, struct sh_response *res);
/* analytics_routes.c */
void admin_analytics_get(struct sh_request *req, struct sh_response *res);
/* module_routes.c */
void admin_modules_get(struct sh_request *req, struct sh_response *res);
void admin_modules_put(struct sh_request *req, struct sh_response *res);
/* rollover_routes.c */
void admin_school_year_rollover(struct sh_request *req, struct sh_response *res);

#endif
