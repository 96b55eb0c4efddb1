-- Policy versions: as migrations/sqlite/0004_policies.sql. The highest `number` is the active
-- version; servers on one database poll `MAX(number)` (the primary key answers it) to notice an
-- upload made by another.
CREATE TABLE policy_versions (
    number      BIGINT      PRIMARY KEY CHECK (number >= 1),
    toml        TEXT        NOT NULL,
    fingerprint TEXT        NOT NULL,
    uploaded_by TEXT        NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL
);
