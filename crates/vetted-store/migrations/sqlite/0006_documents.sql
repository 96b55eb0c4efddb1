-- Documents: the evidence files (certificates, audit reports, questionnaires) that assurance
-- items reference by the SHA-256 of their content (the register-format extension
-- `assurance[].documents`, docs/register-format-extensions.md). Content-addressed: one row per
-- distinct content, however many items of however many suppliers reference it; storing the
-- same bytes again changes nothing. The bytes live in the database, not in files beside it, so
-- a backup holds them and every server on one database serves them. `size` is the content's
-- length in bytes; `media_type` was checked against the content's first bytes by the caller;
-- `created_by` is the first uploader as an actor (JSON, ids only, as in the audit trail);
-- `created_at` is UTC RFC 3339 with microseconds. No audit entry: an upload is not a change of
-- the register; the supplier update that references the document is audited as usual.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE documents (
    sha256     TEXT    PRIMARY KEY NOT NULL
               CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    media_type TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    content    BLOB    NOT NULL,
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    CHECK (typeof(content) = 'blob' AND length(content) = size)
);
