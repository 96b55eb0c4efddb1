//! Backup and restore, written against `&dyn Store`: a database with every kind of row is
//! backed up, restored into another fresh database of the same backend, and compared; the
//! audit trail still verifies. Each backend's test file calls these with two fresh stores.

use std::path::Path;

use time::macros::date;
use time::{Duration, OffsetDateTime};
use vetted_core::country::Country;
use vetted_core::model::{DocumentHash, MediaType};
use vetted_core::publication::{
    NewVersion, ObjectionOutcome, ObjectionVia, PublicEntry, Resolution,
};
use vetted_core::role::Role;
use vetted_store::accounts::{FailureScope, NewSession, NewToken, NewUser};
use vetted_store::subprocessors::NewObjection;
use vetted_store::{AuditQuery, Store, StoreError};

use super::{change, id, key, register, supplier};

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap()
}

/// Fills `store` with suppliers (one updated, one archived), policy versions, a user with a
/// token and a session, a login failure, a setup token, a document, a version of the
/// subprocessor list with a resolved objection, a subscriber, a rate event and an instance
/// secret.
pub async fn fill(store: &dyn Store) {
    super::import(store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    let a = store.get_supplier(&id("a")).await.unwrap();
    store
        .update_supplier(&supplier("a", "A renamed"), a.version, &change())
        .await
        .unwrap();
    store
        .archive_supplier(&id("b"), 1, &change())
        .await
        .unwrap();
    store
        .add_policy_version("name = \"one\"", &change())
        .await
        .unwrap();
    store
        .add_policy_version("name = \"two\"", &change())
        .await
        .unwrap();
    store
        .create_user(
            &NewUser {
                id: "u1".into(),
                email: "ann@example.org".into(),
                role: Role::Admin,
                password_hash: "$argon2id$fake".into(),
                now: t0(),
            },
            &change(),
        )
        .await
        .unwrap();
    store
        .create_token(
            &NewToken {
                id: "t1".into(),
                user_id: "u1".into(),
                name: "ci".into(),
                token_hash: "ab".repeat(32),
                now: t0(),
                expires_at: None,
            },
            &change(),
        )
        .await
        .unwrap();
    store
        .create_session(&NewSession {
            id: "s1".into(),
            secret_hash: "cd".repeat(32),
            user_id: "u1".into(),
            csrf_token: "csrf".into(),
            now: t0(),
            expires_at: t0() + Duration::hours(12),
        })
        .await
        .unwrap();
    store
        .record_login_failure(FailureScope::Account, "ann@example.org", t0())
        .await
        .unwrap();
    store
        .create_setup_token(&"ef".repeat(32), t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    store
        .put_document(&document(), MediaType::Pdf, &change())
        .await
        .unwrap();
    store
        .publish_list_version(
            &NewVersion {
                number: 1,
                effective: date!(2026 - 04 - 01),
                notice_days: 30,
                note: Some("First list".into()),
                entries: vec![PublicEntry {
                    supplier: "a".into(),
                    name: "A renamed".into(),
                    purpose: Some("Hosting".into()),
                    processing: vec![Country::parse("DE").unwrap()],
                    storage: vec![Country::parse("DE").unwrap()],
                    data_categories: vec!["contact details".into()],
                    since: Some(date!(2025 - 01 - 01)),
                }],
            },
            &change(),
        )
        .await
        .unwrap();
    let subscriber = store.subscribe("Ann@Example.org", t0()).await.unwrap();
    let objection = store
        .add_objection(
            &NewObjection {
                version: 1,
                customer: "Globex".into(),
                contact: "Hank".into(),
                email: Some("hank@globex.example".into()),
                grounds: "No".into(),
                received: date!(2026 - 03 - 02),
                via: ObjectionVia::Link {
                    subscriber: subscriber.id,
                },
            },
            &change(),
        )
        .await
        .unwrap();
    store
        .resolve_objection(
            objection.id,
            &Resolution {
                outcome: ObjectionOutcome::Accommodated,
                on: date!(2026 - 03 - 05),
                notes: Some("Done".into()),
                by: change().actor,
                at: change().at,
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .take_rate_slot("subscribe", 1, Duration::minutes(1), t0())
            .await
            .unwrap()
    );
    store.instance_secret("links").await.unwrap();
}

/// The document of [`fill`]: binary, every byte value.
fn document() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend(0..=255u8);
    bytes
}

/// What must be equal after a restore.
async fn contents(store: &dyn Store) -> impl PartialEq + std::fmt::Debug {
    let mut suppliers = store.list_suppliers().await.unwrap();
    suppliers.push(store.get_supplier(&id("b")).await.unwrap());
    let document = store
        .find_document(&DocumentHash::of(&document()))
        .await
        .unwrap();
    assert!(document.is_some(), "the document is stored");
    (
        suppliers,
        document,
        store.audit_entries(&AuditQuery::default()).await.unwrap(),
        store.audit_head().await.unwrap(),
        store.policy_versions().await.unwrap(),
        format!("{:?}", store.list_users().await.unwrap()),
        format!("{:?}", store.list_tokens().await.unwrap()),
        format!(
            "{:?}",
            store.find_session_by_hash(&"cd".repeat(32)).await.unwrap()
        ),
        format!(
            "{:?}",
            store
                .login_failures(
                    FailureScope::Account,
                    "ann@example.org",
                    t0() - Duration::hours(1)
                )
                .await
                .unwrap()
        ),
        publication(store).await,
    )
}

/// The subprocessor list's records, subscribers, whether the rate event of [`fill`] is
/// counted, and the instance secret.
async fn publication(store: &dyn Store) -> impl PartialEq + std::fmt::Debug {
    let records = store.publication_records().await.unwrap();
    assert_eq!((records.0.len(), records.1.len()), (1, 1));
    let subscribers = format!("{:?}", store.list_subscribers(None).await.unwrap());
    let limited = !store
        .take_rate_slot("subscribe", 1, Duration::minutes(1), t0())
        .await
        .unwrap();
    (
        records,
        subscribers,
        limited,
        store.instance_secret("links").await.unwrap(),
    )
}

/// Backup of a filled `source`, restored into the empty `target`: equal, and the trail
/// verifies; a second restore is refused (not empty) unless forced; writes go on after.
pub async fn backup_and_restore_round_trip(source: &dyn Store, target: &dyn Store, dir: &Path) {
    fill(source).await;
    let file = dir.join("vetted.backup");
    let backed_up = source.backup(&file).await.unwrap();
    assert_eq!(
        backed_up
            .rows
            .iter()
            .find(|(t, _)| t == "suppliers")
            .unwrap()
            .1,
        2
    );
    assert!(matches!(
        source.backup(&file).await,
        Err(StoreError::Conflict { .. })
    ));

    let restored = target.restore(&file, false).await.unwrap();
    assert_eq!(restored, backed_up);
    assert_eq!(contents(target).await, contents(source).await);
    assert!(target.verify_audit(&key(), None).await.unwrap().is_ok());
    assert_eq!(target.latest_policy_number().await.unwrap(), Some(2));

    let again = target.restore(&file, false).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    // New writes extend the restored chain.
    target
        .create_supplier(&supplier("c", "C"), &change())
        .await
        .unwrap();
    store_verifies(target).await;
    target.restore(&file, true).await.unwrap();
    assert_eq!(contents(target).await, contents(source).await);
    assert_eq!(target.find_supplier(&id("c")).await.unwrap(), None);
    target
        .record_login_failure(FailureScope::Address, "127.0.0.1", t0())
        .await
        .unwrap();
    store_verifies(target).await;
}

async fn store_verifies(store: &dyn Store) {
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

/// A restore into a store with another audit key is refused, and nothing is written.
pub async fn a_restore_under_another_key_is_refused(
    source: &dyn Store,
    other_key_target: &dyn Store,
    dir: &Path,
) {
    fill(source).await;
    let file = dir.join("vetted.backup");
    source.backup(&file).await.unwrap();
    let refused = other_key_target.restore(&file, false).await;
    assert!(
        matches!(refused, Err(StoreError::AuditKey(_))),
        "{refused:?}"
    );
    assert_eq!(other_key_target.count_suppliers().await.unwrap(), 0);
    assert_eq!(other_key_target.count_users().await.unwrap(), 0);
}
