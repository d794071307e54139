-- Films, their aliases and facts; the per-channel record of facts shown; bot metadata.
-- Submissions and daily schedules arrive in later numbered migrations.

CREATE TABLE films (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    norm_title   TEXT    NOT NULL,
    year         INTEGER,
    genre        TEXT    NOT NULL DEFAULT '',
    cast_summary TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX films_identity ON films (norm_title, ifnull(year, 0));

CREATE TABLE film_aliases (
    film_id    INTEGER NOT NULL REFERENCES films (id) ON DELETE CASCADE,
    alias      TEXT    NOT NULL,
    norm_alias TEXT    NOT NULL,
    PRIMARY KEY (film_id, norm_alias)
) WITHOUT ROWID;

CREATE TABLE facts (
    id             INTEGER PRIMARY KEY,
    film_id        INTEGER NOT NULL REFERENCES films (id) ON DELETE CASCADE,
    text           TEXT    NOT NULL,
    section        TEXT    NOT NULL DEFAULT 'Behind The Scenes',
    credit         TEXT,
    credit_user_id INTEGER,
    source         TEXT,
    origin         TEXT    NOT NULL CHECK (origin IN ('import', 'submission')),
    guild_id       INTEGER,            -- NULL: global; otherwise visible in that guild only
    content_hash   BLOB    NOT NULL,            -- 16 bytes of SHA-256 over film identity and folded text
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX facts_content ON facts (content_hash, ifnull(guild_id, 0));
CREATE INDEX facts_by_film ON facts (film_id, guild_id);

-- Which facts a channel has been shown by /trivia, so random picks cycle before repeating.
CREATE TABLE channel_shown (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    film_id    INTEGER NOT NULL REFERENCES films (id) ON DELETE CASCADE,
    fact_id    INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    shown_at   TEXT    NOT NULL,
    UNIQUE (channel_id, fact_id)
);
CREATE INDEX channel_shown_by_film ON channel_shown (channel_id, film_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
