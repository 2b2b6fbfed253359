// Which modules this server runs (GET /api/v1/config's "modules", SCHOOLHUB_MODULES): the
// navigation shows a module's entry only when it is on. Asked once per page load; a failed
// request is asked again by the next caller.
import { ref } from 'vue';
import { api } from './api.js';

const modules = ref([]);
let asked = null;

/** The reactive list of enabled module names ([] until the server has answered). */
export function useModules() {
  if (!asked) {
    asked = api
      .get('/config', { auth: false })
      .then((config) => {
        modules.value = Array.isArray(config?.modules) ? config.modules : [];
      })
      .catch(() => {
        asked = null;
      });
  }
  return modules;
}

/** Asks the server again (after an admin switched a module on or off). */
export function refreshModules() {
  asked = null;
  return useModules();
}
