-- Daily trivia: one schedule per channel, and the record of every daily post.

CREATE TABLE daily_schedules (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL UNIQUE,
    local_time       TEXT    NOT NULL,            -- HH:MM, 24 h, in `timezone`
    timezone         TEXT    NOT NULL,            -- IANA name
    film_id          INTEGER REFERENCES films (id) ON DELETE SET NULL,
    next_due_at      INTEGER NOT NULL,            -- UTC, seconds since the epoch
    last_posted_date TEXT,                        -- local YYYY-MM-DD of the latest post
    paused_reason    TEXT,                        -- set: not posting until an admin sets it again
    problem          TEXT,                        -- the last thing that went wrong, shown in `list`
    created_by       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- The tick asks only for due, active schedules: this index makes that cost independent of how many exist.
CREATE INDEX daily_schedules_due ON daily_schedules (next_due_at) WHERE paused_reason IS NULL;
CREATE INDEX daily_schedules_by_guild ON daily_schedules (guild_id);

-- One row per channel and local day, claimed in the same transaction that advances the schedule.
-- status: 'claimed' (to be sent; re-sent with the same nonce after a crash), 'sent', 'failed'.
CREATE TABLE daily_posts (
    id          INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES daily_schedules (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    fact_id     INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,
    cycle       INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    UNIQUE (channel_id, local_date)
);
CREATE INDEX daily_posts_cycle ON daily_posts (channel_id, cycle, fact_id);
CREATE INDEX daily_posts_claimed ON daily_posts (id) WHERE status = 'claimed';
