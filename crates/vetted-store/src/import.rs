//! The backend-independent half of [`Store::upsert_register`](crate::Store::upsert_register):
//! encoding each supplier as its JSON document and deciding, against what is stored, which
//! rows to create, which to update and which to leave alone. Backends load the stored rows,
//! write the planned ones in batches and own the transaction.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use vetted_core::audit::{NewEntry, action};
use vetted_core::model::{Category, Register, Status, Supplier};

use crate::error::context;
use crate::store::{Change, PlannedVersions};
use crate::{ImportSummary, StoreError, trail};

/// A supplier of the register with its JSON document.
pub(crate) struct Incoming<'a> {
    pub supplier: &'a Supplier,
    pub doc: String,
}

/// Encodes every supplier; an id given twice is a conflict, found before anything is written.
pub(crate) fn encode(register: &Register) -> Result<Vec<Incoming<'_>>, StoreError> {
    let mut seen = HashSet::with_capacity(register.suppliers.len());
    register
        .suppliers
        .iter()
        .map(|supplier| {
            if !seen.insert(supplier.id.as_str()) {
                return Err(StoreError::Conflict {
                    what: "supplier",
                    id: supplier.id.to_string(),
                    reason: "appears more than once in the register".to_string(),
                });
            }
            let doc = serde_json::to_string(supplier)
                .map_err(context(format!("encoding supplier `{}`", supplier.id)))?;
            Ok(Incoming { supplier, doc })
        })
        .collect()
}

/// A stored supplier row, as much of it as planning needs.
pub(crate) struct Existing {
    pub version: i64,
    pub position: i64,
    pub doc: String,
}

/// One row to write: a new supplier, or the next version of a stored one.
pub(crate) struct Write<'a> {
    pub supplier: &'a Supplier,
    /// The stored document this row replaces; `None` for a new supplier.
    pub before: Option<String>,
    pub id: &'a str,
    pub position: i64,
    pub version: i64,
    pub doc: String,
    pub name: Option<&'a str>,
    pub category: Option<&'static str>,
    pub status: Option<&'static str>,
    /// How many suppliers of the register are done once this row is written.
    pub done: usize,
}

/// The rows to write, in register order, and the summary they add up to.
pub(crate) struct Plan<'a> {
    pub writes: Vec<Write<'a>>,
    pub summary: ImportSummary,
}

/// Decides what to write. `existing` holds the stored rows of the register's ids (others may
/// be absent); new suppliers take positions from `next_position` on, in register order.
pub(crate) fn plan<'a>(
    incoming: Vec<Incoming<'a>>,
    existing: &HashMap<String, Existing>,
    next_position: i64,
) -> Plan<'a> {
    let mut summary = ImportSummary::default();
    let mut writes = Vec::new();
    let mut next_position = next_position;
    for (index, Incoming { supplier, doc }) in incoming.into_iter().enumerate() {
        let (position, version, before) = match existing.get(supplier.id.as_str()) {
            Some(stored) if same(stored, supplier, &doc) => {
                summary.unchanged += 1;
                continue;
            }
            Some(stored) => {
                summary.updated += 1;
                (
                    stored.position,
                    stored.version + 1,
                    Some(stored.doc.clone()),
                )
            }
            None => {
                summary.created += 1;
                next_position += 1;
                (next_position - 1, 1, None)
            }
        };
        writes.push(Write {
            supplier,
            before,
            id: supplier.id.as_str(),
            position,
            version,
            doc,
            name: supplier.name.as_deref(),
            category: supplier.category.map(Category::as_str),
            status: supplier.status.map(Status::as_str),
            done: index + 1,
        });
    }
    Plan { writes, summary }
}

