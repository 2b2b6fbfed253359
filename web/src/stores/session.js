// The signed-in session: the access token and the current user, in memory only.
//
// The refresh token never reaches JavaScript: the server keeps it in an HttpOnly cookie
// that only /api/v1/auth/session/* receives (api.js asks for that flow). A reload starts
// with nothing and restores the session with one cookie refresh (restoreSession in
// api.js), so no token is ever written to localStorage or sessionStorage, where any
// script that ran in the page could read it.
//
// Tabs follow each other through a BroadcastChannel (tab-sync.js): a sign-in in one tab
// makes the others restore from the (shared) cookie, a sign-out signs them out.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { forgetLegacyTokens, openTabChannel } from '../tab-sync.js';

export const useSessionStore = defineStore('session', () => {
  const accessToken = ref(null);
  const user = ref(null);

  const signedIn = computed(() => Boolean(accessToken.value));
  const displayName = computed(() =>
    user.value ? `${user.value.first_name ?? ''} ${user.value.last_name ?? ''}`.trim() : '',
  );

  // Why the last session ended: 'local' when this tab signed out or deleted the account
  // and navigates by itself; 'expired' when the API client found it dead (its handler
  // navigates to sign-in with the reason); 'ended' when it ended in another tab.
  const endReason = ref(null);
  // The server answered 403 pending_approval: this account registered under
  // SCHOOLHUB_REGISTRATION=approval and waits for an admin. The app then shows the waiting
  // screen (components/PendingApproval.vue) on every page but the profile.
  const pendingApproval = ref(false);
  // Counts the sessions that ended here: a refresh started before the end must not
  // bring the session back when its answer arrives.
  const epoch = ref(0);

  // Set by api.js: what to do when another tab signed in (restore from the cookie).
  let onOtherTabSignedIn = () => {};
  const channel = openTabChannel((message) => {
    if (message === 'signed-out') {
      if (accessToken.value) drop('ended');
    } else if (message === 'signed-in') {
      onOtherTabSignedIn();
    }
  });
  forgetLegacyTokens();

  function drop(reason) {
    endReason.value = reason;
    epoch.value += 1;
    accessToken.value = null;
    user.value = null;
    pendingApproval.value = false;
  }

  /** Stores a token response ({access_token, user?}) from a refresh. */
  function setTokens(payload) {
    accessToken.value = payload.access_token;
    if (payload.user) user.value = payload.user;
  }

  /** A sign-in or registration in this tab: the other tabs restore from the new cookie. */
  function signIn(payload) {
    setTokens(payload);
    channel.post('signed-in');
  }

  function setUser(value) {
    user.value = value;
  }

  /** Ends the session in this tab and, since they share the cookie, in the others. */
  function clear(reason = 'ended') {
    drop(reason);
    channel.post('signed-out');
  }

  function whenOtherTabSignsIn(fn) {
    onOtherTabSignedIn = fn;
  }

  function markPending() {
    pendingApproval.value = true;
  }

  return {
    pendingApproval,
    markPending,
    accessToken,
    user,
    signedIn,
    displayName,
    endReason,
    epoch,
    setTokens,
    signIn,
    setUser,
    clear,
    whenOtherTabSignsIn,
  };
});
