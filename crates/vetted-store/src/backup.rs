//! [`BackupStore`]: a consistent copy of the whole database while servers run, and restoring
//! one into an empty database.
//!
//! Each backend keeps its own format, restored into the same backend:
//! - `SQLite`: the backup is a `SQLite` file made by `VACUUM INTO` (one read transaction, so
//!   consistent while writers go on); restoring attaches it and copies every table in one
//!   write transaction.
//! - `PostgreSQL`: the backup is JSON lines, written from one `REPEATABLE READ` read-only
//!   transaction: a header `{"format": "vetted-backup/1", "backend": "postgres",
//!   "migration": N}`, then one `{"table": NAME, "row": {…}}` per row (`row_to_json`), table by
//!   table; restoring inserts them (`json_populate_recordset`) in one transaction under the
//!   writers' lock and moves the identity sequences past the restored ids.
//!
//! What is copied: suppliers, the audit trail and its key fingerprint, users, tokens,
//! sessions, login failures, setup tokens, policy versions, documents (the evidence files'
//! bytes; in a `PostgreSQL` backup as hex text, twice their size), the reminders' delivery
//! log with its claims (so a restored server does not send again what was sent), the public
//! subprocessor list's versions, objections and subscribers, the rate limits' recent events and
//! the instance's secrets (so links signed before the backup still verify after it). Stored
//! evaluations are not: they are derived, and recomputed on the first list. The rows are copied byte for byte, so the
//! audit trail verifies after a restore under the same key; a restore under a store whose key
//! is not the backup's is refused (it would never verify). A backup of an older or newer schema
//! (another migration number) is refused too.

use std::path::Path;

use async_trait::async_trait;

use crate::StoreError;

/// The tables a backup holds, parents before children, each with its ordering key.
pub(crate) const TABLES: [(&str, &str); 17] = [
    ("suppliers", "position"),
    ("audit_meta", "name"),
    ("audit_entries", "pos"),
    ("users", "id"),
    ("api_tokens", "id"),
    ("sessions", "id"),
    ("login_failures", "id"),
    ("setup_tokens", "token_hash"),
    ("policy_versions", "number"),
    ("documents", "sha256"),
    ("deliveries", "id"),
    ("reminder_claims", "delivery_id"),
    ("list_versions", "number"),
    ("objections", "id"),
    ("subscribers", "id"),
    ("rate_events", "at_us"),
    ("instance_secrets", "name"),
];

/// The tables whose rows make a database "not empty" for [`BackupStore::restore`].
pub(crate) const CONTENT: [&str; 7] = [
    "suppliers",
    "audit_entries",
    "users",
    "policy_versions",
    "documents",
    "list_versions",
    "objections",
];

/// The format name in a `PostgreSQL` backup's header.
pub(crate) const FORMAT: &str = "vetted-backup/1";

/// What a backup or a restore copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// Rows per table, in [`BackupStore`]'s table order.
    pub rows: Vec<(String, u64)>,
}

impl BackupSummary {
    /// Every row copied.
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Backing up and restoring the whole database.
#[async_trait]
pub trait BackupStore: Send + Sync {
    /// Writes a consistent copy of the database to `to`, which must not exist yet; servers
    /// may keep reading and writing meanwhile. On failure no file is left behind.
    async fn backup(&self, to: &Path) -> Result<BackupSummary, StoreError>;

    /// Replaces the database's contents with the backup at `from`, all or nothing. A
    /// database holding suppliers, audit entries, users, policy versions, documents, versions
    /// of the subprocessor list or objections is refused with
    /// [`StoreError::Conflict`] unless `force`. Needs the audit key, which must be the one the
    /// backup's trail was sealed with ([`StoreError::AuditKey`] otherwise).
    async fn restore(&self, from: &Path, force: bool) -> Result<BackupSummary, StoreError>;
}

/// The refusal of a restore into a database that holds data.
pub(crate) fn not_empty(table: &str) -> StoreError {
    StoreError::Conflict {
        what: "database",
        id: table.to_string(),
        reason: format!(
            "is not empty (its `{table}` table has rows): restore into an empty database, or \
             pass --force to replace everything in it"
        ),
    }
}

/// The refusal of a backup target that exists.
pub(crate) fn exists(to: &Path) -> StoreError {
    StoreError::Conflict {
        what: "backup file",
        id: to.display().to_string(),
        reason: "exists already: choose a new file name".to_string(),
    }
}
