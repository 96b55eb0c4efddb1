-- Documents: as migrations/sqlite/0006_documents.sql. `content` is bytea kept out of line
-- without compression (STORAGE EXTERNAL): PDFs and images are compressed already, so trying
-- again only costs time.
CREATE TABLE documents (
    sha256     TEXT        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type TEXT        NOT NULL,
    size       BIGINT      NOT NULL CHECK (size >= 0),
    content    BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT        NOT NULL,
    CHECK (octet_length(content) = size)
);
ALTER TABLE documents ALTER COLUMN content SET STORAGE EXTERNAL;
