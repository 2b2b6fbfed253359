/*
 * The kinds of notification and their defaults. A kind is added here (with its texts in
 * notify_texts.c); the preferences, the API and the e-mails follow.
 *
 * Defaults: what needs an answer or concerns a child comes at once; a payment received
 * and a new event wait for the daily and weekly digests; a direct message is e-mailed
 * only when it is still unread after 10 minutes (read in the app meanwhile: no e-mail).
 */
#include <string.h>

#include "modules/notifications/notify.h"

const struct notify_kind notify_kinds[NOTIFY_KIND_COUNT] = {
	{"payment_received", NOTIFY_DAILY, true, 0},
	{"payment_request", NOTIFY_IMMEDIATE, true, 0},
	{"request_answered", NOTIFY_IMMEDIATE, true, 0},
	{"coparent_linked", NOTIFY_IMMEDIATE, true, 0},
	{"direct_message", NOTIFY_IMMEDIATE, true, 600},
	{"announcement", NOTIFY_IMMEDIATE, true, 0},
	{"announcement_ack_reminder", NOTIFY_IMMEDIATE, true, 0},
	{"event_published", NOTIFY_WEEKLY, true, 0},
	{"waitlist_promoted", NOTIFY_IMMEDIATE, true, 0},
	{"event_reminder", NOTIFY_IMMEDIATE, true, 0},
	{"event_cancelled", NOTIFY_IMMEDIATE, true, 0},
	{"child_left", NOTIFY_IMMEDIATE, true, 0},
};

const char *const sh_notify_kind_names[NOTIFY_KIND_COUNT + 1] = {
	"payment_received", "payment_request", "request_answered", "coparent_linked",
	"direct_message", "announcement", "announcement_ack_reminder", "event_published",
	"waitlist_promoted", "event_reminder", "event_cancelled", "child_left", NULL,
};

int notify_kind_index(const char *name)
{
	for (int i = 0; name != NULL && i < NOTIFY_KIND_COUNT; i++)
		if (strcmp(notify_kinds[i].name, name) == 0)
			return i;
	return -1;
}

static const char *const email_names[] = {"immediate", "daily", "weekly", "off"};

const char *notify_email_name(enum notify_email e)
{
	return email_names[e];
}

int notify_email_parse(const char *s, enum notify_email *e_r)
{
	for (int i = 0; s != NULL && i < 4; i++)
		if (strcmp(email_names[i], s) == 0) {
			*e_r = (enum notify_email)i;
			return 0;
		}
	return -1;
}
