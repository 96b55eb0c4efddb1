//! [`SubprocessorStore`]: the public subprocessor list's published versions, the objections to
//! them, the list's subscribers, the public forms' rate limits and the instance's own secrets
//! (migration 0009).
//!
//! Versions and objections are the record of what customers were told and how they answered:
//! each change is one transaction under the writers' lock with one audit entry
//! (`subprocessors.publish`, `subprocessors.decide`, `objection.create`,
//! `objection.resolve`). Objection entries hold ids, dates and outcomes only, never the
//! customer's contact details or grounds, so erasing those breaks no chain. Subscribers, rate
//! counters and secrets are bookkeeping, not audited.

use async_trait::async_trait;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use vetted_core::audit::{Actor, NewEntry};
use vetted_core::publication::{
    Decision, DecisionKind, ListVersion, NewVersion, Objection, ObjectionOutcome, ObjectionVia,
    PublicEntry, Resolution,
};

use crate::error::context;
use crate::notify::micros;
use crate::{Change, StoreError};

/// Audit actions of this area.
pub mod action {
    /// A version of the public subprocessor list was published.
    pub const PUBLISH: &str = "subprocessors.publish";
    /// An admin decided on a planned change (proceed or withdraw).
    pub const DECIDE: &str = "subprocessors.decide";
    /// An objection to a planned change was recorded.
    pub const OBJECTION_CREATE: &str = "objection.create";
    /// An objection's outcome was recorded (or changed).
    pub const OBJECTION_RESOLVE: &str = "objection.resolve";
}

/// An objection about to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewObjection {
    /// The version (the change) objected to.
    pub version: i64,
    /// The customer (company).
    pub customer: String,
    /// Who to talk to.
    pub contact: String,
    /// The contact's e-mail address, when given.
    pub email: Option<String>,
    /// What the customer objects to, in their words.
    pub grounds: String,
    /// The day it was received.
    pub received: time::Date,
    /// How it reached us.
    pub via: ObjectionVia,
}

/// Where a subscriber stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriberStatus {
    /// Asked to subscribe; the confirmation link has not been followed.
    Pending,
    /// Confirmed: receives every change notice.
    Confirmed,
    /// Followed an unsubscribe link.
    Unsubscribed,
}

impl SubscriberStatus {
    /// The status column's text.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Confirmed => "confirmed",
            SubscriberStatus::Unsubscribed => "unsubscribed",
        }
    }

    /// The status from the column's text.
    pub fn parse(s: &str) -> Result<SubscriberStatus, StoreError> {
        match s {
            "pending" => Ok(SubscriberStatus::Pending),
            "confirmed" => Ok(SubscriberStatus::Confirmed),
            "unsubscribed" => Ok(SubscriberStatus::Unsubscribed),
            other => Err(StoreError::other(
                "reading a subscriber",
                format!("unknown status `{other}`"),
            )),
        }
    }
}

/// A subscriber to the list's change notices (no account: an e-mail address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    /// Random, 32 hex digits: what links name.
    pub id: String,
    /// Lower-cased.
    pub email: String,
    /// Where it stands.
    pub status: SubscriberStatus,
    /// The latest request to subscribe: a confirmation link is good only for the request it
    /// was sent for.
    pub requested_at: OffsetDateTime,
    /// When the confirmation link was followed (`None` while pending, and again after a new
    /// request to subscribe).
    pub confirmed_at: Option<OffsetDateTime>,
    /// When an unsubscribe link was first followed (`None` again after a new request).
    pub unsubscribed_at: Option<OffsetDateTime>,
}

/// The list's versions, objections and subscribers.
#[async_trait]
pub trait SubprocessorStore: Send + Sync {
    /// Stores `new` as version `new.number` published by `change`, with its audit entry, in
    /// one transaction under the writers' lock. When the newest stored version is not
    /// `new.number - 1` (someone published meanwhile), [`StoreError::Conflict`] and nothing is
    /// written.
    async fn publish_list_version(
        &self,
        new: &NewVersion,
        change: &Change,
    ) -> Result<ListVersion, StoreError>;

