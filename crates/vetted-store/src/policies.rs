//! [`PolicyStore`]: the supplier policy's versions, kept with their history.
//!
//! Every upload is a new version numbered one more than the last (1, 2, …) holding the TOML
//! text, its fingerprint, who uploaded it and when; the newest version is the active policy.
//! An upload appends one audit entry (action `policy.upload`, no subject; `before` and `after`
//! are the previous and the new version's `{number, fingerprint, toml}`) in the same
//! transaction, sealed like every other write. The store does not parse the text: callers
//! validate it with `Policy::from_toml` first (the server answers 422, the CLI refuses).

use async_trait::async_trait;
use serde_json::{Value, json};
use time::OffsetDateTime;
use vetted_core::audit::{Actor, NewEntry, action};

use crate::{Change, StoreError};

/// One stored version of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVersion {
    /// 1 for the first upload, one more for each after.
    pub number: i64,
    /// The policy file as uploaded.
    pub toml: String,
    /// `vetted_core::projection::policy_fingerprint` of `toml`.
    pub fingerprint: String,
    /// Who uploaded it (ids only).
    pub uploaded_by: Actor,
    /// When, in UTC to the microsecond.
    pub uploaded_at: OffsetDateTime,
}

/// The policy's versions.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Stores `toml` as the next version, uploaded by `change`, with its audit entry, in one
    /// transaction under the writers' lock (two uploads at once get consecutive numbers).
    async fn add_policy_version(
        &self,
        toml: &str,
        change: &Change,
    ) -> Result<PolicyVersion, StoreError>;

    /// The newest version's number, `None` while none was uploaded: one index probe, cheap
    /// enough to poll every few seconds.
    async fn latest_policy_number(&self) -> Result<Option<i64>, StoreError>;

    /// The newest version (the active policy), `None` while none was uploaded.
    async fn latest_policy(&self) -> Result<Option<PolicyVersion>, StoreError>;

    /// The version numbered `number`, if there is one.
    async fn policy_version(&self, number: i64) -> Result<Option<PolicyVersion>, StoreError>;

    /// Every version, oldest first.
    async fn policy_versions(&self) -> Result<Vec<PolicyVersion>, StoreError>;
}

/// What the audit entry records of a version.
fn recorded(version: &PolicyVersion) -> Value {
    json!({
        "number": version.number,
        "fingerprint": version.fingerprint,
        "toml": version.toml,
    })
}

/// The next version after `previous` (the newest stored, read under the writers' lock) and
/// the audit entry recording its upload.
pub(crate) fn next_version(
    previous: Option<&PolicyVersion>,
    toml: &str,
    change: &Change,
) -> (PolicyVersion, NewEntry) {
    let version = PolicyVersion {
        number: previous.map_or(1, |p| p.number + 1),
        toml: toml.to_string(),
        fingerprint: vetted_core::projection::policy_fingerprint(toml),
        uploaded_by: change.actor.clone(),
        uploaded_at: change.at,
    };
    let entry = NewEntry {
        at: change.at,
        actor: change.actor.clone(),
        action: action::POLICY_UPLOAD.to_string(),
        subject: None,
        before: previous.map(recorded),
        after: Some(recorded(&version)),
    };
    (version, entry)
}

/// The actor column's text.
pub(crate) fn encode_actor(actor: &Actor) -> Result<String, StoreError> {
    serde_json::to_string(actor).map_err(crate::error::context("encoding a policy's uploader"))
}

/// The actor from the column's text.
pub(crate) fn decode_actor(text: &str) -> Result<Actor, StoreError> {
    serde_json::from_str(text).map_err(crate::error::context("reading a policy's uploader"))
}
