//! The audit trail the store keeps, written against `&dyn Store`: every write appends its
//! entries, the trail verifies, reads by subject and page, and replays to the register of any
//! past moment. Tampering needs a raw connection per backend; the cases live here as SQL both
//! backends accept, with what verification must say about each.

use std::collections::BTreeMap;

use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use vetted_core::audit::{Actor, AuditKey, BrokenReason, ChainHead, Verification, action};
use vetted_core::model::{Register, Status, Supplier};
use vetted_store::{AuditQuery, Change, Store, StoreError};

use super::{change, id, key, register, supplier};

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! audit_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::audit::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

fn by(user: &str, at: OffsetDateTime) -> Change {
    Change {
        actor: Actor::User { id: user.into() },
        at,
    }
}

fn value(s: &Supplier) -> Value {
    serde_json::to_value(s).unwrap()
}

async fn verify(store: &dyn Store, head: Option<ChainHead>) -> Verification {
    store.verify_audit(&key(), head).await.unwrap()
}

pub async fn every_write_appends_one_entry_with_the_whole_record(store: &dyn Store) {
    assert_eq!(store.audit_head().await.unwrap(), None);
    assert_eq!(
        verify(store, None).await,
        Verification::Ok {
            entries: 0,
            head: None
        }
    );

    let t0 = datetime!(2026-03-01 09:00:00.123456 UTC);
    store
        .upsert_register(
            &register([supplier("a", "A"), supplier("b", "B")]),
            &change(),
            &|_| {},
        )
        .await
        .unwrap();
    let mut a2 = supplier("a", "A2");
    a2.status = Some(Status::Active);
    store.update_supplier(&a2, 1, &by("u1", t0)).await.unwrap();
    store
        .create_supplier(&supplier("c", "C"), &by("u2", t0))
        .await
        .unwrap();
    store
        .archive_supplier(&id("b"), 1, &by("u1", t0))
        .await
        .unwrap();
    store
        .restore_supplier(&id("b"), 2, &by("u1", t0))
        .await
        .unwrap();
    // Writing nothing, or failing, appends nothing.
    store.update_supplier(&a2, 2, &by("u1", t0)).await.unwrap();
    let twice = register([supplier("d", "D"), supplier("d", "D")]);
    assert!(
        store
            .upsert_register(&twice, &change(), &|_| {})
            .await
            .is_err()
    );
    store
        .update_supplier(&supplier("a", "A3"), 1, &by("u1", t0))
        .await
        .unwrap_err();

    let entries = store.audit_entries(&AuditQuery::default()).await.unwrap();
    let summary: Vec<(u64, &str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.seq, e.action.as_str(), e.subject.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (1, action::SUPPLIER_CREATE, Some("a")),
            (2, action::SUPPLIER_CREATE, Some("b")),
            (3, action::SUPPLIER_UPDATE, Some("a")),
            (4, action::SUPPLIER_CREATE, Some("c")),
            (5, action::SUPPLIER_ARCHIVE, Some("b")),
            (6, action::SUPPLIER_RESTORE, Some("b")),
        ]
    );
    assert_eq!(entries[0].actor, Actor::System);
    assert_eq!(entries[0].at, change().at);
    assert_eq!(
        (&entries[0].before, &entries[0].after),
        (&None, &Some(value(&supplier("a", "A"))))
    );
    assert_eq!(entries[2].actor, Actor::User { id: "u1".into() });
    assert_eq!(entries[2].at, t0, "the time is kept to the microsecond");
    assert_eq!(entries[2].before, Some(value(&supplier("a", "A"))));
    assert_eq!(entries[2].after, Some(value(&a2)));
    assert_eq!(
        entries[4].before, entries[4].after,
        "archiving keeps the record"
    );

    let head = store.audit_head().await.unwrap();
    assert_eq!(head, Some(entries[5].head()));
    assert_eq!(
        verify(store, head).await,
        Verification::Ok { entries: 6, head }
    );

    // One supplier's entries, and pages.
    let of_b = store
        .audit_entries(&AuditQuery {
            subject: Some("b".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(of_b.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 5, 6]);
    let page = store
        .audit_entries(&AuditQuery {
            after_seq: Some(2),
            limit: Some(2),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(page[0], entries[2]);
}

pub async fn another_key_cannot_verify_the_trail(store: &dyn Store) {
    store
        .create_supplier(&supplier("a", "A"), &change())
        .await
        .unwrap();
    let other = AuditKey::from_bytes(&[0x01; 32]).unwrap();
    match store.verify_audit(&other, None).await {
        Err(StoreError::AuditKey(message)) => assert!(message.contains("fingerprint"), "{message}"),
        other => panic!("expected an audit key error, got {other:?}"),
    }
}

/// The register as it stood at `at`, rebuilt from the trail alone: each supplier's last entry
/// up to then, its `after` record, left out while archived; in order of first creation.
fn replay(entries: &[vetted_core::audit::AuditEntry], at: OffsetDateTime) -> Register {
    let mut order = Vec::new();
    let mut state: BTreeMap<String, (Supplier, bool)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.at <= at) {
        let subject = e.subject.clone().unwrap();
        let record: Supplier = serde_json::from_value(e.after.clone().unwrap()).unwrap();
        let archived = match e.action.as_str() {
            action::SUPPLIER_ARCHIVE => true,
            action::SUPPLIER_RESTORE | action::SUPPLIER_CREATE => false,
            _ => state.get(&subject).is_some_and(|(_, archived)| *archived),
        };
        if !state.contains_key(&subject) {
            order.push(subject.clone());
        }
        state.insert(subject, (record, archived));
    }
    Register {
        suppliers: order
            .iter()
            .filter_map(|id| {
                state
                    .get(id)
                    .filter(|(_, archived)| !archived)
                    .map(|(s, _)| s.clone())
            })
            .collect(),
    }
}

pub async fn the_trail_replays_to_the_register_of_any_moment(store: &dyn Store) {
    let start = datetime!(2026-01-01 08:00:00 UTC);
    let mut snapshots = Vec::new();
    let snapshot = async |store: &dyn Store| -> Register {
        Register {
            suppliers: store
                .list_suppliers()
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.supplier)
                .collect(),
        }
    };
    for step in 0..12_i64 {
        let at = start + Duration::hours(step);
        let who = by("u1", at);
        match step % 4 {
            0 => {
                let first = register((0..3).map(|n| supplier(&format!("s{step}-{n}"), "new")));
                store.upsert_register(&first, &who, &|_| {}).await.unwrap();
            }
            1 => {
                let s = store
                    .get_supplier(&id(&format!("s{}-0", step - 1)))
                    .await
                    .unwrap();
                let mut changed = s.supplier.clone();
                changed.name = Some(format!("renamed at {step}"));
                store
                    .update_supplier(&changed, s.version, &who)
                    .await
                    .unwrap();
            }
            2 => {
                let s = store
                    .get_supplier(&id(&format!("s{}-1", step - 2)))
                    .await
                    .unwrap();
                store
                    .archive_supplier(&s.supplier.id, s.version, &who)
                    .await
                    .unwrap();
            }
            _ => {
                if step > 3 {
                    let s = store
                        .get_supplier(&id(&format!("s{}-1", step - 7)))
                        .await
                        .unwrap();
                    store
                        .restore_supplier(&s.supplier.id, s.version, &who)
                        .await
                        .unwrap();
                }
                store
                    .create_supplier(&supplier(&format!("c{step}"), "C"), &who)
                    .await
                    .unwrap();
            }
        }
        snapshots.push((at, snapshot(store).await));
    }
    let entries = store.audit_entries(&AuditQuery::default()).await.unwrap();
    assert!(
        replay(&entries, start - Duration::seconds(1))
            .suppliers
            .is_empty()
    );
    for (at, expected) in &snapshots {
        assert_eq!(&replay(&entries, *at), expected, "the register at {at}");
        // Half an hour later nothing had changed yet.
        assert_eq!(&replay(&entries, *at + Duration::minutes(30)), expected);
    }
}

/// Builds the trail the tampering cases start from: six entries, 1 to 6.
pub async fn six_entries(store: &dyn Store) -> ChainHead {
    store
        .upsert_register(
            &register([supplier("a", "A"), supplier("b", "B")]),
            &change(),
            &|_| {},
        )
        .await
        .unwrap();
    store
        .update_supplier(&supplier("a", "A2"), 1, &change())
        .await
        .unwrap();
    store
        .update_supplier(&supplier("b", "B2"), 1, &change())
        .await
        .unwrap();
    store
        .create_supplier(&supplier("c", "C"), &change())
        .await
        .unwrap();
    store
        .archive_supplier(&id("c"), 1, &change())
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, 6);
    assert!(verify(store, Some(head)).await.is_ok());
    head
}