    /// Every version, oldest first.
    async fn list_versions(&self) -> Result<Vec<ListVersion>, StoreError>;

    /// Records `decision` on version `number` (audited with `decision.by` and `decision.at`).
    /// [`StoreError::NotFound`] without that version, [`StoreError::Conflict`] when it has a
    /// decision already. The caller checks that the change is still pending
    /// (`Publication::may_decide`).
    async fn decide_list_version(
        &self,
        number: i64,
        decision: &Decision,
    ) -> Result<ListVersion, StoreError>;

    /// Records an objection (audited: ids, version, dates, how it came; no personal data).
    /// [`StoreError::NotFound`] without that version.
    async fn add_objection(
        &self,
        new: &NewObjection,
        change: &Change,
    ) -> Result<Objection, StoreError>;

    /// Records (or replaces) the outcome of objection `id` (audited with `resolution.by` and
    /// `resolution.at`, before and after). [`StoreError::NotFound`] without it.
    async fn resolve_objection(
        &self,
        id: i64,
        resolution: &Resolution,
    ) -> Result<Objection, StoreError>;

    /// Every objection, oldest first.
    async fn list_objections(&self) -> Result<Vec<Objection>, StoreError>;

    /// The versions and objections together, read in one transaction (what a page of the list
    /// evaluates).
    async fn publication_records(&self) -> Result<(Vec<ListVersion>, Vec<Objection>), StoreError>;

    /// A request to subscribe `email` (lower-cased here) at `at`: a new subscriber is pending;
    /// a pending or unsubscribed one becomes pending with `requested_at = at`; a confirmed one
    /// is returned unchanged. The id stays the address's own for good (links sent earlier keep
    /// working); a new request clears `confirmed_at` and `unsubscribed_at`. One statement, so
    /// two requests for one address at once leave one row.
    async fn subscribe(&self, email: &str, at: OffsetDateTime) -> Result<Subscriber, StoreError>;

    /// The subscriber with this id, if any.
    async fn find_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError>;

