// What the messaging screens share: a conversation's name as the member sees it and the
// names of direct conversations' other members (the list does not carry them); the pure
// message helpers are in thread.js (unit-tested).
import { reactive } from 'vue';
import { messaging } from '../../api.js';
import { personName } from './thread.js';

export { EDIT_WINDOW_MS, editable, mergeMessages, newClientId, personName } from './thread.js';

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
