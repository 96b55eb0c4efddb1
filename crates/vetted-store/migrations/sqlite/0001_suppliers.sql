-- The supplier aggregate: one row per supplier, the whole supplier as JSON in `doc`.
-- `position` is register order (first creation); `version` starts at 1 and grows by one on
-- every change. `name`, `category` and `status` project `doc` for filtering; the store writes
-- them together with `doc`, so they never disagree. Times are UTC, RFC 3339 text.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE suppliers (
    id         TEXT    PRIMARY KEY NOT NULL,
    position   INTEGER NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    doc        TEXT    NOT NULL,
    name       TEXT,
    category   TEXT,
    status     TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE UNIQUE INDEX suppliers_position ON suppliers (position);