    /// Confirms subscriber `id` when it is pending and `requested_at` is its latest request;
    /// returns it as stored afterwards (confirmed already: unchanged), `None` when there is no
    /// such subscriber.
    async fn confirm_subscriber(
        &self,
        id: &str,
        requested_at: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError>;

    /// Unsubscribes `id` (any status; one unsubscribed already keeps its time); `None` when
    /// there is no such subscriber.
    async fn unsubscribe(
        &self,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError>;

    /// Subscribers with this status (every one with `None`), oldest request first.
    async fn list_subscribers(
        &self,
        status: Option<SubscriberStatus>,
    ) -> Result<Vec<Subscriber>, StoreError>;

    /// A fixed-window rate limit shared by every server on the database: when fewer than
    /// `limit` events of `bucket` happened in `(now - window, now]`, records one at `now` and
    /// answers `true`; else `false`, recording nothing. Counting and recording are one
    /// transaction. Events older than a day are deleted on the way.
    async fn take_rate_slot(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The instance's secret named `name`: 32 random bytes made on first use and the same for
    /// every server on the database from then on (two servers asking at once get the same).
    /// In backups.
    async fn instance_secret(&self, name: &str) -> Result<Vec<u8>, StoreError>;
}

/// What the audit trail records of a version.
pub(crate) fn version_record(v: &ListVersion) -> Value {
    json!({
        "number": v.number,
        "effective": vetted_core::date::format_date(v.effective),
        "notice_days": v.notice_days,
        "note": v.note,
        "entries": v.entries,
        "decision": v.decision.as_ref().map(|d| json!({
            "kind": d.kind.as_str(),
            "on": vetted_core::date::format_date(d.on),
            "note": d.note,
        })),
    })
}

/// What the audit trail records of an objection: no names, addresses or grounds.
pub(crate) fn objection_record(o: &Objection) -> Value {
    json!({
        "id": o.id,
        "version": o.version,
        "received": vetted_core::date::format_date(o.received),
        "via": match &o.via {
            ObjectionVia::Link { subscriber } => json!({"link": subscriber}),
            ObjectionVia::Admin => json!("admin"),
        },
        "outcome": o.resolution.as_ref().map(|r| r.outcome.as_str()),
        "outcome_on": o.resolution.as_ref().map(|r| vetted_core::date::format_date(r.on)),
    })
}

/// The audit entry of a publication.
pub(crate) fn publish_entry(v: &ListVersion) -> NewEntry {
    NewEntry {
        at: v.published_at,
        actor: v.published_by.clone(),
        action: action::PUBLISH.to_string(),
        subject: Some(format!("subprocessors/v{}", v.number)),
        before: None,
        after: Some(version_record(v)),
    }
}

/// The audit entry of a decision: the version before and after.
pub(crate) fn decide_entry(
    before: &ListVersion,
    after: &ListVersion,
    by: &Actor,
    at: OffsetDateTime,
) -> NewEntry {
    NewEntry {
        at,
        actor: by.clone(),
        action: action::DECIDE.to_string(),
        subject: Some(format!("subprocessors/v{}", after.number)),
        before: Some(version_record(before)),
        after: Some(version_record(after)),
    }
}

/// The audit entry of a new objection.
pub(crate) fn objection_entry(
    before: Option<&Objection>,
    after: &Objection,
    actor: &Actor,
    at: OffsetDateTime,
) -> NewEntry {
    NewEntry {
        at,
        actor: actor.clone(),
        action: if before.is_some() {
            action::OBJECTION_RESOLVE
        } else {
            action::OBJECTION_CREATE
        }
        .to_string(),
        subject: Some(format!("objection/{}", after.id)),
        before: before.map(objection_record),
        after: Some(objection_record(after)),
    }
}

/// The entries column's JSON.
pub(crate) fn encode_entries(entries: &[PublicEntry]) -> Result<String, StoreError> {
    serde_json::to_string(entries).map_err(context("encoding a list version"))
}

/// The entries from the column's JSON.
pub(crate) fn decode_entries(text: &str) -> Result<Vec<PublicEntry>, StoreError> {
    serde_json::from_str(text).map_err(context("reading a list version"))
}

/// The kind of record of a version, in errors.
pub(crate) const VERSION: &str = "subprocessor list version";

/// The kind of record of an objection, in errors.
pub(crate) const OBJECTION: &str = "objection";

/// `at` as the tables keep it: whole microseconds (what a write returns is what a read gives).
pub(crate) fn stored_time(at: OffsetDateTime) -> Result<OffsetDateTime, StoreError> {
    time_of(micros(at))
}

/// A time from the tables' UTC Unix microseconds.
fn time_of(us: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .map_err(context("reading a time of the subprocessor list"))
}

/// A length of time in microseconds (saturating; windows are minutes to a day).
pub(crate) fn micros_of(d: Duration) -> i64 {
    i64::try_from(d.whole_microseconds()).unwrap_or(i64::MAX)
}

/// How far back rate events are kept.
pub(crate) const RATE_EVENTS_KEPT: Duration = Duration::DAY;

/// The version `new` becomes when `latest` is the newest stored number (read under the
/// writers' lock): [`StoreError::Conflict`] unless `new.number` comes right after it.
pub(crate) fn next_version(
    latest: Option<i64>,
    new: &NewVersion,
    change: &Change,
) -> Result<ListVersion, StoreError> {
    let expected = latest.map_or(1, |n| n + 1);
    if new.number != expected {
        return Err(StoreError::Conflict {
            what: VERSION,
            id: new.number.to_string(),
            reason: match latest {
                Some(n) => format!(
                    "version {n} is the newest published: the next one is {expected} (someone \
                     published meanwhile? reload and review the change again)"
                ),
                None => "no version was published yet: the first one is 1".to_string(),
            },
        });
    }
    Ok(ListVersion {
        number: new.number,
        published_at: stored_time(change.at)?,
        published_by: change.actor.clone(),
        effective: new.effective,
        notice_days: new.notice_days,
        note: new.note.clone(),
        entries: new.entries.clone(),
        decision: None,
    })
}

/// `before` with `decision`: [`StoreError::Conflict`] when it has one already.
pub(crate) fn decided(
    before: &ListVersion,
    decision: &Decision,
) -> Result<ListVersion, StoreError> {
    if let Some(d) = &before.decision {
        return Err(StoreError::Conflict {
            what: VERSION,
            id: before.number.to_string(),
            reason: format!(
                "was decided already ({} on {})",
                d.kind.as_str(),
                vetted_core::date::format_date(d.on)
            ),
        });
    }
    Ok(ListVersion {
        decision: Some(Decision {
            at: stored_time(decision.at)?,
            ..decision.clone()
        }),
        ..before.clone()
    })
}

/// The objection `new` becomes under `id`, recorded by `change`: an admin's objection names
/// the admin, one that came through a link nobody.
pub(crate) fn recorded(
    id: i64,
    new: &NewObjection,
    change: &Change,
) -> Result<Objection, StoreError> {
    Ok(Objection {
        id,
        version: new.version,
        customer: new.customer.clone(),
        contact: new.contact.clone(),
        email: new.email.clone(),
        grounds: new.grounds.clone(),
        received: new.received,
        via: new.via.clone(),
        recorded_at: stored_time(change.at)?,
        recorded_by: match new.via {
            ObjectionVia::Admin => Some(change.actor.clone()),
            ObjectionVia::Link { .. } => None,
        },
        resolution: None,
    })
}

/// `before` with `resolution` in place of any earlier one.
pub(crate) fn resolved(
    before: &Objection,
    resolution: &Resolution,
) -> Result<Objection, StoreError> {
    Ok(Objection {
        resolution: Some(Resolution {
            at: stored_time(resolution.at)?,
            ..resolution.clone()
        }),
        ..before.clone()
    })
}

/// The `via` and `subscriber` columns.
pub(crate) fn via_columns(via: &ObjectionVia) -> (&'static str, Option<&str>) {
    match via {
        ObjectionVia::Link { subscriber } => ("link", Some(subscriber.as_str())),
        ObjectionVia::Admin => ("admin", None),
    }
}

/// An actor column's text (JSON, ids only, as in the audit trail).
pub(crate) fn encode_actor(actor: &Actor) -> Result<String, StoreError> {
    serde_json::to_string(actor).map_err(context("encoding an actor of the subprocessor list"))
}

fn decode_actor(text: &str) -> Result<Actor, StoreError> {
    serde_json::from_str(text).map_err(context("reading an actor of the subprocessor list"))
}

/// A date column's text.
pub(crate) fn encode_date(d: time::Date) -> String {
    vetted_core::date::format_date(d)
}

fn decode_date(what: &'static str, text: &str) -> Result<time::Date, StoreError> {
    vetted_core::date::parse_date(text)
        .ok_or_else(|| StoreError::other(what, format!("`{text}` is not a date")))
}

/// All of a record's optional group of columns, or none: anything else is a damaged row.
fn damaged(what: &'static str, columns: &str) -> StoreError {
    StoreError::other(what, format!("its {columns} columns are set in part"))
}

/// A new subscriber id: 16 random bytes from the operating system as 32 lowercase hex digits.
pub(crate) fn new_subscriber_id() -> Result<String, StoreError> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::other("making a subscriber id", e))?;
    Ok(bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]])
        .map(char::from)
        .collect())
}

