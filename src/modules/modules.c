/* The list of product modules built into this binary. */
#include "schoolhub/modules.h"

#include <stdio.h>
#include <string.h>

#include "schoolhub/mem.h"

const struct sh_module *const sh_modules[] = {
	&sh_module_auth,
	&sh_module_users,
	&sh_module_children,
	&sh_module_sel,
};
const size_t sh_module_count = sizeof(sh_modules) / sizeof(sh_modules[0]);

sh_account_fn *sh_modules_account_loader(void)
{
	for (size_t i = 0; i < sh_module_count; i++)
		if (sh_modules[i]->load_account != NULL)
			return sh_modules[i]->load_account;
	return NULL;
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
