-- The public subprocessor list (vetted_core::publication): its published versions, customers'
-- objections to planned changes, the subscribers to its change notices, the public forms' rate
-- limits and the instance's own secrets; and deliveries of two more kinds (change notices and
-- subscription confirmations).
--
-- `list_versions`: one row per published version, numbered 1, 2, … without gaps (the store
-- publishes `n` only while `n - 1` is the newest). `entries` is the whole list as JSON (a
-- `Vec<PublicEntry>`), `published_by` and `decided_by` are actors as JSON (ids only, as in the
-- audit trail), dates are `YYYY-MM-DD` text, times UTC Unix microseconds. The decision columns
-- are all set (an admin proceeded or withdrew) or all NULL.
--
-- `objections`: what a customer said against a version. `via` is `link` (a subscriber followed
-- a change notice's signed link: `subscriber` is its id, `recorded_by` is NULL) or `admin` (an
-- admin recorded it: `recorded_by` is the admin). `subscriber` is not a foreign key: a
-- subscriber's row may be erased while the objection stays on record. The audit trail holds an
-- objection's ids, dates and outcome, never `customer`, `contact`, `email` or `grounds`, so
-- those can be erased without breaking the chain. The outcome columns are all set or all NULL.
--
-- `subscribers`: an e-mail address (stored lower-cased, unique) under a random id (32 hex
-- digits) that links name. `requested_us` is the latest request to subscribe: a confirmation
-- link is good for that request only.
--
-- `rate_events`: one row per event a fixed-window rate limit counted; rows older than a day
-- are deleted as new ones come. `instance_secrets`: 32 random bytes per name, made on first
-- use, the same for every server on the database.
--
-- `deliveries.kind` gains `notice` and `confirmation`. SQLite cannot alter a CHECK, so both
-- notification tables are rebuilt: new tables (the claims referencing the new deliveries),
-- rows copied with their ids and the id counter, the old tables dropped (claims first), the new
-- ones renamed (SQLite rewrites the claims' reference on rename), the index made again.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE list_versions (
    number        INTEGER PRIMARY KEY CHECK (number >= 1),
    published_us  INTEGER NOT NULL,
    published_by  TEXT    NOT NULL,
    effective     TEXT    NOT NULL
                  CHECK (effective GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    notice_days   INTEGER NOT NULL CHECK (notice_days >= 0),
    note          TEXT,
    entries       TEXT    NOT NULL,
    decision      TEXT    CHECK (decision IN ('proceed', 'withdraw')),
    decision_on   TEXT
                  CHECK (decision_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    decision_note TEXT,
    decided_by    TEXT,
    decided_us    INTEGER,
    CHECK ((decision IS NULL) = (decision_on IS NULL)
       AND (decision IS NULL) = (decided_by IS NULL)
       AND (decision IS NULL) = (decided_us IS NULL)),
    CHECK (decision IS NOT NULL OR decision_note IS NULL)
);

CREATE TABLE objections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       INTEGER NOT NULL REFERENCES list_versions (number),
    customer      TEXT    NOT NULL,
    contact       TEXT    NOT NULL,
    email         TEXT,
    grounds       TEXT    NOT NULL,
    received      TEXT    NOT NULL
                  CHECK (received GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    via           TEXT    NOT NULL CHECK (via IN ('link', 'admin')),
    subscriber    TEXT,
    recorded_us   INTEGER NOT NULL,
    recorded_by   TEXT,
    outcome       TEXT    CHECK (outcome IN ('accommodated', 'alternative_offered',
                                             'contract_terminated', 'withdrawn')),
    outcome_on    TEXT
                  CHECK (outcome_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    outcome_notes TEXT,
    outcome_by    TEXT,
    outcome_us    INTEGER,
    CHECK ((via = 'link') = (subscriber IS NOT NULL)),
    CHECK ((via = 'admin') = (recorded_by IS NOT NULL)),
    CHECK ((outcome IS NULL) = (outcome_on IS NULL)
       AND (outcome IS NULL) = (outcome_by IS NULL)
       AND (outcome IS NULL) = (outcome_us IS NULL)),
    CHECK (outcome IS NOT NULL OR outcome_notes IS NULL)
);
CREATE INDEX objections_version ON objections (version);

CREATE TABLE subscribers (
    id              TEXT    PRIMARY KEY NOT NULL
                    CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
    email           TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    requested_us    INTEGER NOT NULL,
    confirmed_us    INTEGER,
    unsubscribed_us INTEGER
);

CREATE TABLE rate_events (
    bucket TEXT    NOT NULL,
    at_us  INTEGER NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at_us);

CREATE TABLE instance_secrets (
    name       TEXT    PRIMARY KEY NOT NULL,
    secret     BLOB    NOT NULL CHECK (typeof(secret) = 'blob' AND length(secret) = 32),
    created_us INTEGER NOT NULL
);

-- The notification tables, rebuilt with the wider CHECK (columns as in 0008, in its order).
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL
                    CHECK (kind IN ('digest', 'test', 'notice', 'confirmation')),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    items           INTEGER NOT NULL CHECK (items >= 0),
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_us INTEGER NOT NULL,
    lease_until_us  INTEGER,
    last_error      TEXT,
    created_us      INTEGER NOT NULL,
    sent_us         INTEGER
);
CREATE TABLE reminder_claims_new (
    recipient   TEXT    NOT NULL,
    item_key    TEXT    NOT NULL,
    win         TEXT    NOT NULL,
    delivery_id INTEGER NOT NULL REFERENCES deliveries_new (id),
    PRIMARY KEY (recipient, item_key, win)
) WITHOUT ROWID;

INSERT INTO deliveries_new (id, kind, recipient, subject, payload, items, status, attempts,
                            next_attempt_us, lease_until_us, last_error, created_us, sent_us)
SELECT id, kind, recipient, subject, payload, items, status, attempts,
       next_attempt_us, lease_until_us, last_error, created_us, sent_us
FROM deliveries ORDER BY id;
INSERT INTO reminder_claims_new (recipient, item_key, win, delivery_id)
SELECT recipient, item_key, win, delivery_id FROM reminder_claims;
-- AUTOINCREMENT never reuses an id: carry the counter over, not only the highest id left.
DELETE FROM sqlite_sequence WHERE name = 'deliveries_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'deliveries_new', seq FROM sqlite_sequence WHERE name = 'deliveries';

DROP TABLE reminder_claims;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE reminder_claims_new RENAME TO reminder_claims;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_us);
