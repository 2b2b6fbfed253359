/*
 * The texts of notifications in French, Dutch and English. A notification is stored as
 * its kind and parameters and rendered here when it is read or e-mailed, in the member's
 * language of that moment: a member who switches language sees the whole list in the
 * new one, a corrected text applies to past notifications, and one row serves the
 * bell, the e-mail and the digest (storing three rendered copies would not).
 *
 * A template names parameters as {name}; a missing one renders as nothing. Parameters
 * per kind (what the calling module passes):
 *   payment_received, payment_request: name, units
 *   request_answered: name, units, answer ("accepted" | "declined")
 *   coparent_linked: name, child
 *   direct_message: name, excerpt
 *   announcement, announcement_ack_reminder: title, excerpt
 *   event_published, waitlist_promoted, event_reminder, event_cancelled: title, date
 *   child_left: child (the school-year rollover archived a P6 child)
 */
#include <string.h>

#include "modules/notifications/notify.h"

struct template {
	const char *key; /* the kind, or "kind.variant" */
	const char *title[SH_LANG_COUNT], *body[SH_LANG_COUNT];
};

static const struct template templates[] = {
	{"payment_received",
	 {"Paiement reçu", "Betaling ontvangen", "Payment received"},
	 {"{name} vous a payé {units} unités.", "{name} heeft u {units} eenheden betaald.",
	  "{name} paid you {units} units."}},
	{"payment_request",
	 {"Demande de paiement", "Betalingsverzoek", "Payment request"},
	 {"{name} vous demande {units} unités : acceptez ou refusez dans le SEL.",
	  "{name} vraagt u {units} eenheden: aanvaard of weiger in de LETS.",
	  "{name} asks you for {units} units: accept or decline in the exchange."}},
	{"request_answered.accepted",
	 {"Demande acceptée", "Verzoek aanvaard", "Request accepted"},
	 {"{name} a accepté votre demande de {units} unités.",
	  "{name} heeft uw verzoek van {units} eenheden aanvaard.",
	  "{name} accepted your request for {units} units."}},
	{"request_answered.declined",
	 {"Demande refusée", "Verzoek geweigerd", "Request declined"},
	 {"{name} a refusé votre demande de {units} unités.",
	  "{name} heeft uw verzoek van {units} eenheden geweigerd.",
	  "{name} declined your request for {units} units."}},
	{"coparent_linked",
	 {"Co-parent ajouté", "Co-ouder toegevoegd", "Co-parent linked"},
	 {"{name} suit désormais {child} avec vous.", "{name} volgt nu samen met u {child}.",
	  "{name} now follows {child} with you."}},
	{"direct_message",
	 {"Nouveau message", "Nieuw bericht", "New message"},
	 {"{name} : {excerpt}", "{name}: {excerpt}", "{name}: {excerpt}"}},
	{"announcement",
	 {"Annonce : {title}", "Mededeling: {title}", "Announcement: {title}"},
	 {"{excerpt}", "{excerpt}", "{excerpt}"}},
	{"announcement_ack_reminder",
	 {"À confirmer : {title}", "Te bevestigen: {title}", "Please confirm: {title}"},
	 {"Cette annonce attend votre confirmation de lecture.",
	  "Deze mededeling wacht op uw leesbevestiging.",
	  "This announcement is waiting for you to confirm you read it."}},
	{"event_published",
	 {"Nouvel événement", "Nieuwe activiteit", "New event"},
	 {"{title}, le {date}.", "{title}, op {date}.", "{title}, on {date}."}},
	{"waitlist_promoted",
	 {"Place confirmée", "Plaats bevestigd", "Place confirmed"},
	 {"Une place s'est libérée : vous êtes inscrit à {title}.",
	  "Er kwam een plaats vrij: u bent ingeschreven voor {title}.",
	  "A place opened up: you are registered for {title}."}},
	{"event_reminder",
	 {"Rappel : {title}", "Herinnering: {title}", "Reminder: {title}"},
	 {"{title} a lieu le {date}.", "{title} vindt plaats op {date}.", "{title} is on {date}."}},
	{"event_cancelled",
	 {"Événement annulé", "Activiteit geannuleerd", "Event cancelled"},
	 {"{title} ({date}) est annulé.", "{title} ({date}) is geannuleerd.",
	  "{title} ({date}) is cancelled."}},
	{"child_left",
	 {"{child} a terminé l'école", "{child} heeft de school afgerond", "{child} has finished school"},
	 {"{child} a terminé la sixième primaire et quitte l'école. Sa fiche reste visible pour vous, "
	  "en lecture seule, jusqu'à son effacement.",
	  "{child} heeft het zesde leerjaar afgerond en verlaat de school. De fiche blijft voor u "
	  "zichtbaar, alleen-lezen, tot ze wordt gewist.",
	  "{child} has finished the sixth year and leaves the school. Their record stays visible to "
	  "you, read-only, until it is erased."}},
};

