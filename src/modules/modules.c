/* The list of product modules built into this binary. */
#include "schoolhub/modules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/config.h"
#include "schoolhub/mem.h"

const struct sh_module *const sh_modules[] = {
	&sh_module_auth,
	&sh_module_users,
	&sh_module_children,
	&sh_module_sel,
	&sh_module_classes,
	&sh_module_jobs,
	&sh_module_messages,
	&sh_module_announcements,
	&sh_module_notifications,
	&sh_module_events,
	&sh_module_calendar,
	&sh_module_admin,
};
const size_t sh_module_count = sizeof(sh_modules) / sizeof(sh_modules[0]);

const struct sh_account_lookup *sh_modules_account_lookup(void)
{
	for (size_t i = 0; i < sh_module_count; i++)
		if (sh_modules[i]->account_lookup != NULL)
			return sh_modules[i]->account_lookup;
	return NULL;
}

enum sh_db_rc sh_modules_account_created(const struct sh_config *cfg, struct sh_conn *conn,
					 const char *user_id, const char *now)
{
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if (m->account_created == NULL || (cfg->modules & m->id) == 0)
			continue;
		enum sh_db_rc rc = m->account_created(cfg, conn, user_id, now);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

unsigned sh_modules_all(void)
{
	unsigned mask = 0;
	for (size_t i = 0; i < sh_module_count; i++)
		mask |= sh_modules[i]->id;
	return mask;
}

int sh_modules_parse(const char *list, unsigned *mask_r, char **error_r)
{
	unsigned mask = 0;
	const char *p = list;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == 0)
			break;
		size_t i;
		for (i = 0; i < sh_module_count; i++)
			if (strlen(sh_modules[i]->name) == len &&
			    strncmp(sh_modules[i]->name, p, len) == 0)
				break;
		if (i == sh_module_count) {
			char known[160] = "";
			for (size_t k = 0; k < sh_module_count; k++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 k ? ", " : "", sh_modules[k]->name);
			char buf[300];
			snprintf(buf, sizeof(buf), "SCHOOLHUB_MODULES: unknown module \"%.*s\" (known: %s)",
				 (int)(len > 64 ? 64 : len), p, known);
			*error_r = sh_strdup(buf);
			return -1;
		}
		mask |= sh_modules[i]->id;
		p += len;
	}
	*mask_r = mask;
	return 0;
}

/* Every module's bit has its settings slot (config.h), and the mask holds them all. */
_Static_assert((unsigned)SH_MODULE_END - 1u < 1u << SH_MODULE_SLOTS,
	       "SH_MODULE_SLOTS is smaller than the highest module bit");
_Static_assert(SH_MODULE_COUNT < 32, "the module mask is an unsigned int");

static unsigned slot_of(enum sh_module_id id)
{
	return (unsigned)__builtin_ctz((unsigned)id);
}

int sh_module_setting_read(const struct sh_module_setting *s, long *out, char **error_r)
{
	const char *v = getenv(s->env);
	if (v == NULL || *v == '\0') {
		*out = s->def;
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < s->min || n > s->max) {
		char buf[300];
		snprintf(buf, sizeof(buf), "%s: expected a whole number between %ld and %ld, got \"%.64s\"",
			 s->env, s->min, s->max, v);
		*error_r = sh_strdup(buf);
		return -1;
	}
	*out = n;
	return 0;
}

int sh_modules_settings_load(unsigned mask, void **slots, char **error_r)
{
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if ((mask & m->id) == 0 || m->settings_load == NULL)
			continue;
		unsigned slot = slot_of(m->id);
		if (m->settings_load(&slots[slot], error_r) != 0) {
			for (unsigned k = 0; k < SH_MODULE_SLOTS; k++)
				sh_free(&slots[k]);
			return -1;
		}
	}
	return 0;
}

const void *sh_module_settings(const struct sh_config *cfg, enum sh_module_id id)
{
	return cfg->module_settings[slot_of(id)];
}

void sh_modules_print_help(FILE *out)
{
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		for (size_t k = 0; k < m->setting_count; k++) {
			const struct sh_module_setting *s = &m->settings[k];
			fprintf(out, "  %-25s %s: %s (default %ld)\n", s->env, m->name, s->help, s->def);
		}
	}
}

int sh_modules_init(struct sh_app *app, const struct sh_module *const *mods, size_t count,
		    unsigned mask, char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		if ((mask & mods[i]->id) == 0 || mods[i]->init == NULL)
			continue;
		char *why = NULL;
		if (mods[i]->init(app, &why) != 0) {
			char buf[400];
			snprintf(buf, sizeof(buf), "module %s: %s", mods[i]->name,
				 why != NULL ? why : "failed to start");
			sh_free(&why);
			*error_r = sh_strdup(buf);
			/* The modules before this one started: stop them, last first. */
			sh_modules_stop(app, mods, i, mask);
			return -1;
		}
	}
	return 0;
}

void sh_modules_stop(struct sh_app *app, const struct sh_module *const *mods, size_t count,
		     unsigned mask)
{
	for (size_t i = count; i-- > 0;)
		if ((mask & mods[i]->id) != 0 && mods[i]->stop != NULL)
			mods[i]->stop(app);
}
