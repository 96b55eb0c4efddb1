//! [`AuditStore`]: reading and verifying the audit trail the store keeps.
//!
//! Every write of the [`Store`](crate::Store) appends its entries (one per supplier created,
//! updated, archived or restored) to the `audit_entries` table in the same transaction,
//! sealed with [`vetted_core::audit::seal`] under the store's audit key; this trait reads them.
//! The key lives outside the database (see [`crate::keyfile`]); its fingerprint is stored in
//! `audit_meta` on the first write, and a store given another key refuses to write or verify.

use async_trait::async_trait;
use vetted_core::audit::{AuditEntry, AuditKey, ChainHead, Verification};

use crate::StoreError;

/// Which entries [`AuditStore::audit_entries`] returns, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only the entries about this subject (a supplier id); all when `None`.
    pub subject: Option<String>,
    /// Only entries with a greater `seq` (for paging: the last `seq` seen).
    pub after_seq: Option<u64>,
    /// At most this many entries; all when `None`.
    pub limit: Option<u32>,
}

/// The audit trail of the store: its head, its entries, and their verification.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The last entry's `seq` and MAC (what an auditor keeps to detect a cut tail later);
    /// `None` while the trail is empty.
    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError>;

    /// The entries `query` selects, in the order they were written (which is `seq` order in an
    /// untouched trail). An entry that no longer decodes (its row was edited into nonsense) is
    /// an error here; [`AuditStore::verify_audit`] reports it as a broken entry instead.
    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// Walks the whole trail in the order it was written and names the first broken entry
    /// ([`vetted_core::audit::verify`]); with `expected_head` (exported earlier) a cut tail is
    /// found too. A `key` whose fingerprint is not the stored one is [`StoreError::AuditKey`]:
    /// verifying with the wrong key would only say that nothing matches.
    ///
    /// The trail is read in one pass and held in memory while it is verified (a few hundred
    /// bytes plus two supplier documents per entry).
    async fn verify_audit(
        &self,
        key: &AuditKey,
        expected_head: Option<ChainHead>,
    ) -> Result<Verification, StoreError>;
}
