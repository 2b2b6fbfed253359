/* Language negotiation and the server-side message catalogue (fr, nl, en). */
#include "schoolhub/i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const lang_codes[SH_LANG_COUNT] = {"fr", "nl", "en"};

const char *sh_lang_code(enum sh_lang lang)
{
	return lang_codes[lang];
}

int sh_lang_parse(const char *code, enum sh_lang *lang_r)
{
	if (code == NULL)
		return -1;
	for (int i = 0; i < SH_LANG_COUNT; i++) {
		size_t n = strlen(lang_codes[i]);
		if (strncasecmp(code, lang_codes[i], n) == 0 && (code[n] == '\0' || code[n] == '-')) {
			*lang_r = (enum sh_lang)i;
			return 0;
		}
	}
	return -1;
}

/* Reads "q=0.8" after a language range; 1.0 when absent, 0 when malformed. */
static double parse_q(const char *p, const char *end)
{
	while (p < end && (*p == ';' || *p == ' '))
		p++;
	if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return p < end ? 0.0 : 1.0;
	char buf[8] = {0};
	size_t n = (size_t)(end - p - 2) < sizeof(buf) - 1 ? (size_t)(end - p - 2) : sizeof(buf) - 1;
	memcpy(buf, p + 2, n);
	return strtod(buf, NULL);
}

enum sh_lang sh_lang_from_accept(const char *header)
{
	enum sh_lang best = SH_LANG_FR;
	double best_q = 0.0;
	if (header == NULL)
		return best;
	const char *p = header;
	while (*p != '\0') {
		const char *item_end = p + strcspn(p, ",");
		while (p < item_end && *p == ' ')
			p++;
		const char *range_end = p;
		while (range_end < item_end && *range_end != ';' && *range_end != ' ')
			range_end++;
		double q = parse_q(range_end, item_end);
		char range[16] = {0};
		size_t rlen = (size_t)(range_end - p);
		if (rlen > 0 && rlen < sizeof(range)) {
			memcpy(range, p, rlen);
			enum sh_lang lang;
			if (q > best_q && sh_lang_parse(range, &lang) == 0) {
				best = lang;
				best_q = q;
			}
		}
		p = *item_end ? item_end + 1 : item_end;
	}
	return best;
}

struct message {
	const char *code;
	const char *text[SH_LANG_COUNT];
};

