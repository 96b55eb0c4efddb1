//! The register as it was recorded at a past moment, rebuilt from the audit trail alone.
//!
//! Every change to a supplier is sealed into the trail with the whole record before and after
//! (`supplier.create`, `supplier.update`, `supplier.archive`, `supplier.restore`), and every
//! policy upload with its text (`policy.upload`). Folding the entries recorded at or before a
//! moment, in the trail's order, gives the register and the policy text as they stood then:
//! the suppliers not archived, in the order they were first created (the register's order),
//! each as its last recorded `after`. Nothing of today's data is used, so a record changed or
//! archived since shows as it was.
//!
//! Pure: [`RegisterAt`] takes entries one by one (a caller pages through the trail) and makes
//! the register at the end.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::{AuditEntry, action};
use crate::model::{Register, Supplier};

/// One supplier as last recorded.
#[derive(Clone, Debug)]
struct Recorded {
    /// The seq of its first entry: its place in the register.
    first: u64,
    record: Value,
    archived: bool,
    /// Its changes recorded by then (the store's version counts them the same way).
    version: i64,
    /// When the last of them was recorded.
    updated: OffsetDateTime,
}

/// One supplier as recorded at the moment, archived or not (see [`RegisterAt::records`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedSupplier {
    /// Its last recorded `after`.
    pub supplier: Supplier,
    /// Archived then (out of the register).
    pub archived: bool,
    /// The version it had then: one per change recorded by then.
    pub version: i64,
    /// When its last change by then was recorded.
    pub updated: OffsetDateTime,
}

/// The register and policy text at `at`, folded from the trail's entries.
#[derive(Clone, Debug)]
pub struct RegisterAt {
    at: OffsetDateTime,
    suppliers: HashMap<String, Recorded>,
    policy: Option<(u64, String)>,
    /// Entries folded (recorded at or before `at`).
    folded: u64,
    /// The last entry folded.
    last_seq: u64,
}

/// Why the trail cannot be folded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryError {
    pub seq: u64,
    pub message: String,
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit entry {}: {}", self.seq, self.message)
    }
}

impl std::error::Error for HistoryError {}

impl RegisterAt {
    /// An empty fold for the moment `at`.
    pub fn new(at: OffsetDateTime) -> RegisterAt {
        RegisterAt {
            at,
            suppliers: HashMap::new(),
            policy: None,
            folded: 0,
            last_seq: 0,
        }
    }

