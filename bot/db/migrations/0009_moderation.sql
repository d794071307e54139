-- Moderation (issue 13): members' reports of facts, per-server hidden facts and spoiler marks, and the
-- audit log of every moderation change. The outbox is rebuilt so it can carry a report's side effects
-- (its review-channel card, that card's update, the DM telling a reporter the outcome) as well as a
-- submission's; existing rows are kept with their ids.

ALTER TABLE facts ADD COLUMN spoiler INTEGER NOT NULL DEFAULT 0;  -- set by the fact's owner (server or bot owner)

-- One item per fact and server while it is open: further reporters join it (report_reasons).
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    fact_id           INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'hidden', 'dismissed', 'resolved')),
    created_at        INTEGER NOT NULL,
    decided_at        INTEGER,
    decided_by        INTEGER,
    decided_by_name   TEXT,
    reason            TEXT,
    review_channel_id INTEGER,
    review_message_id INTEGER
);
CREATE UNIQUE INDEX reports_open ON reports (guild_id, fact_id) WHERE status = 'open';
CREATE INDEX reports_waiting ON reports (guild_id, id) WHERE status = 'open';

CREATE TABLE report_reasons (
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    member_name TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('wrong', 'spoiler', 'offensive', 'duplicate', 'other')),
    details     TEXT    NOT NULL DEFAULT '',
    guild_id    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (report_id, member_id)
) WITHOUT ROWID;
CREATE INDEX report_reasons_by_member ON report_reasons (guild_id, member_id, at);

-- A fact hidden in one server: gone there from lookup, numbering, daily picks and quizzes.
CREATE TABLE hidden_facts (
    guild_id  INTEGER NOT NULL,
    fact_id   INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    hidden_by INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, fact_id)
) WITHOUT ROWID;

-- A server's own view of whether a fact is a spoiler, overriding facts.spoiler there.
CREATE TABLE spoiler_marks (
    guild_id INTEGER NOT NULL,
    fact_id  INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    spoiler  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, fact_id)
) WITHOUT ROWID;

-- Every moderation change: who, when, what, before and after (JSON). guild_id NULL: the global catalog.
-- Written in the transaction of the change; never updated or deleted.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER,
    actor_id   INTEGER NOT NULL,
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    fact_id    INTEGER,
    target_id  INTEGER,            -- a member (block, unblock) or a report
    before     TEXT,
    after      TEXT,
    at         INTEGER NOT NULL
);
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, id);

ALTER TABLE daily_schedules ADD COLUMN spoilers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN spoiler INTEGER NOT NULL DEFAULT 0;  -- the member ticked "spoiler"

CREATE TABLE outbox_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('review_post', 'review_update', 'decision_dm',
                                                   'report_post', 'report_update', 'report_dm')),
    submission_id INTEGER REFERENCES submissions (id),
    report_id     INTEGER REFERENCES reports (id) ON DELETE CASCADE,
    member_id     INTEGER,                -- report_dm: the reporter to tell
    channel_id    INTEGER,
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    done_at       INTEGER,
    outcome       TEXT,
    CHECK ((submission_id IS NULL) <> (report_id IS NULL))
);
INSERT INTO outbox_new (id, kind, submission_id, channel_id, created_at, due_at, attempts, last_error, done_at, outcome)
    SELECT id, kind, submission_id, channel_id, created_at, due_at, attempts, last_error, done_at, outcome FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE done_at IS NULL;
CREATE INDEX outbox_by_submission ON outbox (submission_id, kind);
CREATE INDEX outbox_by_report ON outbox (report_id, kind);
