/* The handlers of module "classes" (the route table is in classes_module.c). */
#ifndef SCHOOLHUB_CLASSES_ROUTES_H
#define SCHOOLHUB_CLASSES_ROUTES_H

#include "schoolhub/http.h"

/* GET /api/v1/classes: every class with its counts and staff. */
void sh_classes_list(struct sh_request *req, struct sh_response *res);
/* PUT /api/v1/admin/classes/{name}/staff: replaces a class's staff. */
void sh_classes_staff_put(struct sh_request *req, struct sh_response *res);
/* GET /api/v1/classes/{name}/photo-consents: the class's children and their photo
 * consent, for the class's staff and admins (photo_consents.c). */
void sh_class_photo_consents_get(struct sh_request *req, struct sh_response *res);

#endif
