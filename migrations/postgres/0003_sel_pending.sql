-- Payment requests waiting for an answer, per party: the home screen and the requests
-- inbox ask every member for theirs ("status=pending"), and a member with a long history
-- and nothing pending would otherwise walk all of it. Partial: only pending rows are
-- indexed, so completed payments (nearly every booking) never touch these indexes.
CREATE INDEX sel_transactions_pending_from ON sel_transactions (from_user_id, seq)
    WHERE status = 'pending';
CREATE INDEX sel_transactions_pending_to ON sel_transactions (to_user_id, seq)
    WHERE status = 'pending';
