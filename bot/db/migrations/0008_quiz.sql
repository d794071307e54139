-- "Which film?" quiz: games, their rounds (fact, choices, the right one), one answer per member per round.
-- Instants are UTC milliseconds since the epoch: answers within one second keep their order.

CREATE TABLE quiz_games (
    id                    INTEGER PRIMARY KEY,
    guild_id              INTEGER NOT NULL,
    channel_id            INTEGER NOT NULL,
    starter_id            INTEGER NOT NULL,
    rounds                INTEGER NOT NULL CHECK (rounds BETWEEN 1 AND 20),
    seconds               INTEGER NOT NULL CHECK (seconds BETWEEN 10 AND 120),
    status                TEXT    NOT NULL DEFAULT 'running'
                          CHECK (status IN ('running', 'finished', 'stopped', 'abandoned')),
    started_at            INTEGER NOT NULL,
    ended_at              INTEGER,
    ended_by              INTEGER,               -- who stopped it (status 'stopped')
    end_reason            TEXT,                  -- why it ended early (out of questions, channel unusable)
    scoreboard_message_id INTEGER                -- NULL while the final scoreboard is still to be posted
);
-- One game per channel at a time, enforced by the store whatever the callers do.
CREATE UNIQUE INDEX quiz_games_one_per_channel ON quiz_games (channel_id) WHERE status = 'running';
CREATE INDEX quiz_games_by_starter ON quiz_games (guild_id, starter_id, started_at);
CREATE INDEX quiz_games_scoreboard_due ON quiz_games (id)
    WHERE status IN ('finished', 'stopped') AND scoreboard_message_id IS NULL;

-- status: 'open' (answers taken until closes_at), 'closed' (answers refused; card not yet revealed),
-- 'revealed' (the card shows the answer). The right choice lives here only, never in a custom_id.
CREATE TABLE quiz_rounds (
    id           INTEGER PRIMARY KEY,
    game_id      INTEGER NOT NULL REFERENCES quiz_games (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    fact_id      INTEGER REFERENCES facts (id) ON DELETE SET NULL,
    film_id      INTEGER,
    question     TEXT    NOT NULL,               -- the fact as asked, masked
    fact_text    TEXT    NOT NULL,               -- the fact as revealed
    answer_label TEXT    NOT NULL,               -- "Title (Year)"
    credit       TEXT,
    choices      TEXT    NOT NULL,               -- JSON list of the button labels, in button order
    right_choice INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'revealed')),
    opened_at    INTEGER NOT NULL,
    closes_at    INTEGER NOT NULL,
    closed_at    INTEGER,
    message_id   INTEGER,                        -- NULL until the card is posted
    UNIQUE (game_id, number)
);
CREATE INDEX quiz_rounds_due ON quiz_rounds (closes_at) WHERE status = 'open';
CREATE INDEX quiz_rounds_to_reveal ON quiz_rounds (id) WHERE status = 'closed';
CREATE INDEX quiz_rounds_to_post ON quiz_rounds (id) WHERE status = 'open' AND message_id IS NULL;
CREATE INDEX quiz_rounds_active ON quiz_rounds (game_id) WHERE status IN ('open', 'closed');

-- One row per member per round: the primary key is what makes a double press count once.
CREATE TABLE quiz_answers (
    round_id    INTEGER NOT NULL REFERENCES quiz_rounds (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    game_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,                -- scores belong to the server they were earned in
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    first       INTEGER NOT NULL,                -- the round's first right answer
    points      INTEGER NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, member_id)
) WITHOUT ROWID;
CREATE INDEX quiz_answers_by_member ON quiz_answers (guild_id, member_id, answered_at);
CREATE INDEX quiz_answers_by_time ON quiz_answers (guild_id, answered_at);

-- Wrong choices come from the same decade or genre: these keep finding them cheap at 100,000 films.
CREATE INDEX quiz_films_by_year ON films (year);
CREATE INDEX quiz_films_by_genre ON films (genre);
