//! The backend-independent half of the single-supplier writes (create, update, archive,
//! restore): given the row read under the writers' lock, decide whether to write, what, and
//! which audit entry records it. Backends read the row, write the decision and own the
//! transaction.

use serde_json::Value;
use vetted_core::audit::{NewEntry, action};
use vetted_core::model::{Category, Status, Supplier};

use crate::error::context;
use crate::store::Change;
use crate::{StoreError, StoredSupplier, decode, trail};

/// The stored row of the supplier being written.
pub(crate) struct Current {
    pub version: i64,
    pub archived: bool,
    pub doc: String,
}

impl Current {
    pub fn decode(&self, id: &str) -> Result<StoredSupplier, StoreError> {
        let mut stored = decode::stored_supplier(id, self.version, &self.doc)?;
        stored.archived = self.archived;
        Ok(stored)
    }
}

/// The row to write: the supplier's next version and its projection columns.
pub(crate) struct Row<'a> {
    pub id: &'a str,
    pub version: i64,
    pub archived: bool,
    pub doc: String,
    pub name: Option<&'a str>,
    pub category: Option<&'static str>,
    pub status: Option<&'static str>,
}

impl<'a> Row<'a> {
    fn of(supplier: &'a Supplier, version: i64, archived: bool) -> Result<Row<'a>, StoreError> {
        Ok(Row {
            id: supplier.id.as_str(),
            version,
            archived,
            doc: encode(supplier)?,
            name: supplier.name.as_deref(),
            category: supplier.category.map(Category::as_str),
            status: supplier.status.map(Status::as_str),
        })
    }
}

/// What a write comes to.
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per write, moved once: boxing would buy nothing"
)]
pub(crate) enum Decision<'a> {
    /// Nothing to write; the stored supplier is the answer.
    Unchanged(StoredSupplier),
    /// Write `row` with `entry` and answer `result`.
    Write {
        row: Row<'a>,
        entry: NewEntry,
        result: StoredSupplier,
    },
}

fn encode(supplier: &Supplier) -> Result<String, StoreError> {
    serde_json::to_string(supplier).map_err(context(format!("encoding supplier `{}`", supplier.id)))
}

fn value(supplier: &Supplier) -> Result<Value, StoreError> {
    serde_json::to_value(supplier).map_err(context(format!("encoding supplier `{}`", supplier.id)))
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: "supplier",
        id: id.to_string(),
    }
}

/// The stored supplier at `expected_version`, or the error to answer.
fn at_version(
    id: &str,
    current: Option<&Current>,
    expected: i64,
) -> Result<StoredSupplier, StoreError> {
    let current = current.ok_or_else(|| not_found(id))?;
    let stored = current.decode(id)?;
    if current.version != expected {
        return Err(StoreError::Stale {
            current: Box::new(stored),
        });
    }
    Ok(stored)
}

pub(crate) fn create<'a>(
    supplier: &'a Supplier,
    exists: bool,
    change: &Change,
) -> Result<Decision<'a>, StoreError> {
    if exists {
        return Err(StoreError::Conflict {
            what: "supplier",
            id: supplier.id.to_string(),
            reason: "already exists (perhaps archived)".to_string(),
        });
    }
    let entry = trail::supplier_entry(
        change,
        action::SUPPLIER_CREATE,
        supplier.id.as_str(),
        None,
        Some(value(supplier)?),
    );
    Ok(Decision::Write {
        row: Row::of(supplier, 1, false)?,
        entry,
        result: StoredSupplier {
            supplier: supplier.clone(),
            version: 1,
            archived: false,
        },
    })
}

pub(crate) fn update<'a>(
    supplier: &'a Supplier,
    current: Option<&Current>,
    expected: i64,
    change: &Change,
) -> Result<Decision<'a>, StoreError> {
    let id = supplier.id.as_str();
    let stored = at_version(id, current, expected)?;
    if stored.supplier == *supplier {
        return Ok(Decision::Unchanged(stored));
    }
    let entry = trail::supplier_entry(
        change,
        action::SUPPLIER_UPDATE,
        id,
        Some(value(&stored.supplier)?),
        Some(value(supplier)?),
    );
    Ok(Decision::Write {
        row: Row::of(supplier, expected + 1, stored.archived)?,
        entry,
        result: StoredSupplier {
            supplier: supplier.clone(),
            version: expected + 1,
            archived: stored.archived,
        },
    })
}

/// Refuses a batch of updates that names a supplier twice (its versions would contradict).
pub(crate) fn distinct(updates: &[(Supplier, i64)]) -> Result<(), StoreError> {
    for (i, (s, _)) in updates.iter().enumerate() {
        if updates[..i].iter().any(|(t, _)| t.id == s.id) {
            return Err(StoreError::Conflict {
                what: "supplier",
                id: s.id.to_string(),
                reason: "given twice in one write".to_string(),
            });
        }
    }
    Ok(())
}

/// Archives (`archive`) or restores (`!archive`) the stored supplier. The row borrows nothing
/// from the caller, so the decision owns the supplier it writes.
pub(crate) fn set_archived(
    id: &str,
    current: Option<&Current>,
    expected: i64,
    archive: bool,
    change: &Change,
) -> Result<(StoredSupplier, Option<NewEntry>), StoreError> {
    let stored = at_version(id, current, expected)?;
    if stored.archived == archive {
        return Ok((stored, None));
    }
    let record = value(&stored.supplier)?;
    let action = if archive {
        action::SUPPLIER_ARCHIVE
    } else {
        action::SUPPLIER_RESTORE
    };
    let entry = trail::supplier_entry(change, action, id, Some(record.clone()), Some(record));
    Ok((
        StoredSupplier {
            version: expected + 1,
            archived: archive,
            ..stored
        },
        Some(entry),
    ))
}
