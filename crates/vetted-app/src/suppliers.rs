//! Changing one supplier under the version its editor read: the read-modify-write that the
//! REST API's nested-record writes and the browser's forms share, so both have one write path
//! (one versioned [`Store::update_supplier`], one audit entry by the caller's [`Change`]).

use vetted_core::model::{Supplier, SupplierId};
use vetted_store::{Change, Store, StoreError, StoredSupplier};

/// Reads supplier `id`, refuses it with [`StoreError::Stale`] (carrying the supplier as stored
/// now) unless it is still at `expected`, the version the caller read (indexes the caller
/// names are those of that version), lets `edit` change it, and stores the result as the next
/// version with one audit entry by `change`. `edit`'s own error stops it before anything is
/// written. An edit that changes nothing writes nothing and returns the stored supplier.
pub async fn edit_supplier<T, E>(
    store: &dyn Store,
    id: &SupplierId,
    expected: i64,
    change: &Change,
    edit: impl FnOnce(&mut Supplier) -> Result<T, E>,
) -> Result<(StoredSupplier, T), E>
where
    E: From<StoreError>,
{
    let mut stored = store.get_supplier(id).await?;
    if stored.version != expected {
        return Err(StoreError::Stale {
            current: Box::new(stored),
        }
        .into());
    }
    let out = edit(&mut stored.supplier)?;
    let stored = store
        .update_supplier(&stored.supplier, expected, change)
        .await?;
    Ok((stored, out))
}
