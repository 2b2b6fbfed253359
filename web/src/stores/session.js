// The signed-in session: token pair + the current user, persisted to
// localStorage so that a reload keeps the parent signed in.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

const STORAGE_KEY = 'schoolhub.session';

function load() {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const data = JSON.parse(raw);
    if (data && typeof data.accessToken === 'string' && typeof data.refreshToken === 'string') {
      return data;
    }
  } catch {
    /* corrupt or unavailable storage: start signed out */
  }
  return null;
}

export const useSessionStore = defineStore('session', () => {
  const saved = load();
  const accessToken = ref(saved?.accessToken ?? null);
  const refreshToken = ref(saved?.refreshToken ?? null);
  const user = ref(saved?.user ?? null);

  const signedIn = computed(() => Boolean(accessToken.value && refreshToken.value));
  const displayName = computed(() =>
    user.value ? `${user.value.first_name ?? ''} ${user.value.last_name ?? ''}`.trim() : '',
  );

  // Why the last session ended: 'local' when this tab signed out or deleted the account
  // and navigates by itself; 'expired' when the API client found it dead (its handler
  // navigates to sign-in with the reason); 'ended' when it ended in another tab.
  const endReason = ref(null);

  function persist() {
    try {
      if (accessToken.value && refreshToken.value) {
        localStorage.setItem(
          STORAGE_KEY,
          JSON.stringify({
            accessToken: accessToken.value,
            refreshToken: refreshToken.value,
            user: user.value,
          }),
        );
      } else {
        localStorage.removeItem(STORAGE_KEY);
      }
    } catch {
      /* ignore */
    }
  }

  watch([accessToken, refreshToken, user], persist, { deep: true });

  // Another tab signed in, refreshed (the refresh token rotates) or signed out:
  // follow it, or this tab would later present a dead refresh token.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      const next = load();
      if (!next) endReason.value = 'ended';
      accessToken.value = next?.accessToken ?? null;
      refreshToken.value = next?.refreshToken ?? null;
      user.value = next?.user ?? null;
    });
  }

  /** Stores a token response ({access_token, refresh_token, user?}). */
  function setTokens(payload) {
    accessToken.value = payload.access_token;
    refreshToken.value = payload.refresh_token;
    if (payload.user) user.value = payload.user;
    persist(); // synchronously: a reload right after must still see it
  }

  function setUser(value) {
    user.value = value;
  }


  function clear(reason = 'ended') {
    endReason.value = reason;
    accessToken.value = null;
    refreshToken.value = null;
    user.value = null;
    persist();
  }

  return { accessToken, refreshToken, user, signedIn, displayName, endReason, setTokens, setUser, clear };
});