/* Titles of problem codes. Keep in step with docs/openapi.yaml. */
static const struct message problem_titles[] = {
	{"client_header_required", {"Cette demande doit venir de l'application SchoolHub", "Deze aanvraag moet van de SchoolHub-app komen", "This request must come from the SchoolHub app"}},
	{"already_verified", {"Cette adresse e-mail est déjà vérifiée", "Dit e-mailadres is al bevestigd", "This email address is already verified"}},
	{"conflict", {"Conflit avec l'état actuel", "Conflict met de huidige toestand", "Conflict with the current state"}},
	{"email_taken", {"Cette adresse e-mail est déjà utilisée", "Dit e-mailadres is al in gebruik", "This email address is already in use"}},
	{"forbidden", {"Accès refusé", "Toegang geweigerd", "Access denied"}},
	{"idempotency_conflict", {"Cette clé d'idempotence a déjà servi pour une autre demande", "Deze idempotentiesleutel werd al voor een andere aanvraag gebruikt", "This idempotency key was already used for another request"}},
	{"internal_error", {"Erreur interne du serveur", "Interne serverfout", "Internal server error"}},
	{"invalid_credentials", {"Adresse e-mail ou mot de passe incorrect", "E-mailadres of wachtwoord onjuist", "Incorrect email address or password"}},
	{"invitation_closed", {"Cette invitation n'est plus valable (acceptée, refusée, retirée ou expirée)", "Deze uitnodiging is niet meer geldig (aanvaard, geweigerd, ingetrokken of verlopen)", "This invitation is no longer valid (accepted, declined, withdrawn or expired)"}},
	{"invalid_invite", {"Code d'invitation invalide ou expiré", "Ongeldige of verlopen uitnodigingscode", "Invalid or expired invite code"}},
	{"invalid_token", {"Ce lien n'est pas ou plus valable : demandez-en un nouveau", "Deze link is niet (meer) geldig: vraag een nieuwe aan", "This link is not valid (any more): ask for a new one"}},
	{"job_not_dead", {"Seule une tâche en échec définitif peut être relancée", "Alleen een definitief mislukte taak kan opnieuw gestart worden", "Only a dead job can be retried"}},
	{"invalid_state", {"Cette opération n'est pas possible dans l'état actuel de la transaction", "Deze bewerking kan niet in de huidige toestand van de transactie", "This operation is not possible in the transaction's current state"}},
	{"invalid_framing", {"Requête ambiguë : longueur du corps annoncée de deux façons", "Dubbelzinnige aanvraag: de lengte van de inhoud is op twee manieren aangegeven", "Ambiguous request: the body length is given in two ways"}},
	{"invalid_path", {"Chemin de requête invalide", "Ongeldig aanvraagpad", "Invalid request path"}},
	{"invalid_json", {"Le corps de la requête n'est pas un objet JSON valide", "De inhoud van de aanvraag is geen geldig JSON-object", "The request body is not a valid JSON object"}},
	{"invite_required", {"Un code d'invitation est nécessaire pour s'inscrire", "Een uitnodigingscode is nodig om te registreren", "An invite code is required to register"}},
	{"method_not_allowed", {"Méthode non autorisée", "Methode niet toegestaan", "Method not allowed"}},
	{"not_found", {"Ressource introuvable", "Niet gevonden", "Not found"}},
	{"origin_refused", {"Demande refusée : elle vient d'un autre site", "Aanvraag geweigerd: ze komt van een andere site", "Request refused: it comes from another site"}},
	{"payee_limit", {"Le solde du bénéficiaire dépasserait le maximum permis", "Het saldo van de ontvanger zou het toegestane maximum overschrijden", "The payee's balance would exceed the allowed maximum"}},
	{"payer_limit", {"Le solde du payeur passerait sous le minimum permis", "Het saldo van de betaler zou onder het toegestane minimum zakken", "The payer's balance would fall below the allowed minimum"}},
	{"payload_too_large", {"Le corps de la requête est trop volumineux", "De inhoud van de aanvraag is te groot", "The request body is too large"}},
	{"privacy_not_accepted", {"Pour créer un compte, acceptez la notice de confidentialité en vigueur", "Aanvaard de geldende privacyverklaring om een account aan te maken", "To create an account, accept the privacy notice in force"}},
	{"request_timeout", {"La requête n'est pas arrivée à temps", "De aanvraag kwam niet op tijd binnen", "The request did not arrive in time"}},
	{"registration_closed", {"Les inscriptions sont fermées", "Registratie is gesloten", "Registration is closed"}},
	{"self_transaction", {"Impossible de se payer ou de se demander un paiement à soi-même", "Je kan jezelf niet betalen of om betaling vragen", "You cannot pay yourself or ask yourself for payment"}},
	{"service_unavailable", {"Service momentanément indisponible", "Dienst tijdelijk niet beschikbaar", "Service temporarily unavailable"}},
	{"storage_unavailable", {"Enregistrement impossible pour le moment : le stockage du serveur est plein ou en lecture seule", "Opslaan is nu onmogelijk: de opslag van de server is vol of alleen-lezen", "Saving is impossible right now: the server's storage is full or read-only"}},
	{"too_many_requests", {"Trop de demandes en même temps, réessayez dans un instant", "Te veel verzoeken tegelijk, probeer zo meteen opnieuw", "Too many requests at once, try again in a moment"}},
	{"too_many_attempts", {"Trop de tentatives, réessayez plus tard", "Te veel pogingen, probeer later opnieuw", "Too many attempts, try again later"}},
	{"too_many_invitations", {"Trop d'invitations envoyées aujourd'hui, réessayez demain", "Vandaag te veel uitnodigingen verstuurd, probeer morgen opnieuw", "Too many invitations sent today, try again tomorrow"}},
	{"password_changed", {"Le mot de passe vient d'être changé par une autre demande", "Het wachtwoord is net door een ander verzoek gewijzigd", "The password was just changed by another request"}},
	{"unauthorized", {"Authentification requise", "Authenticatie vereist", "Authentication required"}},
	{"unknown_member", {"Ce membre n'existe pas ou n'est plus actif", "Dit lid bestaat niet of is niet meer actief", "This member does not exist or is no longer active"}},
	{"unknown_service", {"Ce service n'existe pas ou n'est plus proposé", "Deze dienst bestaat niet of wordt niet meer aangeboden", "This service does not exist or is no longer offered"}},
	{"unsupported_transfer_encoding", {"Codage de transfert non pris en charge (seul « chunked » l'est)", "Niet-ondersteunde transfercodering (alleen \"chunked\")", "Unsupported transfer encoding (only \"chunked\" is)"}},
	{"unsupported_media_type", {"Le contenu doit être au format JSON (application/json)", "De inhoud moet JSON zijn (application/json)", "The content must be JSON (application/json)"}},
	{"audience_not_allowed", {"Vous ne pouvez vous adresser qu'aux classes dont vous avez la charge", "U kunt zich alleen richten tot de klassen waarvoor u verantwoordelijk bent", "You can only address the classes you are in charge of"}},
	{"too_many_announcements", {"Trop d'annonces publiées cette heure-ci, réessayez plus tard", "Dit uur te veel berichten gepubliceerd, probeer later opnieuw", "Too many announcements published this hour, try again later"}},
	{"ack_not_required", {"Cette annonce ne demande pas de confirmation de lecture", "Dit bericht vraagt geen leesbevestiging", "This announcement does not ask for an acknowledgement"}},
	{"not_a_guardian", {"Seul un parent d'un enfant concerné peut confirmer la lecture", "Alleen een ouder van een betrokken kind kan de lezing bevestigen", "Only a parent of a child it concerns can acknowledge it"}},
	/* admin (issue #15) */
	{"last_admin", {"L'école doit garder au moins un administrateur actif", "De school moet minstens één actieve beheerder houden", "The school must keep at least one active admin"}},
	{"pending_approval", {"Votre inscription attend l'accord de l'école", "Uw inschrijving wacht op de goedkeuring van de school", "Your registration is waiting for the school's approval"}},
	{"not_pending", {"Ce compte n'attend pas d'accord", "Deze account wacht niet op goedkeuring", "This account is not waiting for approval"}},
	{"member_deactivated", {"Ce membre est désactivé", "Dit lid is gedeactiveerd", "This member is deactivated"}},
	{"already_rolled_over", {"Le passage à l'année suivante a déjà eu lieu cette année scolaire", "De overgang naar het volgende schooljaar gebeurde dit schooljaar al", "The move to the next school year already ran this school year"}},
	{"child_left", {"Cet enfant a quitté l'école : sa fiche ne peut plus être modifiée", "Dit kind heeft de school verlaten: de fiche kan niet meer worden gewijzigd", "This child has left the school: their record can no longer be changed"}},
	{"validation_failed", {"Certains champs sont invalides", "Sommige velden zijn ongeldig", "Some fields are invalid"}},
	/* messages: conversations and messages */
	{"not_owner", {"Seul le propriétaire du groupe peut faire cela", "Alleen de eigenaar van de groep kan dat doen", "Only the group's owner can do this"}},
	{"not_a_group", {"Possible seulement dans un groupe", "Alleen mogelijk in een groep", "Only possible in a group"}},
	{"group_full", {"Ce groupe a atteint le nombre maximum de membres", "Deze groep heeft het maximale aantal leden bereikt", "This group has reached its maximum number of members"}},
	{"not_author", {"Seul l'auteur du message peut faire cela", "Alleen de auteur van het bericht kan dat doen", "Only the message's author can do this"}},
	{"edit_window_closed", {"Un message ne peut être modifié que dans les 15 minutes", "Een bericht kan alleen binnen 15 minuten gewijzigd worden", "A message can only be edited within 15 minutes"}},
	{"message_deleted", {"Ce message a été supprimé", "Dit bericht werd verwijderd", "This message was deleted"}},
	{"client_id_reused", {"Cet identifiant client a déjà servi pour un message d'une autre conversation", "Deze client-id werd al gebruikt voor een bericht in een ander gesprek", "This client id was already used for a message in another conversation"}},
	{"recipient_unavailable", {"Ce membre n'est plus joignable (compte désactivé ou supprimé)", "Dit lid is niet meer bereikbaar (account gedeactiveerd of verwijderd)", "This member can no longer be reached (account deactivated or deleted)"}},
	{"too_many_messages", {"Trop de messages envoyés, réessayez dans un instant", "Te veel berichten verstuurd, probeer zo meteen opnieuw", "Too many messages sent, try again in a moment"}},
	/* events: changes and sign-ups */
	{"event_cancelled", {"Cet événement est annulé", "Deze activiteit is geannuleerd", "This event is cancelled"}},
	{"not_proposed", {"Cet événement n'est pas une proposition en attente", "Deze activiteit is geen openstaand voorstel", "This event is not a pending proposal"}},
	{"capacity_below_taken", {"La capacité ne peut pas descendre sous le nombre de places déjà prises", "De capaciteit kan niet lager zijn dan het aantal al ingenomen plaatsen", "The capacity cannot go below the places already taken"}},
	{"signup_not_open", {"Cet événement ne prend pas d'inscriptions", "Voor deze activiteit kunt u zich niet inschrijven", "This event takes no sign-ups"}},
	{"signup_closed", {"Les inscriptions à cet événement sont closes", "De inschrijvingen voor deze activiteit zijn gesloten", "Sign-ups for this event are closed"}},
	{"already_registered", {"Vous êtes déjà inscrit à cet événement", "U bent al ingeschreven voor deze activiteit", "You are already registered for this event"}},
	{"seats_unavailable", {"Il n'y a plus assez de places libres", "Er zijn niet genoeg vrije plaatsen meer", "There are not enough free places left"}},
	/* calendar: volunteer shifts */
	{"shift_full", {"Toutes les places de ce service sont prises", "Alle plaatsen van deze shift zijn ingenomen", "Every place of this shift is taken"}},
	{"already_volunteered", {"Vous êtes déjà inscrit à ce service", "U bent al ingeschreven voor deze shift", "You have already signed up for this shift"}},
	{"attendance_confirmed", {"Votre présence est déjà confirmée : vous ne pouvez plus vous retirer", "Uw aanwezigheid is al bevestigd: u kunt zich niet meer terugtrekken", "Your attendance is already confirmed: you can no longer withdraw"}},
	{"event_not_open", {"Cet événement n'est pas encore publié", "Deze activiteit is nog niet gepubliceerd", "This event is not published yet"}},
	{"sel_unavailable", {"Le SEL n'est pas activé : impossible de créditer la récompense", "Het LETS is niet ingeschakeld: de beloning kan niet worden gecrediteerd", "The time bank is not enabled: the reward cannot be credited"}},
};

