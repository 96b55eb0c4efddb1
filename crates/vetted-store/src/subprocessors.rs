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
    Decision, ListVersion, NewVersion, Objection, ObjectionVia, PublicEntry, Resolution,
};

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
    pub version: i64,
    pub customer: String,
    pub contact: String,
    pub email: Option<String>,
    pub grounds: String,
    pub received: time::Date,
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
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Confirmed => "confirmed",
            SubscriberStatus::Unsubscribed => "unsubscribed",
        }
    }

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
    pub status: SubscriberStatus,
    /// The latest request to subscribe: a confirmation link is good only for the request it
    /// was sent for.
    pub requested_at: OffsetDateTime,
    pub confirmed_at: Option<OffsetDateTime>,
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
    /// is returned unchanged.
    async fn subscribe(&self, email: &str, at: OffsetDateTime) -> Result<Subscriber, StoreError>;

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

    /// Unsubscribes `id` (any status); `None` when there is no such subscriber.
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
    serde_json::to_string(entries).map_err(crate::error::context("encoding a list version"))
}

/// The entries from the column's JSON.
pub(crate) fn decode_entries(text: &str) -> Result<Vec<PublicEntry>, StoreError> {
    serde_json::from_str(text).map_err(crate::error::context("reading a list version"))
}
