-- Co-parent invitations (issue #10): a guardian invites an e-mail address to share a
-- child; nothing is linked until the person holding that address accepts. The address is
-- stored as accounts store theirs (trimmed, lower case) whether or not an account has it,
-- so the row, like the answer, is the same for both; it becomes visible to an account that
-- registers with the address later.
CREATE TABLE guardian_invitations (
    id            UUID PRIMARY KEY,
    child_id      UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    inviter_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invitee_email TEXT NOT NULL,
    relationship  TEXT NOT NULL DEFAULT 'parent',
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    answered_at   TIMESTAMPTZ,  -- when accepted, declined or withdrawn
    CHECK ((status = 'pending') = (answered_at IS NULL))
);
-- One pending invitation per child and address: inviting again refreshes it.
CREATE UNIQUE INDEX guardian_invitations_pending
    ON guardian_invitations (child_id, invitee_email) WHERE status = 'pending';
CREATE INDEX guardian_invitations_invitee ON guardian_invitations (invitee_email)
    WHERE status = 'pending';
CREATE INDEX guardian_invitations_inviter ON guardian_invitations (inviter_id);

-- Every invitation sent (new or refreshed), for the per-member rate limit. Counted in the
-- database so the limit holds across instances; rows older than the window are pruned.
CREATE TABLE guardian_invitation_sends (
    id      UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX guardian_invitation_sends_user ON guardian_invitation_sends (user_id, sent_at);
