//! The [`Store`] trait: what the rest of Vetted may ask of storage, in domain types only.
//! Each backend implements it ([`crate::sqlite`], [`crate::postgres`]), and the
//! conformance suite in `tests/conformance/` holds every backend to the same behaviour.

use async_trait::async_trait;
use vetted_core::model::{Register, Supplier, SupplierId};

use crate::StoreError;
use crate::accounts::AccountStore;

/// A supplier as stored, with its version.
#[derive(Clone, PartialEq, Debug)]
pub struct StoredSupplier {
    /// The supplier, exactly as last written.
    pub supplier: Supplier,
    /// 1 when created, one more on every change; an unchanged import keeps it.
    pub version: i64,
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

/// Vetted's storage of the supplier register.
///
/// Object-safe: callers hold an `Arc<dyn Store>` chosen at start-up by [`crate::open`].
/// Methods take and return domain types; no SQL or backend type crosses this boundary.
/// Each further area has its own trait as a supertrait: [`AccountStore`] (users, tokens,
/// sessions).
#[async_trait]
pub trait Store: AccountStore + Send + Sync {
    /// Every supplier in register order: the order in which they were first created.
    async fn list_suppliers(&self) -> Result<Vec<StoredSupplier>, StoreError>;

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

    /// How many suppliers are stored.
    async fn count_suppliers(&self) -> Result<u64, StoreError>;

    /// Creates or updates every supplier of `register` by id, in one transaction: either all
    /// of them are written or, on any error, none.
    ///
    /// A new supplier goes after those already stored, in register order, with version 1. A
    /// stored supplier keeps its position; it gets the next version when it differs from the
    /// imported one and is left untouched when it is equal. Suppliers stored but absent from
    /// `register` stay as they are.
    ///
    /// `progress` is called now and then with the number of suppliers of `register` done so
    /// far, and last with their total. A supplier id given twice is a
    /// [`StoreError::Conflict`], and nothing is written.
    async fn upsert_register(
        &self,
        register: &Register,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError>;

    /// Closes the backend's connections and waits until they are closed; calls made after
    /// this fail. Call it before the process exits: dropping the store does not wait, and a
    /// `SQLite` database left with its write-ahead log makes the next open replay it.
    async fn close(&self);
}
