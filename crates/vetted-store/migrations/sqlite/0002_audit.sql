-- The audit trail, archived suppliers.
--
-- `audit_entries`: one row per sealed entry (see vetted-core's audit module). `pos` is the
-- order rows were written in, which verification walks; `seq` is the sealed number (deliberately
-- not unique here: a replayed copy of an entry must reach verification and be named, not be
-- refused by the database an attacker controls anyway). `at` is UTC RFC 3339 with
-- microseconds; `actor` is the actor as JSON (ids only); `before` and `after` are the canonical
-- JSON that was sealed, as TEXT so the stored bytes are the ones the MAC covers; `prev` and `mac`
-- are 64 hex digits.
CREATE TABLE audit_entries (
    pos     INTEGER PRIMARY KEY NOT NULL,
    seq     INTEGER NOT NULL,
    at      TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT,
    before  TEXT,
    after   TEXT,
    prev    TEXT    NOT NULL,
    mac     TEXT    NOT NULL
);

CREATE INDEX audit_entries_seq ON audit_entries (seq);
CREATE INDEX audit_entries_subject ON audit_entries (subject, pos);

-- `key_fingerprint`: a MAC of a fixed label under the audit key, stored by the first write, so
-- a server given another key refuses to extend or verify the trail.
CREATE TABLE audit_meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Archived suppliers keep their row and history, out of listings by default.
ALTER TABLE suppliers ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
