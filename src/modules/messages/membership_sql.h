/*
 * Who is in a conversation, as SQL fragments (module "messages"). Stored members of direct
 * and group conversations are rows of conversation_members; a class conversation's members
 * are derived at query time: the guardians of the children in its class (a guardianship
 * row: erasing an account deletes its rows, deactivating it keeps them, as it keeps a
 * group membership) and its staff (active teachers and admins, the rule of classes.h). Deriving them means a
 * child's class change, a new guardian or new staff count at once, in the transaction
 * that made them so, with no copy to keep in step.
 *
 * A child who left the school (children.left_at set by the school-year rollover) is in no
 * class: every branch through children skips it.
 *
 * Fragments, not a view: SQLite does not push a WHERE into a UNION view, so a view read for
 * one conversation would gather every membership of the school first. Each fragment below
 * names the conversation inside every branch, so every branch is an index probe. The
 * arguments are SQL expressions written as string literals ("$1", "c.id").
 */
#ifndef SCHOOLHUB_MEMBERSHIP_SQL_H
#define SCHOOLHUB_MEMBERSHIP_SQL_H

#define SH_STAFF_ACCOUNT(u)                                                                  \
	u ".active AND " u ".deleted_at IS NULL AND " u ".role IN ('teacher', 'admin')"

/* A boolean: is "user" a member of conversation "conv"? */
#define SH_IS_MEMBER(conv, user)                                                             \
	"(EXISTS (SELECT 1 FROM conversation_members cm WHERE cm.conversation_id = " conv    \
	" AND cm.user_id = " user ") OR EXISTS (SELECT 1 FROM conversations kc JOIN children " \
	"kch ON kch.class_name = kc.class_name JOIN child_guardians kg ON kg.child_id = "     \
	"kch.id WHERE kc.id = " conv " AND kg.user_id = " user " AND kch.left_at IS NULL) OR EXISTS (SELECT 1 FROM "  \
	"conversations kc JOIN class_staff ks ON ks.class_name = kc.class_name JOIN users ku " \
	"ON ku.id = ks.user_id WHERE kc.id = " conv " AND ks.user_id = " user " AND "         \
	SH_STAFF_ACCOUNT("ku") "))"

/* Rows (user_id, member_role) of every member of conversation "conv": "member" (stored),
 * "guardian" (a class's, unless also its staff) or "staff". */
#define SH_MEMBERS_OF(conv)                                                                  \
	"SELECT cm.user_id, 'member' AS member_role FROM conversation_members cm WHERE "       \
	"cm.conversation_id = " conv " UNION SELECT kg.user_id, 'guardian' FROM "             \
	"conversations kc JOIN children kch ON kch.class_name = kc.class_name JOIN "          \
	"child_guardians kg ON kg.child_id = kch.id WHERE kc.id = " conv " AND "              \
	"kch.left_at IS NULL AND NOT EXISTS "                                                  \
	"(SELECT 1 FROM class_staff ks2 JOIN users ku2 ON ku2.id = ks2.user_id WHERE "        \
	"ks2.class_name = kc.class_name AND ks2.user_id = kg.user_id AND "                    \
	SH_STAFF_ACCOUNT("ku2") ") UNION SELECT ks.user_id, 'staff' FROM conversations kc "   \
	"JOIN class_staff ks ON ks.class_name = kc.class_name JOIN users ku ON ku.id = "      \
	"ks.user_id WHERE kc.id = " conv " AND " SH_STAFF_ACCOUNT("ku")

/* How many members class "klass" (an expression) has: its guardians and its staff, each
 * person once. A class is a few dozen families: counted, not stored. */
#define SH_CLASS_MEMBERS_COUNT(klass)                                                        \
	"((SELECT COUNT(DISTINCT kg.user_id) FROM children kch JOIN child_guardians kg ON "   \
	"kg.child_id = kch.id WHERE kch.class_name = " klass " AND kch.left_at IS NULL) + "  \
	"(SELECT COUNT(*) FROM "                                                              \
	"class_staff ks JOIN users ku ON ku.id = ks.user_id WHERE ks.class_name = " klass     \
	" AND " SH_STAFF_ACCOUNT("ku") " AND NOT EXISTS (SELECT 1 FROM children kch2 JOIN "   \
	"child_guardians kg2 ON kg2.child_id = kch2.id WHERE kch2.class_name = " klass        \
	" AND kch2.left_at IS NULL AND kg2.user_id = ks.user_id)))"

/* A boolean: is conversation "conv" one of "user"'s? For the list: the stored memberships
 * and the class conversations of the classes "user" has a child in or staffs. */
#define SH_MY_CONVERSATIONS(conv, user)                                                      \
	conv " IN (SELECT cm.conversation_id FROM conversation_members cm WHERE cm.user_id = " \
	user " UNION SELECT kc.id FROM child_guardians kg JOIN children kch ON kch.id = "     \
	"kg.child_id JOIN conversations kc ON kc.class_name = kch.class_name WHERE "          \
	"kg.user_id = " user " AND kch.left_at IS NULL UNION SELECT kc.id FROM class_staff ks JOIN users ku ON "      \
	"ku.id = ks.user_id JOIN conversations kc ON kc.class_name = ks.class_name WHERE "    \
	"ks.user_id = " user " AND " SH_STAFF_ACCOUNT("ku") ")"

/* Rows (class_name) of the classes "user" belongs to: those of their children (a
 * guardianship row) and those they staff (active teachers and admins). The events module
 * addresses class events with it, by the same rule as class conversations. */
#define SH_CLASSES_OF_MEMBER(user)                                                           \
	"SELECT kch.class_name FROM child_guardians kg JOIN children kch ON kch.id = "        \
	"kg.child_id WHERE kg.user_id = " user " AND kch.left_at IS NULL UNION SELECT "      \
	"ks.class_name FROM class_staff "                                                      \
	"ks JOIN users ku ON ku.id = ks.user_id WHERE ks.user_id = " user " AND "             \
	SH_STAFF_ACCOUNT("ku")

#endif