/// A new instance secret: 32 random bytes from the operating system.
pub(crate) fn new_secret() -> Result<[u8; 32], StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::other("making an instance secret", e))?;
    Ok(bytes)
}

/// A `list_versions` row as both backends select it (dates as `YYYY-MM-DD`, entries as JSON
/// text, counts as 64-bit integers).
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    number: i64,
    published_us: i64,
    published_by: String,
    effective: String,
    notice_days: i64,
    note: Option<String>,
    entries: String,
    decision: Option<String>,
    decision_on: Option<String>,
    decision_note: Option<String>,
    decided_by: Option<String>,
    decided_us: Option<i64>,
}

impl VersionRow {
    /// The version the row holds.
    pub(crate) fn decode(self) -> Result<ListVersion, StoreError> {
        const WHAT: &str = "reading a subprocessor list version";
        let decision = match (
            self.decision,
            self.decision_on,
            self.decided_by,
            self.decided_us,
        ) {
            (None, None, None, None) => None,
            (Some(kind), Some(on), Some(by), Some(us)) => Some(Decision {
                kind: DecisionKind::parse(&kind)
                    .ok_or_else(|| StoreError::other(WHAT, format!("unknown decision `{kind}`")))?,
                on: decode_date(WHAT, &on)?,
                by: decode_actor(&by)?,
                at: time_of(us)?,
                note: self.decision_note,
            }),
            _ => return Err(damaged(WHAT, "decision")),
        };
        Ok(ListVersion {
            number: self.number,
            published_at: time_of(self.published_us)?,
            published_by: decode_actor(&self.published_by)?,
            effective: decode_date(WHAT, &self.effective)?,
            notice_days: u32::try_from(self.notice_days).map_err(context(WHAT))?,
            note: self.note,
            entries: decode_entries(&self.entries)?,
            decision,
        })
    }
}

