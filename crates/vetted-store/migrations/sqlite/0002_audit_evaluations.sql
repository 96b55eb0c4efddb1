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

-- Stored evaluations (vetted-core's projection), so lists filter and sort without evaluating
-- every supplier: `verdict` and `tier` as wire names with their sort ranks (`verdict_rank`:
-- worst first; `tier_rank`: critical first), `next_due` (YYYY-MM-DD), `countries` (",DE,US,"),
-- `search` (id, name and services in lower case). `evaluation_key` is "AS_OF FINGERPRINT"
-- (the date and the policy's SHA-256) they were computed for; NULL, set by every write of the
-- supplier in its transaction, means "evaluate again". The index on it answers "is any row not
-- of this date and policy?" with MIN/MAX in two index probes.
ALTER TABLE suppliers ADD COLUMN verdict TEXT;
ALTER TABLE suppliers ADD COLUMN verdict_rank INTEGER;
ALTER TABLE suppliers ADD COLUMN tier TEXT;
ALTER TABLE suppliers ADD COLUMN tier_rank INTEGER;
ALTER TABLE suppliers ADD COLUMN next_due TEXT;
ALTER TABLE suppliers ADD COLUMN countries TEXT;
ALTER TABLE suppliers ADD COLUMN search TEXT;
ALTER TABLE suppliers ADD COLUMN evaluation_key TEXT;

CREATE INDEX suppliers_evaluation_key ON suppliers (evaluation_key);
CREATE INDEX suppliers_listed ON suppliers (archived, position);
CREATE INDEX suppliers_by_name ON suppliers (archived, name, position);
CREATE INDEX suppliers_by_verdict ON suppliers (archived, verdict_rank, position);
CREATE INDEX suppliers_by_tier ON suppliers (archived, tier_rank, position);
CREATE INDEX suppliers_by_next_due ON suppliers (archived, next_due, position);
CREATE INDEX suppliers_by_updated ON suppliers (archived, updated_at, position);
