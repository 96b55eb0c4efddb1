//! The behaviour every [`Store`] backend must have, written against `&dyn Store` only.
//!
//! Each function takes a fresh, empty store; a backend's test file (`tests/sqlite.rs`,
//! `tests/postgres.rs`) runs them all through the `conformance_tests!` macro.

#[macro_use]
pub mod audit;
pub mod backup;
#[macro_use]
pub mod documents;
#[macro_use]
pub mod evaluations;
#[macro_use]
pub mod notify;
#[macro_use]
pub mod policies;
#[macro_use]
pub mod subprocessors;
#[macro_use]
pub mod writes;

use std::sync::Mutex;

use time::macros::datetime;
use vetted_core::audit::{Actor, AuditKey};
use vetted_core::model::{Register, Status, Supplier, SupplierId};
use vetted_store::{Change, ImportSummary, PlannedVersions, Store, StoreError, StoredSupplier};

use crate::synthetic;

#[macro_use]
pub mod accounts;

/// Runs every conformance test, each on a fresh store from `$fresh` (an async fn returning a
/// guard to keep alive and an `Arc<dyn Store>`).
macro_rules! conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

/// The audit key of the test stores.
pub fn key() -> AuditKey {
    AuditKey::from_bytes(&[0x5a; 32]).unwrap()
}

/// A change by the system at a fixed moment.
pub fn change() -> Change {
    Change {
        actor: Actor::System,
        at: datetime!(2026-03-01 12:00:00.5 UTC),
    }
}

pub fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

pub fn supplier(id_: &str, name: &str) -> Supplier {
    let mut s = Supplier::new(id(id_));
    s.name = Some(name.to_string());
    s
}

pub fn register(suppliers: impl IntoIterator<Item = Supplier>) -> Register {
    Register {
        suppliers: suppliers.into_iter().collect(),
    }
}

fn no_progress(_: usize) {}

pub async fn import(store: &dyn Store, register: &Register) -> ImportSummary {
    store
        .upsert_register(register, &change(), &no_progress)
        .await
        .unwrap()
}

fn summary(created: usize, updated: usize, unchanged: usize) -> ImportSummary {
    ImportSummary {
        created,
        updated,
        unchanged,
    }
}

/// `(id, version)` in list order.
pub async fn listing(store: &dyn Store) -> Vec<(String, i64)> {
    store
        .list_suppliers()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.supplier.id.to_string(), s.version))
        .collect()
}

fn pairs(items: &[(&str, i64)]) -> Vec<(String, i64)> {
    items
        .iter()
        .map(|(id, v)| ((*id).to_string(), *v))
        .collect()
}

pub async fn an_empty_store_has_no_suppliers(store: &dyn Store) {
    assert_eq!(store.count_suppliers().await.unwrap(), 0);
    assert!(store.list_suppliers().await.unwrap().is_empty());
    assert_eq!(store.find_supplier(&id("aws")).await.unwrap(), None);
    // An empty register is a valid import that does nothing.
    assert_eq!(import(store, &Register::default()).await, summary(0, 0, 0));
}