/// A way to tamper with the trail, in SQL both backends run, and the verdict it must get:
/// the first broken entry and why, with and without the exported head.
pub struct Tampering {
    pub name: &'static str,
    pub sql: &'static str,
    pub without_head: Option<(u64, BrokenReason)>,
    pub with_head: (u64, BrokenReason),
}

pub const TAMPERINGS: &[Tampering] = &[
    Tampering {
        name: "an edited entry",
        sql: "UPDATE audit_entries SET actor = '{\"kind\":\"user\",\"id\":\"mallory\"}' WHERE seq = 3",
        without_head: Some((3, BrokenReason::MacMismatch)),
        with_head: (3, BrokenReason::MacMismatch),
    },
    Tampering {
        name: "an edited record",
        sql: "UPDATE audit_entries SET after = replace(after, 'A2', 'A9') WHERE seq = 3",
        without_head: Some((3, BrokenReason::MacMismatch)),
        with_head: (3, BrokenReason::MacMismatch),
    },
    Tampering {
        name: "a record edited into nonsense",
        sql: "UPDATE audit_entries SET after = 'not json' WHERE seq = 4",
        without_head: Some((4, BrokenReason::MacMismatch)),
        with_head: (4, BrokenReason::MacMismatch),
    },
    Tampering {
        name: "a deleted entry",
        sql: "DELETE FROM audit_entries WHERE seq = 3",
        without_head: Some((3, BrokenReason::Deleted)),
        with_head: (3, BrokenReason::Deleted),
    },
    Tampering {
        name: "an inserted forged entry",
        sql: "INSERT INTO audit_entries (seq, at, actor, action, subject, before, after, prev, mac) \
              SELECT 7, at, actor, action, subject, before, after, mac, prev \
              FROM audit_entries WHERE seq = 6",
        without_head: Some((7, BrokenReason::MacMismatch)),
        with_head: (7, BrokenReason::MacMismatch),
    },
    Tampering {
        name: "a replayed copy of an entry",
        sql: "INSERT INTO audit_entries (seq, at, actor, action, subject, before, after, prev, mac) \
              SELECT seq, at, actor, action, subject, before, after, prev, mac \
              FROM audit_entries WHERE seq = 2",
        without_head: Some((7, BrokenReason::Inserted)),
        with_head: (7, BrokenReason::Inserted),
    },
    Tampering {
        name: "two entries reordered",
        sql: "UPDATE audit_entries SET pos = 1000000 WHERE seq = 3; \
              UPDATE audit_entries SET pos = pos - 1 WHERE seq = 4; \
              UPDATE audit_entries SET pos = (SELECT pos FROM audit_entries WHERE seq = 4) + 1 \
              WHERE seq = 3",
        without_head: Some((3, BrokenReason::Reordered)),
        with_head: (3, BrokenReason::Reordered),
    },
    Tampering {
        name: "a truncated tail",
        sql: "DELETE FROM audit_entries WHERE seq >= 5",
        without_head: None,
        with_head: (5, BrokenReason::Truncated),
    },
];

/// Checks what verification says after `case` was applied to the trail of [`six_entries`].
pub async fn assert_named(store: &dyn Store, case: &Tampering, head: ChainHead) {
    let reason = |v: &Verification| match v {
        Verification::Ok { .. } => None,
        Verification::Broken { at_seq, reason, .. } => Some((*at_seq, *reason)),
    };
    let without = verify(store, None).await;
    assert_eq!(
        reason(&without),
        case.without_head,
        "{}: {without:?}",
        case.name
    );
    let with = verify(store, Some(head)).await;
    assert_eq!(
        reason(&with),
        Some(case.with_head),
        "{}: {with:?}",
        case.name
    );
    if let Verification::Broken {
        message, at_seq, ..
    } = &with
    {
        assert!(
            message.contains(&at_seq.to_string()),
            "{}: {message}",
            case.name
        );
    }
}
