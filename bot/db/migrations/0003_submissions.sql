-- Members' submissions, every decision taken on them, per-guild settings and blocked submitters.

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    review_channel_id INTEGER,
    reviewer_role_id  INTEGER,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE submissions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    member_id         INTEGER NOT NULL,
    member_name       TEXT    NOT NULL,       -- display name when submitted: the credit on approval
    film_id           INTEGER REFERENCES films (id) ON DELETE SET NULL,
    proposed_title    TEXT,                   -- a film not in the catalog, created on approval
    proposed_year     INTEGER,
    text              TEXT    NOT NULL,       -- as written by the member
    source            TEXT,
    status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id       INTEGER,
    reviewer_name     TEXT,
    reason            TEXT,
    fact_id           INTEGER REFERENCES facts (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    review_channel_id INTEGER,
    review_message_id INTEGER,
    CHECK (film_id IS NOT NULL OR proposed_title IS NOT NULL)
);
CREATE INDEX submissions_pending ON submissions (guild_id, id) WHERE status = 'pending';
CREATE INDEX submissions_by_member ON submissions (guild_id, member_id, status);
CREATE INDEX submissions_by_film ON submissions (film_id) WHERE status = 'pending';

-- Every state change, with who did it and what changed (JSON detail). Never updated or deleted.
CREATE TABLE submission_events (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    actor_id      INTEGER NOT NULL,
    actor_name    TEXT    NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('submitted', 'approved', 'rejected')),
    detail        TEXT    NOT NULL DEFAULT '{}',
    at            INTEGER NOT NULL
);
CREATE INDEX submission_events_by_submission ON submission_events (submission_id);

CREATE TABLE blocked_submitters (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    blocked_by INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;
