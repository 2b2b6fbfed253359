// A thread's pure helpers (no Vue, no API): web/tests/messages-thread.test.mjs tests them.

/** The server's edit window (PATCH /messages/{id} answers 409 edit_window_closed after it). */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;

export const personName = (p) => (p ? `${p.first_name ?? ''} ${p.last_name ?? ''}`.trim() : '');

/** The conversation's name: a group's title, "Class P3", or the other member's name (its "peer"). */
export function conversationName(conversation, t) {
  if (!conversation) return '';
  if (conversation.kind === 'group') return conversation.title || t('messages.untitledGroup');
  if (conversation.kind === 'class') return t('messages.classChannel', { name: conversation.class_name || '' });
  return personName(conversation.peer) || t('messages.directConversation');
}

/** A fresh retry key for one message (the server answers a repeated one with the first message). */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether the author may still edit (the server decides; this only hides a button that would fail). */
export function editable(message, now = Date.now()) {
  if (!message || message.deleted) return false;
  const at = Date.parse(message.created_at);
  return Number.isFinite(at) && now - at < EDIT_WINDOW_MS;
}

/** Inserts or replaces messages by id, kept in seq order. */
export function mergeMessages(list, incoming) {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}