/* Messages of field error codes. */
static const struct message field_messages[] = {
	{"invalid_category", {"Catégorie inconnue.", "Onbekende categorie.", "Unknown category."}},
	{"invalid_class", {"Classe inconnue : choisissez M1 à M3 ou P1 à P6.", "Onbekende klas: kies M1 tot M3 of P1 tot P6.", "Unknown class: choose M1 to M3 or P1 to P6."}},
	{"invalid_cursor", {"Curseur de pagination invalide.", "Ongeldige pagineringscursor.", "Invalid pagination cursor."}},
	{"invalid_date", {"Date invalide (format AAAA-MM-JJ).", "Ongeldige datum (formaat JJJJ-MM-DD).", "Invalid date (format YYYY-MM-DD)."}},
	{"invalid_email", {"Adresse e-mail invalide.", "Ongeldig e-mailadres.", "Invalid email address."}},
	{"invalid_kind", {"Type inconnu : « offer » (offre) ou « request » (demande).", "Onbekend type: \"offer\" (aanbod) of \"request\" (vraag).", "Unknown kind: \"offer\" or \"request\"."}},
	{"invalid_locale", {"Langue inconnue : fr, nl ou en.", "Onbekende taal: fr, nl of en.", "Unknown language: fr, nl or en."}},
	{"invalid_phone", {"Numéro de téléphone invalide.", "Ongeldig telefoonnummer.", "Invalid phone number."}},
	{"email_or_user_id", {"Indiquez une adresse e-mail ou un parent connu, pas les deux.", "Geef een e-mailadres of een gekende ouder, niet beide.", "Give an e-mail address or a known parent, not both."}},
	{"not_a_co_parent", {"Ce parent ne partage aucun de vos enfants : invitez-le par son adresse e-mail.", "Deze ouder deelt geen van uw kinderen: nodig hem of haar uit via het e-mailadres.", "This parent shares none of your children: invite them by e-mail address."}},
	{"own_email", {"C'est votre propre adresse : invitez l'autre parent.", "Dit is uw eigen adres: nodig de andere ouder uit.", "This is your own address: invite the other parent."}},
	{"one_of_required", {"Indiquez soit to_user_id (payer), soit from_user_id (demander un paiement), pas les deux.", "Geef ofwel to_user_id (betalen) ofwel from_user_id (om betaling vragen), niet beide.", "Give either to_user_id (pay) or from_user_id (ask for payment), not both."}},
	{"invalid_job_state", {"État inconnu : queued, running, done ou dead.", "Onbekende toestand: queued, running, done of dead.", "Unknown state: queued, running, done or dead."}},
	{"invalid_type", {"Type de valeur incorrect.", "Verkeerd waardetype.", "Wrong value type."}},
	{"invalid_uuid", {"Identifiant invalide.", "Ongeldige identificatie.", "Invalid identifier."}},
	{"date_in_future", {"La date ne peut pas être dans le futur.", "De datum mag niet in de toekomst liggen.", "The date cannot be in the future."}},
	{"out_of_range", {"Valeur hors des limites permises.", "Waarde buiten de toegestane grenzen.", "Value out of the allowed range."}},
	{"password_too_long", {"Le mot de passe ne peut dépasser 256 caractères.", "Het wachtwoord mag niet langer zijn dan 256 tekens.", "The password cannot be longer than 256 characters."}},
	{"password_too_short", {"Le mot de passe doit contenir au moins 12 caractères.", "Het wachtwoord moet minstens 12 tekens bevatten.", "The password must be at least 12 characters long."}},
	{"required", {"Ce champ est obligatoire.", "Dit veld is verplicht.", "This field is required."}},
	{"too_long", {"Texte trop long.", "Tekst te lang.", "Text too long."}},
	{"invalid_text", {"Texte invalide (caractères non permis).", "Ongeldige tekst (niet-toegestane tekens).", "Invalid text (characters not allowed)."}},
	{"unknown_field", {"Ce champ n'est pas accepté ici.", "Dit veld is hier niet toegestaan.", "This field is not accepted here."}},
	/* auth: an admin's invitation */
	{"requires_email", {"Une langue ne sert que pour une invitation envoyée par e-mail.", "Een taal dient alleen voor een uitnodiging per e-mail.", "A language is only for an invitation sent by email."}},
	/* classes: a class's staff */
	{"too_many_items", {"Trop d'éléments dans cette liste.", "Te veel elementen in deze lijst.", "Too many items in this list."}},
	{"unknown_member", {"Ce membre n'existe pas ou n'est plus actif.", "Dit lid bestaat niet of is niet meer actief.", "This member does not exist or is no longer active."}},
	/* announcements: the audience */
	{"invalid_audience", {"Choisissez toute l'école ou une ou plusieurs classes.", "Kies de hele school of een of meer klassen.", "Choose the whole school or one or more classes."}},
	{"not_staff_role", {"Seul un enseignant ou un administrateur peut être attaché à une classe.", "Alleen een leerkracht of een beheerder kan aan een klas gekoppeld worden.", "Only a teacher or an administrator can be assigned to a class."}},
	/* messages */
	{"too_short", {"Texte vide.", "Lege tekst.", "Empty text."}},
	{"self_conversation", {"Vous ne pouvez pas démarrer une conversation avec vous-même.", "U kunt geen gesprek met uzelf beginnen.", "You cannot start a conversation with yourself."}},
	{"unknown_message", {"Ce message n'existe pas dans cette conversation.", "Dit bericht bestaat niet in dit gesprek.", "This message does not exist in this conversation."}},
	{"invalid_conversation_kind", {"Type inconnu : « direct » ou « group ».", "Onbekend type: \"direct\" of \"group\".", "Unknown kind: \"direct\" or \"group\"."}},
	/* events */
	{"invalid_time", {"Date et heure invalides (RFC 3339 avec fuseau, p. ex. 2027-06-19T14:00:00+02:00).", "Ongeldige datum en tijd (RFC 3339 met tijdzone, bv. 2027-06-19T14:00:00+02:00).", "Invalid date and time (RFC 3339 with an offset, e.g. 2027-06-19T14:00:00+02:00)."}},
	{"before_start", {"La fin doit venir après le début.", "Het einde moet na het begin komen.", "The end must come after the start."}},
	{"after_start", {"La date limite d'inscription ne peut pas suivre le début.", "De inschrijvingsdeadline mag niet na het begin vallen.", "The sign-up deadline cannot come after the start."}},
	{"invalid_value", {"Valeur inconnue.", "Onbekende waarde.", "Unknown value."}},
	{"party_size", {"Inscrivez de 1 à 20 personnes en tout.", "Schrijf in totaal 1 tot 20 personen in.", "Register 1 to 20 people in all."}},
	/* calendar: volunteer shifts */
	{"outside_event", {"Le service doit se tenir pendant l'événement.", "De shift moet tijdens het evenement plaatsvinden.", "The shift must take place during the event."}},
	{"not_a_volunteer", {"Ce membre ne s'est pas inscrit à ce service.", "Dit lid heeft zich niet voor deze shift ingeschreven.", "This member did not sign up for this shift."}},
};

static const char *lookup(const struct message *table, size_t n, const char *code,
			  enum sh_lang lang)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].code, code) == 0)
			return table[i].text[lang];
	return code;
}

const char *sh_i18n_problem_title(const char *code, enum sh_lang lang)
{
	return lookup(problem_titles, sizeof(problem_titles) / sizeof(problem_titles[0]), code, lang);
}

const char *sh_i18n_field_message(const char *code, enum sh_lang lang)
{
	return lookup(field_messages, sizeof(field_messages) / sizeof(field_messages[0]), code, lang);
}
