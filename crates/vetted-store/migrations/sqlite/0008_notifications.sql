-- Notifications: the reminders' delivery log and the claims that make each reminder go out once
-- per window (vetted_core::remind; vetted-app's notify service).
--
-- `deliveries`: one message to one recipient (`email:ADDRESS` or `webhook:NAME`), rendered
-- when it is queued (`payload`, JSON: the e-mail's subject, text and HTML bodies, or the
-- webhook's body) so that a retry sends exactly what was queued. `status`: `pending` (queued or
-- waiting for a retry at `next_attempt_us`), `sending` (leased by one server until
-- `lease_until_us`; a lease that runs out makes it due again, so a server that died mid-send
-- loses nothing), `sent`, or `failed` (gave up after the last retry; kept, shown, and retried by
-- hand). Times are UTC Unix microseconds, which sort and compare as integers.
--
-- `reminder_claims`: one row per (recipient, reminder key, window) ever queued. A run inserts
-- its claims in the transaction that queues the delivery; a claim that exists already is
-- skipped, so two runs in one window (after a restart, or on two servers) queue it once.
-- Applied migrations are never edited: change the schema with a new file.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL CHECK (kind IN ('digest', 'test')),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    items           INTEGER NOT NULL CHECK (items >= 0),
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_us INTEGER NOT NULL,
    lease_until_us  INTEGER,
    last_error      TEXT,
    created_us      INTEGER NOT NULL,
    sent_us         INTEGER
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_us);

CREATE TABLE reminder_claims (
    recipient   TEXT    NOT NULL,
    item_key    TEXT    NOT NULL,
    win         TEXT    NOT NULL,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    PRIMARY KEY (recipient, item_key, win)
) WITHOUT ROWID;
