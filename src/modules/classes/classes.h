/*
 * Classes and their staff, as other modules use them (messages, events, admin): the
 * school's nine classes in school order, and who staffs which.
 *
 * Staff are the teachers and admins an admin assigned to a class. A staff row counts only
 * while its account is an active teacher or admin: a member whose role went back to
 * parent, or who was deactivated, staffs nothing even before their rows are cleaned up.
 * Every function here applies that rule, so callers never repeat it.
 */
#ifndef SCHOOLHUB_CLASSES_H
#define SCHOOLHUB_CLASSES_H

#include <stdbool.h>

#include "schoolhub/store.h"

#define SH_CLASS_COUNT 9

/* "M1".."M3", "P1".."P6": the order every list of classes follows. */
extern const char *const sh_class_names[SH_CLASS_COUNT];

/* The position of "name" in sh_class_names (exact, case-sensitive), or -1. */
int sh_class_index(const char *name);

/* A set of classes: bit i stands for sh_class_names[i]. */
typedef unsigned sh_class_set;
#define SH_CLASS_BIT(index) (1u << (unsigned)(index))

/*
 * The classes "user_id" staffs, into "*set_r" (empty for a parent, an unknown or
 * malformed id): SH_DB_OK or a store error. One query; use it to check several classes.
 */
enum sh_db_rc sh_classes_staffed_by(struct sh_conn *conn, const char *user_id,
				    sh_class_set *set_r);

/* SH_DB_ROW when "user_id" staffs "class_name", SH_DB_OK when not (an unknown class or a
 * malformed id included), or a store error. */
enum sh_db_rc sh_class_staff_has(struct sh_conn *conn, const char *class_name,
				 const char *user_id);

#endif