    /// The moment it rebuilds.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// Takes the next entry of the trail (in `seq` order); entries recorded after `at` are
    /// passed over.
    ///
    /// # Errors
    /// A supplier entry without the record it must carry.
    pub fn add(&mut self, entry: &AuditEntry) -> Result<(), HistoryError> {
        if entry.at > self.at {
            return Ok(());
        }
        self.folded += 1;
        self.last_seq = self.last_seq.max(entry.seq);
        let missing = |what: &str| HistoryError {
            seq: entry.seq,
            message: format!("`{}` without {what}", entry.action),
        };
        match entry.action.as_str() {
            action::SUPPLIER_CREATE
            | action::SUPPLIER_UPDATE
            | action::SUPPLIER_ARCHIVE
            | action::SUPPLIER_RESTORE => {
                let id = entry.subject.clone().ok_or_else(|| missing("a subject"))?;
                let record = entry.after.clone().ok_or_else(|| missing("a record"))?;
                let archived = match entry.action.as_str() {
                    action::SUPPLIER_ARCHIVE => true,
                    action::SUPPLIER_RESTORE => false,
                    _ => self.suppliers.get(&id).is_some_and(|r| r.archived),
                };
                let (first, version) = self
                    .suppliers
                    .get(&id)
                    .map_or((entry.seq, 0), |r| (r.first, r.version));
                self.suppliers.insert(
                    id,
                    Recorded {
                        first,
                        record,
                        archived,
                        version: version + 1,
                        updated: entry.at,
                    },
                );
            }
            action::POLICY_UPLOAD => {
                let toml = entry
                    .after
                    .as_ref()
                    .and_then(|a| a.get("toml"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| missing("the policy's text"))?;
                let number = entry
                    .after
                    .as_ref()
                    .and_then(|a| a.get("number"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                self.policy = Some((number, toml.to_string()));
            }
            _ => {}
        }
        Ok(())
    }

    /// How many entries were recorded at or before the moment, and the last one's seq.
    pub fn folded(&self) -> (u64, u64) {
        (self.folded, self.last_seq)
    }

    /// The policy version in force then (its number and text), if one had been uploaded.
    pub fn policy(&self) -> Option<(u64, &str)> {
        self.policy.as_ref().map(|(n, t)| (*n, t.as_str()))
    }

    /// The register then: the suppliers not archived, in the order they were first created.
    ///
    /// # Errors
    /// A record that is not a supplier as Vetted writes them.
    pub fn register(&self) -> Result<Register, HistoryError> {
        let mut rows: Vec<&Recorded> = self.suppliers.values().filter(|r| !r.archived).collect();
        rows.sort_by_key(|r| r.first);
        let suppliers = rows
            .into_iter()
            .map(|r| {
                serde_json::from_value::<Supplier>(r.record.clone()).map_err(|e| HistoryError {
                    seq: r.first,
                    message: format!("a recorded supplier cannot be read: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Register { suppliers })
    }

    /// Every supplier ever recorded by then, archived ones included, as
    /// `(supplier, archived)` in register order.
    ///
    /// # Errors
    /// A record that is not a supplier as Vetted writes them.
    pub fn all(&self) -> Result<Vec<(Supplier, bool)>, HistoryError> {
        Ok(self
            .records()?
            .into_iter()
            .map(|r| (r.supplier, r.archived))
            .collect())
    }

    /// Every supplier ever recorded by then, archived ones included, with its version and
    /// last change then, in register order (the order of first creation).
    ///
    /// # Errors
    /// A record that is not a supplier as Vetted writes them.
    pub fn records(&self) -> Result<Vec<RecordedSupplier>, HistoryError> {
        let mut rows: Vec<&Recorded> = self.suppliers.values().collect();
        rows.sort_by_key(|r| r.first);
        rows.into_iter()
            .map(|r| {
                serde_json::from_value::<Supplier>(r.record.clone())
                    .map(|supplier| RecordedSupplier {
                        supplier,
                        archived: r.archived,
                        version: r.version,
                        updated: r.updated,
                    })
                    .map_err(|e| HistoryError {
                        seq: r.first,
                        message: format!("a recorded supplier cannot be read: {e}"),
                    })
            })
            .collect()
    }
}

/// Parses `--at`/`?at=`: an RFC 3339 time (`2026-03-01T12:00:00Z`), or a date, meaning the end
/// of that day in UTC (everything recorded that day counts).
pub fn parse_at(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    crate::date::parse_date(s).map(end_of_day)
}

/// The last moment of day `d`, UTC: what a date means as `at`.
pub fn end_of_day(d: time::Date) -> OffsetDateTime {
    d.with_hms_nano(23, 59, 59, 999_999_999)
        .unwrap_or_else(|_| d.midnight())
        .assume_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, Digest};
    use serde_json::json;
    use time::macros::datetime;

    fn entry(
        seq: u64,
        at: OffsetDateTime,
        action: &str,
        subject: &str,
        after: Value,
    ) -> AuditEntry {
        AuditEntry {
            seq,
            at,
            actor: Actor::System,
            action: action.into(),
            subject: Some(subject.into()),
            before: None,
            after: Some(after),
            prev: Digest::ZERO,
            mac: Digest::ZERO,
        }
    }

    #[test]
    fn folds_creates_updates_archives_and_restores_up_to_the_moment() {
        let trail = [
            entry(
                1,
                datetime!(2026-01-01 9:00 UTC),
                action::SUPPLIER_CREATE,
                "b",
                json!({"id": "b", "name": "B1"}),
            ),
            entry(
                2,
                datetime!(2026-01-02 9:00 UTC),
                action::SUPPLIER_CREATE,
                "a",
                json!({"id": "a", "name": "A1"}),
            ),
            entry(
                3,
                datetime!(2026-02-01 9:00 UTC),
                action::SUPPLIER_UPDATE,
                "b",
                json!({"id": "b", "name": "B2"}),
            ),
            entry(
                4,
                datetime!(2026-03-01 9:00 UTC),
                action::SUPPLIER_ARCHIVE,
                "a",
                json!({"id": "a", "name": "A1"}),
            ),
            entry(
                5,
                datetime!(2026-04-01 9:00 UTC),
                action::SUPPLIER_RESTORE,
                "a",
                json!({"id": "a", "name": "A1"}),
            ),
            entry(
                6,
                datetime!(2026-04-02 9:00 UTC),
                action::POLICY_UPLOAD,
                "",
                json!({"number": 2, "toml": "x"}),
            ),
        ];
        let names = |at: OffsetDateTime| {
            let mut f = RegisterAt::new(at);
            for e in &trail {
                f.add(e).unwrap();
            }
            let r = f.register().unwrap();
            (
                r.suppliers
                    .iter()
                    .map(|s| s.name.clone().unwrap())
                    .collect::<Vec<_>>(),
                f.policy().map(|(n, _)| n),
            )
        };
        assert_eq!(names(datetime!(2025-12-31 0:00 UTC)), (vec![], None));
        assert_eq!(
            names(datetime!(2026-01-15 0:00 UTC)),
            (vec!["B1".into(), "A1".into()], None)
        );
        assert_eq!(
            names(datetime!(2026-02-01 9:00 UTC)),
            (vec!["B2".into(), "A1".into()], None),
            "at the moment itself"
        );
        assert_eq!(
            names(datetime!(2026-03-15 0:00 UTC)),
            (vec!["B2".into()], None)
        );
        assert_eq!(
            names(datetime!(2026-05-01 0:00 UTC)),
            (vec!["B2".into(), "A1".into()], Some(2))
        );
    }

    #[test]
    fn records_carry_the_version_and_last_change_then() {
        let trail = [
            entry(
                1,
                datetime!(2026-01-01 9:00 UTC),
                action::SUPPLIER_CREATE,
                "a",
                json!({"id": "a"}),
            ),
            entry(
                2,
                datetime!(2026-01-02 9:00 UTC),
                action::SUPPLIER_CREATE,
                "b",
                json!({"id": "b"}),
            ),
            entry(
                3,
                datetime!(2026-02-01 9:00 UTC),
                action::SUPPLIER_UPDATE,
                "a",
                json!({"id": "a", "name": "A"}),
            ),
            entry(
                4,
                datetime!(2026-03-01 9:00 UTC),
                action::SUPPLIER_ARCHIVE,
                "a",
                json!({"id": "a", "name": "A"}),
            ),
        ];
        let at = |t: OffsetDateTime| {
            let mut f = RegisterAt::new(t);
            for e in &trail {
                f.add(e).unwrap();
            }
            f.records()
                .unwrap()
                .into_iter()
                .map(|r| (r.supplier.id.to_string(), r.version, r.archived, r.updated))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            at(datetime!(2026-02-15 0:00 UTC)),
            [
                ("a".into(), 2, false, datetime!(2026-02-01 9:00 UTC)),
                ("b".into(), 1, false, datetime!(2026-01-02 9:00 UTC)),
            ]
        );
        assert_eq!(
            at(datetime!(2026-03-01 9:00 UTC))[0],
            ("a".into(), 3, true, datetime!(2026-03-01 9:00 UTC))
        );
    }

    #[test]
    fn at_takes_a_time_or_the_end_of_a_day() {
        assert_eq!(
            parse_at("2026-03-01T12:00:00Z"),
            Some(datetime!(2026-03-01 12:00 UTC))
        );
        assert_eq!(
            parse_at("2026-03-01"),
            Some(datetime!(2026-03-01 23:59:59.999_999_999 UTC))
        );
        assert_eq!(parse_at("2026-02-30"), None);
        assert_eq!(parse_at("yesterday"), None);
    }
}