static const struct template *template_for(const char *kind, json_t *params)
{
	const char *variant = json_string_value(json_object_get(params, "answer"));
	size_t klen = strlen(kind);
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		const char *key = templates[i].key;
		if (strcmp(key, kind) == 0)
			return &templates[i];
		if (variant != NULL && strncmp(key, kind, klen) == 0 && key[klen] == '.' &&
		    strcmp(key + klen + 1, variant) == 0)
			return &templates[i];
	}
	return NULL;
}

/* "tpl" with each {name} replaced by the parameter's text (strings as they are, integers
 * in decimal, anything else nothing). */
static const char *fill(struct sh_arena *arena, const char *tpl, json_t *params)
{
	const char *out = "";
	const char *p = tpl;
	while (*p != '\0') {
		const char *open = strchr(p, '{');
		const char *close = open != NULL ? strchr(open, '}') : NULL;
		if (open == NULL || close == NULL)
			return sh_arena_printf(arena, "%s%s", out, p);
		char name[32] = "";
		size_t n = (size_t)(close - open - 1);
		if (n < sizeof(name))
			memcpy(name, open + 1, n), name[n] = '\0';
		json_t *v = json_object_get(params, name);
		const char *value = json_is_string(v)    ? json_string_value(v)
				    : json_is_integer(v) ? sh_arena_printf(arena, "%lld",
									  (long long)json_integer_value(v))
							 : "";
		out = sh_arena_printf(arena, "%s%.*s%s", out, (int)(open - p), p, value);
		p = close + 1;
	}
	return out;
}

void notify_render(struct sh_arena *arena, enum sh_lang lang, const char *kind, json_t *params,
		   const char **title_r, const char **body_r)
{
	const struct template *t = template_for(kind, params);
	if (t == NULL) { /* a kind from a newer version, read by an older one */
		*title_r = kind;
		*body_r = "";
		return;
	}
	*title_r = fill(arena, t->title[lang], params);
	*body_r = fill(arena, t->body[lang], params);
}

static const struct notify_mail_texts mail_texts[SH_LANG_COUNT] = {
	[SH_LANG_FR] = {"Bonjour {name},", "Ouvrir SchoolHub",
			"Vous recevez cet e-mail selon vos préférences de notification. "
			"Pour ne plus recevoir ce type d'e-mail : {link}",
			"Votre résumé du jour", "Votre résumé de la semaine",
			"Voici ce qui s'est passé depuis votre dernier résumé :"},
	[SH_LANG_NL] = {"Hallo {name},", "SchoolHub openen",
			"U krijgt deze e-mail volgens uw meldingsvoorkeuren. "
			"Om dit soort e-mails niet meer te ontvangen: {link}",
			"Uw dagoverzicht", "Uw weekoverzicht",
			"Dit is er gebeurd sinds uw vorige overzicht:"},
	[SH_LANG_EN] = {"Hello {name},", "Open SchoolHub",
			"You get this e-mail because of your notification preferences. "
			"To stop this kind of e-mail: {link}",
			"Your daily summary", "Your weekly summary",
			"Here is what happened since your last summary:"},
};

const struct notify_mail_texts *notify_mail_texts(enum sh_lang lang)
{
	return &mail_texts[lang];
}

json_t *notify_item_json(struct sh_arena *arena, enum sh_lang lang, const char *id,
			 const char *kind, const char *params, const char *link,
			 const char *created_at, bool read)
{
	json_t *p = json_loads(params != NULL ? params : "{}", 0, NULL);
	const char *title, *body;
	notify_render(arena, lang, kind, p, &title, &body);
	json_decref(p);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:b}", "id", id, "kind", kind, "title",
			 title, "body", body, "link", link, "created_at", created_at, "read",
			 read);
}
