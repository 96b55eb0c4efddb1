//! The [`Store`] trait: what the rest of Vetted may ask of storage, in domain types only.
//! Each backend implements it ([`crate::sqlite`], [`crate::postgres`]), and the
//! conformance suite in `tests/conformance/` holds every backend to the same behaviour.

use std::collections::HashMap;

use async_trait::async_trait;
use time::OffsetDateTime;
use vetted_core::audit::Actor;
use vetted_core::model::{Register, Supplier, SupplierId};

use crate::accounts::AccountStore;
use crate::{
    AuditStore, BackupStore, DocumentStore, EvaluationStore, NotifyStore, PolicyStore, StoreError,
    SubprocessorStore,
};

/// A supplier as stored, with its version.
#[derive(Clone, PartialEq, Debug)]
pub struct StoredSupplier {
    /// The supplier, exactly as last written.
    pub supplier: Supplier,
    /// 1 when created, one more on every change (archiving and restoring included); an
    /// unchanged import keeps it.
    pub version: i64,
    /// Archived suppliers keep their row and their history but are left out of
    /// [`Store::list_suppliers`] and [`Store::count_suppliers`] (so out of checks and exports);
    /// [`Store::find_supplier`] still finds them.
    pub archived: bool,
}

/// Who makes a change and when: recorded in the audit entry written with it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Change {
    /// Who: a user, a token, or [`Actor::System`] (the CLI's `import`, the demo seed).
    pub actor: Actor,
    /// When, by the caller's clock (kept in UTC to the microsecond).
    pub at: OffsetDateTime,
}

impl Change {
    /// A change by `actor`, now.
    pub fn now(actor: Actor) -> Change {
        Change {
            actor,
            at: OffsetDateTime::now_utc(),
        }
    }
}

/// What an import did, supplier by supplier.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ImportSummary {
    /// Suppliers that were not stored before.
    pub created: usize,
    /// Stored suppliers that differed and got a new version.
    pub updated: usize,
    /// Stored suppliers equal to the imported ones, left as they were.
    pub unchanged: usize,
}

impl ImportSummary {
    /// Every supplier the import looked at.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.unchanged
    }
}

/// The stored versions an import was planned against: for each supplier id of the register,
/// the version stored when the plan was made, or `None` when it was not stored then. See
/// [`Store::upsert_register_as_planned`].
pub type PlannedVersions = HashMap<String, Option<i64>>;

