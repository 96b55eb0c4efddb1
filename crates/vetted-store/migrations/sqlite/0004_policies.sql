-- Policy versions: every policy uploaded, kept with its history; the highest `number` is the
-- active one. `number` counts from 1; `toml` is the text as uploaded (validated by the caller);
-- `fingerprint` is its SHA-256 (vetted-core's `policy_fingerprint`, what stored evaluations are
-- keyed by); `uploaded_by` is the actor as JSON (ids only, as in the audit trail); `uploaded_at`
-- is UTC RFC 3339 with microseconds. The upload's audit entry is written in the same transaction.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE policy_versions (
    number      INTEGER PRIMARY KEY NOT NULL CHECK (number >= 1),
    toml        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    uploaded_by TEXT    NOT NULL,
    uploaded_at TEXT    NOT NULL
);