pub async fn import_creates_suppliers_in_register_order(store: &dyn Store) {
    let suppliers = [
        supplier("zeta", "Z"),
        supplier("alpha", "A"),
        supplier("mid", "M"),
    ];
    assert_eq!(
        import(store, &register(suppliers.clone())).await,
        summary(3, 0, 0)
    );

    assert_eq!(store.count_suppliers().await.unwrap(), 3);
    let listed = store.list_suppliers().await.unwrap();
    let expected: Vec<StoredSupplier> = suppliers
        .iter()
        .map(|s| StoredSupplier {
            supplier: s.clone(),
            version: 1,
            archived: false,
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        store.find_supplier(&id("alpha")).await.unwrap(),
        Some(expected[1].clone())
    );
    assert_eq!(store.get_supplier(&id("mid")).await.unwrap(), expected[2]);
}

pub async fn upsert_keeps_position_and_bumps_version_only_on_change(store: &dyn Store) {
    import(
        store,
        &register([supplier("a", "A"), supplier("b", "B"), supplier("c", "C")]),
    )
    .await;

    // Reordered, one changed, one new, one left out.
    let mut c = supplier("c", "C");
    c.status = Some(Status::Active);
    let second = register([c.clone(), supplier("d", "D"), supplier("b", "B")]);
    assert_eq!(import(store, &second).await, summary(1, 1, 1));
    assert_eq!(
        listing(store).await,
        pairs(&[("a", 1), ("b", 1), ("c", 2), ("d", 1)])
    );
    assert_eq!(store.get_supplier(&id("c")).await.unwrap().supplier, c);

    // Every change counts, even one that restores an earlier state.
    import(store, &register([supplier("c", "C")])).await;
    import(store, &register([c])).await;
    assert_eq!(store.get_supplier(&id("c")).await.unwrap().version, 4);
    assert_eq!(store.count_suppliers().await.unwrap(), 4);
}

pub async fn importing_the_same_register_again_changes_nothing(store: &dyn Store) {
    let register = synthetic::register(50, 1);
    assert_eq!(import(store, &register).await, summary(50, 0, 0));
    let before = store.list_suppliers().await.unwrap();
    assert_eq!(import(store, &register).await, summary(0, 0, 50));
    assert_eq!(store.list_suppliers().await.unwrap(), before);
}

pub async fn a_missing_supplier_is_not_found(store: &dyn Store) {
    import(store, &register([supplier("aws", "AWS")])).await;
    assert_eq!(
        store.find_supplier(&id("AWS")).await.unwrap(),
        None,
        "ids are case-sensitive"
    );
    match store.get_supplier(&id("gcp")).await {
        Err(StoreError::NotFound { what, id }) => {
            assert_eq!((what, id.as_str()), ("supplier", "gcp"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn an_id_given_twice_is_a_conflict_and_nothing_is_written(store: &dyn Store) {
    import(store, &register([supplier("a", "A")])).await;
    let twice = register([supplier("a", "A2"), supplier("b", "B"), supplier("b", "B2")]);
    match store.upsert_register(&twice, &change(), &no_progress).await {
        Err(StoreError::Conflict { what, id, .. }) => {
            assert_eq!((what, id.as_str()), ("supplier", "b"));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(listing(store).await, pairs(&[("a", 1)]));
    assert_eq!(
        store.get_supplier(&id("a")).await.unwrap().supplier,
        supplier("a", "A")
    );
}

pub async fn progress_rises_to_the_total(store: &dyn Store) {
    let seen = Mutex::new(Vec::new());
    let record = |n: usize| seen.lock().unwrap().push(n);
    store
        .upsert_register(&synthetic::register(1_234, 1), &change(), &record)
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(
        seen.len() >= 2,
        "progress is reported along the way: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1_234));
}

pub async fn a_large_import_keeps_order_and_counts(store: &dyn Store) {
    let first = synthetic::register(1_500, 1);
    assert_eq!(import(store, &first).await, summary(1_500, 0, 0));
    // Later edition of the first thousand, and new ones after the stored ones.
    let mut second = synthetic::register(1_000, 2);
    second
        .suppliers
        .extend((2_000..2_600).map(|n| synthetic::supplier(n, 1)));
    second.suppliers.reverse();
    assert_eq!(import(store, &second).await, summary(600, 1_000, 0));

    let listed = store.list_suppliers().await.unwrap();
    assert_eq!(listed.len(), 2_100);
    assert_eq!(store.count_suppliers().await.unwrap(), 2_100);
    let ids: Vec<&str> = listed.iter().map(|s| s.supplier.id.as_str()).collect();
    let mut expected: Vec<String> = (0..1_500).map(|n| format!("s{n:06}")).collect();
    expected.extend((2_000..2_600).rev().map(|n| format!("s{n:06}")));
    assert_eq!(ids, expected);
    assert!(listed[..1_000].iter().all(|s| s.version == 2));
    assert!(listed[1_000..].iter().all(|s| s.version == 1));
    assert_eq!(listed[7].supplier, synthetic::supplier(7, 2));
}

pub async fn a_full_supplier_round_trips(store: &dyn Store) {
    let aws: Supplier = serde_json::from_str(AWS).unwrap();
    import(store, &register([aws.clone()])).await;
    assert_eq!(store.get_supplier(&aws.id).await.unwrap().supplier, aws);
    assert_eq!(import(store, &register([aws])).await, summary(0, 0, 1));
}

/// An import planned against some stored versions writes only while every supplier of the
/// register is still as planned: another version, a supplier created meanwhile, or an id the
/// plan does not know is a conflict naming it, and nothing is written (no entry either).
pub async fn an_import_as_planned_writes_only_what_was_planned(store: &dyn Store) {
    import(store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    let next = register([supplier("a", "A2"), supplier("b", "B"), supplier("c", "C")]);
    let planned: PlannedVersions = [("a", Some(1)), ("b", Some(1)), ("c", None)]
        .into_iter()
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    let head = store.audit_head().await.unwrap();

    // Someone changes `a` after the plan was made.
    let a = store.get_supplier(&id("a")).await.unwrap();
    store
        .update_supplier(&supplier("a", "A by someone else"), a.version, &change())
        .await
        .unwrap();
    let head_after_edit = store.audit_head().await.unwrap();
    assert_ne!(head, head_after_edit);
    let refused = |r: Result<ImportSummary, StoreError>, expected: &str| match r {
        Err(StoreError::Conflict { what, id, .. }) => {
            assert_eq!((what, id.as_str()), ("supplier", expected));
        }
        other => panic!("expected a conflict on {expected}, got {other:?}"),
    };
    refused(
        store
            .upsert_register_as_planned(&next, &planned, &change(), &no_progress)
            .await,
        "a",
    );
    // Someone creates `c`, which the plan saw as new.
    let mut replanned = planned.clone();
    replanned.insert("a".into(), Some(2));
    store
        .create_supplier(&supplier("c", "C by someone else"), &change())
        .await
        .unwrap();
    refused(
        store
            .upsert_register_as_planned(&next, &replanned, &change(), &no_progress)
            .await,
        "c",
    );
    // An id the plan does not know.
    replanned.insert("c".into(), Some(1));
    let mut more = next.clone();
    more.suppliers.push(supplier("d", "D"));
    refused(
        store
            .upsert_register_as_planned(&more, &replanned, &change(), &no_progress)
            .await,
        "d",
    );
    assert_eq!(listing(store).await, pairs(&[("a", 2), ("b", 1), ("c", 1)]));
    let head_before_import = store.audit_head().await.unwrap();

    // As planned: written like any import.
    let done = store
        .upsert_register_as_planned(&next, &replanned, &change(), &no_progress)
        .await
        .unwrap();
    assert_eq!(done, summary(0, 2, 1));
    assert_eq!(listing(store).await, pairs(&[("a", 3), ("b", 1), ("c", 2)]));
    assert_ne!(store.audit_head().await.unwrap(), head_before_import);
}

/// All or nothing: the store must make writing `poisoned` fail (a backend-specific trigger);
/// an import that fails on it, after other rows of the same transaction were written, leaves
/// the store exactly as it was.
pub async fn a_failed_import_writes_nothing(store: &dyn Store, poisoned: &SupplierId) {
    import(store, &synthetic::register(10, 1)).await;
    let before = store.list_suppliers().await.unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.map(|h| h.seq), Some(10));

    // Updates first, then more new suppliers than one batch holds, the poisoned one last.
    let mut doomed = synthetic::register(10, 2);
    doomed
        .suppliers
        .extend((10..1_600).map(|n| synthetic::supplier(n, 1)));
    doomed.suppliers.push(Supplier::new(poisoned.clone()));
    let seen = Mutex::new(0);
    let record = |n: usize| *seen.lock().unwrap() = n;
    let result = store.upsert_register(&doomed, &change(), &record).await;
    assert!(
        result.is_err(),
        "the poisoned supplier must fail the import: {result:?}"
    );
    assert!(
        *seen.lock().unwrap() > 0,
        "the failure came after earlier batches were written"
    );

    assert_eq!(store.count_suppliers().await.unwrap(), 10);
    let versions: Vec<(String, i64)> = (0..10).map(|n| (format!("s{n:06}"), 1)).collect();
    assert_eq!(listing(store).await, versions);
    assert!(
        store.list_suppliers().await.unwrap() == before,
        "stored documents changed"
    );
    assert_eq!(store.find_supplier(poisoned).await.unwrap(), None);
    assert_eq!(
        store.audit_head().await.unwrap(),
        head,
        "no audit entry of the failed import"
    );

    // The store still works afterwards.
    assert_eq!(
        import(store, &synthetic::register(11, 1)).await,
        summary(1, 0, 10)
    );
}

/// The example of `shared/spec/register-format.md`.
const AWS: &str = r#"{
  "id": "aws", "name": "Amazon Web Services EMEA SARL", "category": "cloud_infrastructure",
  "services": ["Production hosting: EKS, RDS and S3 in eu-central-1"], "status": "active",
  "owner": "cto@example.eu", "website": "https://aws.amazon.com",
  "data": {"personal_data": true, "customer_data": true, "confidential": true,
           "production_dependency": true,
           "categories": ["customer conversations", "end-user contact details"]},
  "locations": [
    {"country": "DE", "region": "eu-central-1", "purpose": "storage"},
    {"country": "DE", "region": "eu-central-1", "purpose": "processing"},
    {"country": "US", "purpose": "access", "note": "follow-the-sun support", "mechanism": "scc"}
  ],
  "inference": {"provides": false},
  "assurance": [
    {"kind": "iso27001", "issuer": "EY CertifyPoint", "scope": "AWS services in scope list",
     "valid_from": "2025-11-01", "valid_until": "2028-10-31", "covers_service": true},
    {"kind": "soc2_type2", "issuer": "Ernst & Young LLP", "period_start": "2025-04-01",
     "period_end": "2026-03-31", "exceptions": ["CC6.1: two terminated users kept access"],
     "exceptions_acknowledged": false},
    {"kind": "questionnaire", "completed": "2026-02-01",
     "compensating_controls": ["customer-managed KMS keys"]}
  ],
  "agreements": [
    {"kind": "dpa", "title": "AWS GDPR DPA", "signed": "2025-01-10", "expires": null,
     "terminated": null, "gdpr_art28": true,
     "clauses": {
       "data_protection_confidentiality": {}, "incident_notification": {"hours": 48},
       "security_sla": {"availability": 99.95, "critical_patch_hours": 48}, "audit_right": {},
       "subcontractors": {"notice_days": 30},
       "bcdr": {"backup_frequency": "daily", "backup_location": "DE"},
       "exit": {"deletion_days": 30}, "no_training": {}
     }}
  ],
  "risk": {"business_impact": "high", "data_access": "customer", "replaceability": "hard"},
  "assessments": [{"date": "2025-01-05", "assessor": "ciso@example.eu", "outcome": "approved", "notes": ""}],
  "reviews": [{"date": "2025-12-01", "reviewer": "ciso@example.eu", "trigger": "scheduled",
               "outcome": "pass", "checks": ["assurance", "dpa", "residency", "risk"], "notes": ""}],
  "events": [{"date": "2026-03-02", "kind": "incident", "summary": "Regional S3 outage, 3 h"}],
  "risks": [{"id": "R-12", "title": "Support access from the US", "status": "open",
             "treatment": "remediate", "owner": "ciso@example.eu", "due": "2026-06-30"}],
  "subprocessors": {"known": true, "list": [
    {"name": "Amazon Web Services, Inc.", "purpose": "support", "countries": ["US"]}]},
  "public_listing": {"listed": true, "purpose": "Cloud hosting", "since": "2025-02-01"}
}"#;
