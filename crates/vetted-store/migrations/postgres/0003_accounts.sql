-- Accounts: users, API tokens, browser sessions, login failures (throttling) and the one-time
-- setup tokens of a fresh installation. Ids are opaque random strings made by the application.
-- Secrets are never stored: tokens, session secrets and setup tokens as the hex SHA-256 of the
-- secret, passwords as an argon2id PHC string. Times are seconds since the Unix epoch (UTC),
-- from the application's clock, so both backends compare the same integers.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE users (
    id            TEXT    PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash TEXT    NOT NULL,
    totp_secret   TEXT,
    -- The last TOTP time step accepted: a code is good once (RFC 6238, section 5.2).
    totp_last_step BIGINT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- E-mail addresses are unique whatever their case.
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    csrf_token   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked_at   BIGINT
);

CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login, for each thing it counts against: `scope` is `account` (the
-- e-mail, lower-cased, whether or not the account exists) or `address` (the client address).
-- In the database so that several servers on one PostgreSQL database share the counts.
CREATE TABLE login_failures (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope  TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    at     BIGINT  NOT NULL
);

CREATE INDEX login_failures_key ON login_failures (scope, key, at);

CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT
);
