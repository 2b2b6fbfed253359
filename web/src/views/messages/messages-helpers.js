// What the messaging screens share: a conversation's name as the member sees it, the
// names of direct conversations' other members (the list does not carry them), message
// helpers (client ids, the edit window).
import { reactive } from 'vue';
import { messaging } from '../../api.js';

/** The server's edit window (PATCH /messages/{id} answers 409 edit_window_closed after it). */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;

export const personName = (p) => (p ? `${p.first_name ?? ''} ${p.last_name ?? ''}`.trim() : '');

// conversation id -> the other member's name, for direct conversations (read once per load).
const peerNames = reactive(new Map());
const asked = new Set();

/** The other member of a direct conversation, from its members (when the caller has them). */
export function rememberPeer(conversation, myId) {
  if (conversation?.kind !== 'direct' || !Array.isArray(conversation.members)) return;
  const other = conversation.members.find((m) => m.id !== myId);
  if (other) peerNames.set(conversation.id, personName(other));
}

/** Reads the direct conversations whose other member is not known yet (a few requests, in parallel). */
export async function loadPeers(conversations, myId) {
  const missing = conversations.filter((c) => c.kind === 'direct' && !peerNames.has(c.id) && !asked.has(c.id));
  for (const c of missing) asked.add(c.id);
  await Promise.all(
    missing.map((c) =>
      messaging.conversation(c.id).then(
        (full) => rememberPeer(full, myId),
        () => asked.delete(c.id), // asked again on the next load
      ),
    ),
  );
}

/** The conversation's name: a group's title, "Class P3", or the other member's name. */
export function conversationName(conversation, t) {
  if (!conversation) return '';
  if (conversation.kind === 'group') return conversation.title || t('messages.untitledGroup');
  if (conversation.kind === 'class') return t('messages.classChannel', { name: conversation.class_name || '' });
  return peerNames.get(conversation.id) || t('messages.directConversation');
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
