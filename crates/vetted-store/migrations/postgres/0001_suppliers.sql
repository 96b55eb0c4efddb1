-- The supplier aggregate, as in migrations/sqlite/: one row per supplier, the whole supplier as
-- JSON in `doc`. `position` is register order (first creation); `version` starts at 1 and grows
-- by one on every change. `name`, `category` and `status` project `doc` for filtering; the store
-- writes them together with `doc`, so they never disagree.
-- `doc` is `jsonb`: the server checks it is JSON and can search inside it (operators, GIN
-- indexes). jsonb does not keep the text as written (keys are reordered, spaces normalised), so
-- the store decodes a stored document to compare it, never its text.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE suppliers (
    id         TEXT        PRIMARY KEY NOT NULL,
    position   BIGINT      NOT NULL,
    version    BIGINT      NOT NULL CHECK (version >= 1),
    doc        JSONB       NOT NULL,
    name       TEXT,
    category   TEXT,
    status     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX suppliers_position ON suppliers (position);
