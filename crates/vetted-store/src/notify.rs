//! [`NotifyStore`]: the delivery log of reminders and test messages, and the claims that make
//! each reminder go out once per window (migration 0008).
//!
//! A run of the reminders ([`vetted_core::remind`]) calls [`NotifyStore::queue_digest`] once
//! per recipient: in one transaction it claims the (recipient, key, window) triples not claimed
//! before and queues one message made of the new ones. Claims are never removed, so a second
//! run in the same window, after a restart or on another server on the same database, queues
//! nothing; a new window queues again.
//!
//! Sending is separate: a sender leases the due deliveries ([`NotifyStore::lease_deliveries`]),
//! sends each, and records the outcome ([`NotifyStore::finish_delivery`]). A lease that runs
//! out (a server that died mid-send) makes the delivery due again; a failure is retried later
//! and, after the last attempt, kept as `failed` until someone retries it. Nothing is dropped.

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::StoreError;

/// What a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryKind {
    /// A digest of reminders.
    Digest,
    /// A test message sent by hand.
    Test,
    /// A change notice of the public subprocessor list, to one subscriber.
    Notice,
    /// The double opt-in's confirmation request, to one would-be subscriber.
    Confirmation,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Digest => "digest",
            DeliveryKind::Test => "test",
            DeliveryKind::Notice => "notice",
            DeliveryKind::Confirmation => "confirmation",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<DeliveryKind, StoreError> {
        match s {
            "digest" => Ok(DeliveryKind::Digest),
            "test" => Ok(DeliveryKind::Test),
            "notice" => Ok(DeliveryKind::Notice),
            "confirmation" => Ok(DeliveryKind::Confirmation),
            other => Err(StoreError::other(
                "reading a delivery",
                format!("unknown kind `{other}`"),
            )),
        }
    }
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Queued, or waiting for its next attempt.
    Pending,
    /// Leased by a sender.
    Sending,
    Sent,
    /// Every attempt failed; kept until retried by hand.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<DeliveryStatus, StoreError> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "sending" => Ok(DeliveryStatus::Sending),
            "sent" => Ok(DeliveryStatus::Sent),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(StoreError::other(
                "reading a delivery",
                format!("unknown status `{other}`"),
            )),
        }
    }
}

/// A message to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    pub kind: DeliveryKind,
    /// `email:ADDRESS` or `webhook:NAME` ([`vetted_core::remind::Recipient::as_key`]).
    pub recipient: String,
    /// A one-line summary, for the log.
    pub subject: String,
    /// The rendered message (JSON), sent as it is on every attempt.
    pub payload: String,
    /// How many reminders it carries.
    pub items: u32,
}

/// A queued message and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub kind: DeliveryKind,
    pub recipient: String,
    pub subject: String,
    pub payload: String,
    pub items: u32,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Failed; try again at this time.
    Retry {
        error: String,
        at: OffsetDateTime,
    },
    /// Failed for the last time.
    Failed {
        error: String,
    },
}

/// One reminder claim: the reminder's key and its window.
pub type Claim = (String, String);

/// Makes the message of the claims at these indexes (never empty).
pub type Render<'a> = dyn Fn(&[usize]) -> Result<NewDelivery, String> + Send + Sync + 'a;

/// The delivery log.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// In one transaction: claims every one of `claims` that `recipient` has not claimed before
    /// and, when at least one is new, queues the message `render` makes of the new ones (their
    /// indexes into `claims`). Returns the delivery's id and those indexes, or `None` when every
    /// claim was taken already (nothing is written). Two callers at once: each claim goes to
    /// one of them.
    async fn queue_digest(
        &self,
        recipient: &str,
        claims: &[Claim],
        at: OffsetDateTime,
        render: &Render<'_>,
    ) -> Result<Option<(i64, Vec<usize>)>, StoreError>;

    /// The indexes of `claims` that `recipient` has not claimed yet (writes nothing).
    async fn unclaimed(&self, recipient: &str, claims: &[Claim]) -> Result<Vec<usize>, StoreError>;

    /// Queues a message that claims nothing (a test message); returns its id.
    async fn queue(&self, delivery: &NewDelivery, at: OffsetDateTime) -> Result<i64, StoreError>;

    /// Leases to the caller, until `now + lease`, up to `limit` deliveries due at `now`: pending
    /// ones whose next attempt has come, and those whose lease ran out, oldest first. Each is
    /// leased to one caller only, and counts one more attempt.
    async fn lease_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Records what became of a leased delivery's attempt.
    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &Outcome,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Makes a failed delivery pending again, due at `now`; `false` when there is no failed
    /// delivery with this id.
    async fn retry_delivery(&self, id: i64, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// The newest deliveries first, up to `limit`, older than `before` (an id) when given.
    async fn list_deliveries(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// One delivery.
    async fn find_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError>;
}

/// A time as UTC Unix microseconds, as the tables keep it.
pub(crate) fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// A time from UTC Unix microseconds.
pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .map_err(|e| StoreError::other("reading a delivery's time", e))
}

/// A delivery from its columns, in the order of [`COLUMNS`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn delivery(
    id: i64,
    kind: &str,
    recipient: String,
    subject: String,
    payload: String,
    items: i64,
    status: &str,
    attempts: i64,
    next_attempt_us: i64,
    last_error: Option<String>,
    created_us: i64,
    sent_us: Option<i64>,
) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id,
        kind: DeliveryKind::parse(kind)?,
        recipient,
        subject,
        payload,
        items: u32::try_from(items).unwrap_or(0),
        status: DeliveryStatus::parse(status)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt_at: from_micros(next_attempt_us)?,
        last_error,
        created_at: from_micros(created_us)?,
        sent_at: sent_us.map(from_micros).transpose()?,
    })
}

/// The columns every delivery query selects, in [`delivery`]'s order.
pub(crate) const COLUMNS: &str = "id, kind, recipient, subject, payload, items, status, attempts, \
     next_attempt_us, last_error, created_us, sent_us";