/// Refuses the import when a supplier of `incoming` is not stored as `planned` says: the
/// version it had when the import was planned, or not stored then.
pub(crate) fn check_planned(
    incoming: &[Incoming<'_>],
    existing: &HashMap<String, Existing>,
    planned: &PlannedVersions,
) -> Result<(), StoreError> {
    for Incoming { supplier, .. } in incoming {
        let id = supplier.id.as_str();
        let now = existing.get(id).map(|e| e.version);
        let reason = match planned.get(id) {
            Some(then) if *then == now => continue,
            None => "was not part of the planned import; nothing was imported".to_string(),
            Some(then) => format!(
                "changed since the import was planned ({} then, {} now); nothing was imported",
                describe(*then),
                describe(now)
            ),
        };
        return Err(StoreError::Conflict {
            what: "supplier",
            id: id.to_string(),
            reason,
        });
    }
    Ok(())
}

fn describe(version: Option<i64>) -> String {
    version.map_or_else(|| "not stored".to_string(), |v| format!("version {v}"))
}

/// The audit entry recording `write`: `supplier.create`, or `supplier.update` with the record
/// it replaces.
pub(crate) fn entry(write: &Write<'_>, change: &Change) -> Result<NewEntry, StoreError> {
    let before = write
        .before
        .as_deref()
        .map(serde_json::from_str::<Value>)
        .transpose()
        .map_err(context(format!("decoding stored supplier `{}`", write.id)))?;
    let after = serde_json::to_value(write.supplier)
        .map_err(context(format!("encoding supplier `{}`", write.id)))?;
    let action = if before.is_some() {
        action::SUPPLIER_UPDATE
    } else {
        action::SUPPLIER_CREATE
    };
    Ok(trail::supplier_entry(
        change,
        action,
        write.id,
        before,
        Some(after),
    ))
}

/// The error when a batch wrote fewer rows than planned: some stored version moved under the
/// import. Names the first written supplier whose stored version is not the planned one.
pub(crate) fn stale_write<'a>(
    planned: impl IntoIterator<Item = (&'a str, i64)> + Clone,
    stored: &HashMap<String, i64>,
) -> StoreError {
    let id = planned
        .clone()
        .into_iter()
        .find(|(id, version)| stored.get(*id) != Some(version))
        .or_else(|| planned.into_iter().next())
        .map_or_else(String::new, |(id, _)| id.to_string());
    StoreError::Conflict {
        what: "supplier",
        id,
        reason: "was changed by someone else during the import; nothing was imported".into(),
    }
}

/// Whether the stored row holds this supplier. Equal documents are the fast answer; a document
/// written by an earlier version of Vetted may differ in form only, so a differing one is
/// decoded and compared as a supplier (one that no longer decodes counts as different).
fn same(stored: &Existing, supplier: &Supplier, doc: &str) -> bool {
    stored.doc == doc || serde_json::from_str::<Supplier>(&stored.doc).is_ok_and(|s| s == *supplier)
}

#[cfg(test)]
mod tests {
    use vetted_core::model::SupplierId;

    use super::*;

    fn supplier(id: &str, name: &str) -> Supplier {
        let mut s = Supplier::new(SupplierId::parse(id).unwrap());
        s.name = Some(name.to_string());
        s.status = Some(Status::Active);
        s
    }

    fn stored(position: i64, version: i64, doc: &str) -> Existing {
        Existing {
            version,
            position,
            doc: doc.to_string(),
        }
    }

    #[test]
    fn new_suppliers_follow_the_stored_ones_and_changed_ones_keep_their_place() {
        let register = Register {
            suppliers: vec![
                supplier("b", "B2"),
                supplier("new", "N"),
                supplier("a", "A"),
            ],
        };
        let existing = HashMap::from([
            (
                "a".to_string(),
                stored(1, 3, r#"{"id":"a","name":"A","status":"active"}"#),
            ),
            ("b".to_string(), stored(2, 1, r#"{"id":"b","name":"B"}"#)),
        ]);
        let plan = plan(encode(&register).unwrap(), &existing, 3);
        assert_eq!(
            plan.summary,
            ImportSummary {
                created: 1,
                updated: 1,
                unchanged: 1
            }
        );
        let rows: Vec<_> = plan
            .writes
            .iter()
            .map(|w| (w.id, w.position, w.version, w.done, w.status))
            .collect();
        assert_eq!(
            rows,
            [
                ("b", 2, 2, 1, Some("active")),
                ("new", 3, 1, 2, Some("active"))
            ]
        );
    }

    #[test]
    fn a_document_equal_in_substance_is_unchanged() {
        let register = Register {
            suppliers: vec![supplier("a", "A")],
        };
        // Key order and an explicit default differ from what Vetted writes today.
        let existing = HashMap::from([(
            "a".to_string(),
            stored(
                1,
                1,
                r#"{"status":"active","name":"A","id":"a","services":[]}"#,
            ),
        )]);
        let plan = plan(encode(&register).unwrap(), &existing, 2);
        assert_eq!(plan.summary.unchanged, 1);
        assert!(plan.writes.is_empty());
    }

    #[test]
    fn an_id_given_twice_is_a_conflict() {
        let register = Register {
            suppliers: vec![supplier("a", "A"), supplier("b", "B"), supplier("a", "A2")],
        };
        let Err(StoreError::Conflict { what, id, .. }) = encode(&register) else {
            panic!("expected a conflict");
        };
        assert_eq!((what, id.as_str()), ("supplier", "a"));
    }
}
