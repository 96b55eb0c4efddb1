//! Versioned single-supplier writes (create, update, archive, restore), written against
//! `&dyn Store`: each backend's test file runs them through `writes_conformance_tests!`.

use vetted_core::model::Status;
use vetted_store::{AuditQuery, Store, StoreError, StoredSupplier};

use super::{change, id, listing, supplier};

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! writes_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::writes::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

async fn entries(store: &dyn Store) -> usize {
    store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap()
        .len()
}

pub async fn create_adds_at_the_end_and_an_existing_id_is_a_conflict(store: &dyn Store) {
    super::import(store, &super::register([supplier("a", "A")])).await;
    let created = store
        .create_supplier(&supplier("b", "B"), &change())
        .await
        .unwrap();
    assert_eq!(
        created,
        StoredSupplier {
            supplier: supplier("b", "B"),
            version: 1,
            archived: false
        }
    );
    match store.create_supplier(&supplier("a", "A2"), &change()).await {
        Err(StoreError::Conflict { what, id, .. }) => {
            assert_eq!((what, id.as_str()), ("supplier", "a"));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(listing(store).await, [("a".into(), 1), ("b".into(), 1)]);
    assert_eq!(
        entries(store).await,
        2,
        "the refused creation wrote no entry"
    );
}

pub async fn update_needs_the_stored_version_and_stale_carries_the_current_state(
    store: &dyn Store,
) {
    store
        .create_supplier(&supplier("a", "A"), &change())
        .await
        .unwrap();
    let updated = store
        .update_supplier(&supplier("a", "A2"), 1, &change())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(store.get_supplier(&id("a")).await.unwrap(), updated);

    match store
        .update_supplier(&supplier("a", "A3"), 1, &change())
        .await
    {
        Err(StoreError::Stale { current }) => assert_eq!(*current, updated),
        other => panic!("expected Stale, got {other:?}"),
    }
    match store
        .update_supplier(&supplier("zz", "Z"), 1, &change())
        .await
    {
        Err(StoreError::NotFound { what, id }) => {
            assert_eq!((what, id.as_str()), ("supplier", "zz"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(store.get_supplier(&id("a")).await.unwrap(), updated);
    assert_eq!(entries(store).await, 2, "refused writes wrote no entry");
}

pub async fn an_update_equal_to_the_stored_supplier_writes_nothing(store: &dyn Store) {
    store
        .create_supplier(&supplier("a", "A"), &change())
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    let same = store
        .update_supplier(&supplier("a", "A"), 1, &change())
        .await
        .unwrap();
    assert_eq!(same.version, 1);
    assert_eq!(store.audit_head().await.unwrap(), head, "no audit entry");
}

pub async fn archived_suppliers_leave_the_listings_and_keep_their_row(store: &dyn Store) {
    super::import(
        store,
        &super::register([supplier("a", "A"), supplier("b", "B"), supplier("c", "C")]),
    )
    .await;
    let archived = store
        .archive_supplier(&id("b"), 1, &change())
        .await
        .unwrap();
    assert_eq!((archived.version, archived.archived), (2, true));
    assert_eq!(listing(store).await, [("a".into(), 1), ("c".into(), 1)]);
    assert_eq!(store.count_suppliers().await.unwrap(), 2);
    assert_eq!(
        store.find_supplier(&id("b")).await.unwrap(),
        Some(archived.clone())
    );

    // Archiving again changes nothing; a stale version is refused.
    let again = store
        .archive_supplier(&id("b"), 2, &change())
        .await
        .unwrap();
    assert_eq!(again, archived);
    assert!(matches!(
        store.archive_supplier(&id("a"), 7, &change()).await,
        Err(StoreError::Stale { .. })
    ));

    // Updated while archived, it stays archived; an import does not bring it back either.
    let mut b = supplier("b", "B");
    b.status = Some(Status::Terminated);
    let updated = store.update_supplier(&b, 2, &change()).await.unwrap();
    assert_eq!((updated.version, updated.archived), (3, true));
    super::import(store, &super::register([supplier("b", "B again")])).await;
    assert!(store.get_supplier(&id("b")).await.unwrap().archived);
    assert_eq!(store.count_suppliers().await.unwrap(), 2);

    // Restored, it is back in its place.
    let restored = store
        .restore_supplier(&id("b"), 4, &change())
        .await
        .unwrap();
    assert_eq!((restored.version, restored.archived), (5, false));
    assert_eq!(
        listing(store).await,
        [("a".into(), 1), ("b".into(), 5), ("c".into(), 1)]
    );
    // A creation cannot reuse an archived id either.
    store
        .archive_supplier(&id("c"), 1, &change())
        .await
        .unwrap();
    assert!(matches!(
        store.create_supplier(&supplier("c", "C"), &change()).await,
        Err(StoreError::Conflict { .. })
    ));
}

pub async fn several_updates_are_written_together_or_not_at_all(store: &dyn Store) {
    super::import(
        store,
        &super::register([supplier("a", "A"), supplier("b", "B"), supplier("c", "C")]),
    )
    .await;
    let before = entries(store).await;

    // Two changed and one equal to what is stored: two versions and two entries.
    let written = store
        .update_suppliers(
            &[
                (supplier("a", "A2"), 1),
                (supplier("b", "B"), 1),
                (supplier("c", "C2"), 1),
            ],
            &change(),
        )
        .await
        .unwrap();
    let versions: Vec<(String, i64)> = written
        .iter()
        .map(|s| (s.supplier.id.to_string(), s.version))
        .collect();
    assert_eq!(
        versions,
        [("a".into(), 2), ("b".into(), 1), ("c".into(), 2)]
    );
    assert_eq!(entries(store).await, before + 2);
    let trail = store.audit_entries(&AuditQuery::default()).await.unwrap();
    let subjects: Vec<Option<&str>> = trail[before..]
        .iter()
        .map(|e| e.subject.as_deref())
        .collect();
    assert_eq!(subjects, [Some("a"), Some("c")]);
    assert!(
        trail[before..]
            .iter()
            .all(|e| e.action == "supplier.update")
    );

    // One stale version refuses the whole write: the other change is not written either.
    match store
        .update_suppliers(
            &[(supplier("a", "A3"), 2), (supplier("c", "C3"), 1)],
            &change(),
        )
        .await
    {
        Err(StoreError::Stale { current }) => {
            assert_eq!(current.supplier.id.as_str(), "c");
            assert_eq!(current.version, 2);
        }
        other => panic!("expected Stale, got {other:?}"),
    }
    assert_eq!(
        listing(store).await,
        [("a".into(), 2), ("b".into(), 1), ("c".into(), 2)]
    );
    assert_eq!(
        store
            .get_supplier(&id("a"))
            .await
            .unwrap()
            .supplier
            .name
            .as_deref(),
        Some("A2")
    );

    // A supplier not stored, or one given twice: nothing is written.
    assert!(matches!(
        store
            .update_suppliers(
                &[(supplier("a", "A3"), 2), (supplier("zz", "Z"), 1)],
                &change()
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .update_suppliers(
                &[(supplier("a", "A3"), 2), (supplier("a", "A4"), 2)],
                &change()
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        entries(store).await,
        before + 2,
        "refused writes wrote no entry"
    );
    assert!(
        store
            .verify_audit(&super::key(), None)
            .await
            .unwrap()
            .is_ok()
    );
}

/// Two writers update the same supplier from the same version, through `one` and `two` (the
/// same store, or two stores on one database): exactly one wins, the other gets Stale with the
/// winner's state, and every field of the winner is stored.
pub async fn concurrent_updates_from_one_version(one: &dyn Store, two: &dyn Store) {
    one.create_supplier(&supplier("a", "A"), &change())
        .await
        .unwrap();
    for round in 0..10_i64 {
        let version = one.get_supplier(&id("a")).await.unwrap().version;
        let mut renamed = supplier("a", &format!("renamed {round}"));
        renamed.status = Some(Status::Active);
        let mut retired = supplier("a", "A");
        retired.status = Some(Status::Terminated);
        retired.services = vec![format!("service {round}")];
        let change = change();
        let (r1, r2) = tokio::join!(
            one.update_supplier(&renamed, version, &change),
            two.update_supplier(&retired, version, &change),
        );
        let (winner, loser) = match (r1, r2) {
            (Ok(w), Err(StoreError::Stale { current }))
            | (Err(StoreError::Stale { current }), Ok(w)) => (w, current),
            other => panic!("expected one success and one Stale, got {other:?}"),
        };
        assert_eq!(winner.version, version + 1);
        assert_eq!(*loser, winner, "Stale carries the winner's state");
        let stored = one.get_supplier(&id("a")).await.unwrap();
        assert_eq!(stored, winner, "no field of the winner is lost");
        assert!(stored.supplier == renamed || stored.supplier == retired);
    }
    let verification = one.audit_head().await.unwrap().unwrap();
    assert_eq!(verification.seq, 11, "one entry per successful write");
}
