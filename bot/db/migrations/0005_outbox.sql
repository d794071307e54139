-- Side effects of submissions and decisions (the review-channel copy, its update after a decision, the
-- member's decision DM). Each row is written in the same transaction as the change that causes it and
-- delivered by the bot's outbox loop until done, so a crash between the commit and the send loses nothing.

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('review_post', 'review_update', 'decision_dm')),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    channel_id    INTEGER,                -- review_post: the review channel configured at submission time
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,       -- the next attempt; moved on by the backoff after a failure
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    done_at       INTEGER,                -- delivered, or given up (outcome says which)
    outcome       TEXT
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE done_at IS NULL;
CREATE INDEX outbox_by_submission ON outbox (submission_id, kind);