/// Vetted's storage of the supplier register.
///
/// Object-safe: callers hold an `Arc<dyn Store>` chosen at start-up by [`crate::open`].
/// Methods take and return domain types; no SQL or backend type crosses this boundary.
///
/// Every write is one transaction that also appends one audit entry per supplier it changes
/// (see [`AuditStore`]), sealed under the audit key the store was opened with
/// ([`crate::open_with_audit_key`]); a store opened without one refuses writes with
/// [`StoreError::AuditKey`]. Writers are serialized (`SQLite`'s write lock, one `PostgreSQL`
/// advisory lock), so two processes on one database extend one chain.
/// Each further area has its own trait as a supertrait: [`AccountStore`] (users, tokens,
/// sessions), [`AuditStore`], [`EvaluationStore`], [`PolicyStore`] (policy versions),
/// [`BackupStore`] (backup and restore), [`DocumentStore`] (evidence files), [`NotifyStore`]
/// (the reminders' delivery log), [`SubprocessorStore`] (the public subprocessor list).
#[async_trait]
pub trait Store:
    AccountStore
    + AuditStore
    + BackupStore
    + DocumentStore
    + EvaluationStore
    + NotifyStore
    + PolicyStore
    + SubprocessorStore
    + Send
    + Sync
{
    /// Every supplier not archived, in register order: the order in which they were first
    /// created.
    async fn list_suppliers(&self) -> Result<Vec<StoredSupplier>, StoreError>;

    /// Every supplier not archived, in register order, as a register document (versions
    /// left out): what evaluations, exports and reminders work on.
    async fn register(&self) -> Result<Register, StoreError> {
        Ok(Register {
            suppliers: self
                .list_suppliers()
                .await?
                .into_iter()
                .map(|s| s.supplier)
                .collect(),
        })
    }

    /// The supplier with this id, if there is one.
    async fn find_supplier(&self, id: &SupplierId) -> Result<Option<StoredSupplier>, StoreError>;

    /// The supplier with this id, or [`StoreError::NotFound`].
    async fn get_supplier(&self, id: &SupplierId) -> Result<StoredSupplier, StoreError> {
        self.find_supplier(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "supplier",
                id: id.to_string(),
            })
    }

    /// How many suppliers are stored and not archived.
    async fn count_suppliers(&self) -> Result<u64, StoreError>;

    /// Creates or updates every supplier of `register` by id, in one transaction: either all
    /// of them are written, each with its audit entry by `change`, or, on any error, none.
    ///
    /// A new supplier goes after those already stored, in register order, with version 1. A
    /// stored supplier keeps its position; it gets the next version when it differs from the
    /// imported one and is left untouched when it is equal. Suppliers stored but absent from
    /// `register` stay as they are.
    ///
    /// An archived supplier in `register` is updated like any other and stays archived.
    ///
    /// `progress` is called now and then with the number of suppliers of `register` done so
    /// far, and last with their total. A supplier id given twice is a
    /// [`StoreError::Conflict`], and nothing is written.
    async fn upsert_register(
        &self,
        register: &Register,
        change: &Change,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError>;

    /// [`Store::upsert_register`], only if every supplier of `register` is still stored as
    /// `planned` says (the version it had, or not stored): checked inside the import's
    /// transaction, under the writers' lock, so what is written is exactly the change that was
    /// planned (and shown). Otherwise [`StoreError::Conflict`] naming the first supplier that
    /// differs, and nothing is written. An id of `register` missing from `planned` differs too.
    async fn upsert_register_as_planned(
        &self,
        register: &Register,
        planned: &PlannedVersions,
        change: &Change,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError>;

    /// Adds `supplier` at the end of the register with version 1 (audit action
    /// `supplier.create`). An id already stored, archived or not, is a
    /// [`StoreError::Conflict`].
    async fn create_supplier(
        &self,
        supplier: &Supplier,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError>;

    /// Replaces the stored supplier with `supplier.id` by `supplier` if it is still at
    /// `expected_version` (audit action `supplier.update`), and returns it with its new version.
    /// Equal to what is stored: nothing is written, no entry, the stored one is returned.
    /// Another version stored: [`StoreError::Stale`] with it; none: [`StoreError::NotFound`].
    async fn update_supplier(
        &self,
        supplier: &Supplier,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError>;

    /// Replaces several suppliers in one transaction, each under the version its caller read
    /// (`(supplier, expected_version)` pairs), with one `supplier.update` audit entry per
    /// supplier that changed: every change is written, or none. A supplier stored at another
    /// version is [`StoreError::Stale`] with it (the first in the order given), one not stored
    /// is [`StoreError::NotFound`], an id given twice is a [`StoreError::Conflict`]; then
    /// nothing is written. Suppliers equal to what is stored are left as they are. Returns the
    /// suppliers as stored now, in the order given. The risk register's edits, which write
    /// every copy of a risk, go through this.
    async fn update_suppliers(
        &self,
        updates: &[(Supplier, i64)],
        change: &Change,
    ) -> Result<Vec<StoredSupplier>, StoreError>;

    /// Archives the supplier if it is still at `expected_version` (audit action
    /// `supplier.archive`, with the record before and after): it gets the next version and
    /// leaves the listings. Already archived: nothing is written. Errors as
    /// [`Store::update_supplier`].
    async fn archive_supplier(
        &self,
        id: &SupplierId,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError>;

    /// Brings an archived supplier back (audit action `supplier.restore`), the inverse of
    /// [`Store::archive_supplier`], with the same rules.
    async fn restore_supplier(
        &self,
        id: &SupplierId,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError>;

    /// Closes the backend's connections and waits until they are closed; calls made after
    /// this fail. Call it before the process exits: dropping the store does not wait, and a
    /// `SQLite` database left with its write-ahead log makes the next open replay it.
    async fn close(&self);
}
