-- When a daily post was claimed (or last failed for certain): an unconfirmed claim is re-sent only while
-- Discord's nonce check can still turn a second send into the first message (a few minutes).
-- Rows from before this migration fall back to their due_at.
ALTER TABLE daily_posts ADD COLUMN claimed_at INTEGER;
