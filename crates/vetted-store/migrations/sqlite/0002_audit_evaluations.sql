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
-- every supplier and without reading the wide `suppliers` rows: one narrow row per supplier.
-- Triggers copy what the list filters on (version, position, archived, name, category, status,
-- updated_at) from every insert or update of `suppliers`, in the writing statement's
-- transaction, and clear `evaluation_key` ("AS_OF FINGERPRINT": the date and the policy's
-- SHA-256 the evaluation was computed for); NULL means "evaluate again". The store fills
-- `verdict` and `tier` (wire names, with sort ranks: `verdict_rank` worst first, `tier_rank`
-- critical first), `next_due` (YYYY-MM-DD), `countries` (",DE,US,") and `search` (id, name
-- and services in lower case). The index on `evaluation_key` answers "is any row not of this
-- date and policy?" with MIN/MAX in index probes.
CREATE TABLE supplier_evaluations (
    id             TEXT    PRIMARY KEY NOT NULL REFERENCES suppliers (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    archived       INTEGER NOT NULL,
    name           TEXT,
    category       TEXT,
    status         TEXT,
    updated_at     TEXT    NOT NULL,
    verdict        TEXT,
    verdict_rank   INTEGER,
    tier           TEXT,
    tier_rank      INTEGER,
    next_due       TEXT,
    countries      TEXT,
    search         TEXT,
    evaluation_key TEXT
);

CREATE TRIGGER suppliers_evaluation_insert AFTER INSERT ON suppliers BEGIN
    INSERT INTO supplier_evaluations (id, version, position, archived, name, category, status, updated_at)
    VALUES (NEW.id, NEW.version, NEW.position, NEW.archived, NEW.name, NEW.category, NEW.status,
            NEW.updated_at);
END;

CREATE TRIGGER suppliers_evaluation_update AFTER UPDATE ON suppliers BEGIN
    UPDATE supplier_evaluations SET version = NEW.version, position = NEW.position, archived = NEW.archived,
        name = NEW.name, category = NEW.category, status = NEW.status,
        updated_at = NEW.updated_at, evaluation_key = NULL
    WHERE id = NEW.id;
END;

INSERT INTO supplier_evaluations (id, version, position, archived, name, category, status, updated_at)
SELECT id, version, position, archived, name, category, status, updated_at FROM suppliers;

CREATE INDEX supplier_evaluations_key ON supplier_evaluations (evaluation_key);
CREATE INDEX supplier_evaluations_listed ON supplier_evaluations (archived, position);
CREATE INDEX supplier_evaluations_by_id ON supplier_evaluations (archived, id);
CREATE INDEX supplier_evaluations_by_name ON supplier_evaluations (archived, name, position);
CREATE INDEX supplier_evaluations_by_verdict
    ON supplier_evaluations (archived, verdict_rank, position);
CREATE INDEX supplier_evaluations_by_tier ON supplier_evaluations (archived, tier_rank, position);
CREATE INDEX supplier_evaluations_by_next_due
    ON supplier_evaluations (archived, next_due, position);
CREATE INDEX supplier_evaluations_by_updated
    ON supplier_evaluations (archived, updated_at, position);