/// An `objections` row as both backends select it (dates as `YYYY-MM-DD`).
#[derive(sqlx::FromRow)]
pub(crate) struct ObjectionRow {
    id: i64,
    version: i64,
    customer: String,
    contact: String,
    email: Option<String>,
    grounds: String,
    received: String,
    via: String,
    subscriber: Option<String>,
    recorded_us: i64,
    recorded_by: Option<String>,
    outcome: Option<String>,
    outcome_on: Option<String>,
    outcome_notes: Option<String>,
    outcome_by: Option<String>,
    outcome_us: Option<i64>,
}

impl ObjectionRow {
    /// The objection the row holds.
    pub(crate) fn decode(self) -> Result<Objection, StoreError> {
        const WHAT: &str = "reading an objection";
        let via = match (self.via.as_str(), self.subscriber) {
            ("link", Some(subscriber)) => ObjectionVia::Link { subscriber },
            ("admin", None) => ObjectionVia::Admin,
            (other, _) => {
                return Err(StoreError::other(WHAT, format!("unknown way in `{other}`")));
            }
        };
        let resolution = match (
            self.outcome,
            self.outcome_on,
            self.outcome_by,
            self.outcome_us,
        ) {
            (None, None, None, None) => None,
            (Some(outcome), Some(on), Some(by), Some(us)) => Some(Resolution {
                outcome: ObjectionOutcome::parse(&outcome).ok_or_else(|| {
                    StoreError::other(WHAT, format!("unknown outcome `{outcome}`"))
                })?,
                on: decode_date(WHAT, &on)?,
                notes: self.outcome_notes,
                by: decode_actor(&by)?,
                at: time_of(us)?,
            }),
            _ => return Err(damaged(WHAT, "outcome")),
        };
        Ok(Objection {
            id: self.id,
            version: self.version,
            customer: self.customer,
            contact: self.contact,
            email: self.email,
            grounds: self.grounds,
            received: decode_date(WHAT, &self.received)?,
            via,
            recorded_at: time_of(self.recorded_us)?,
            recorded_by: self.recorded_by.as_deref().map(decode_actor).transpose()?,
            resolution,
        })
    }
}

/// A `subscribers` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SubscriberRow {
    id: String,
    email: String,
    status: String,
    requested_us: i64,
    confirmed_us: Option<i64>,
    unsubscribed_us: Option<i64>,
}

impl SubscriberRow {
    /// The subscriber the row holds.
    pub(crate) fn decode(self) -> Result<Subscriber, StoreError> {
        Ok(Subscriber {
            id: self.id,
            email: self.email,
            status: SubscriberStatus::parse(&self.status)?,
            requested_at: time_of(self.requested_us)?,
            confirmed_at: self.confirmed_us.map(time_of).transpose()?,
            unsubscribed_at: self.unsubscribed_us.map(time_of).transpose()?,
        })
    }
}

/// The columns of [`SubscriberRow`], for `SELECT` and `RETURNING` in both backends.
pub(crate) const SUBSCRIBER_COLUMNS: &str =
    "id, email, status, requested_us, confirmed_us, unsubscribed_us";

/// Rows decoded in order.
pub(crate) fn decode_all<R, T>(
    rows: Vec<R>,
    decode: impl Fn(R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(decode).collect()
}
