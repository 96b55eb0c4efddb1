//! Policy versions, written against `&dyn Store`: each backend's test file runs them through
//! `policies_conformance_tests!`.

use vetted_core::audit::{Actor, action};
use vetted_core::projection::policy_fingerprint;
use vetted_store::{AuditQuery, Change, Store};

use super::{change, key};

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! policies_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::policies::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

fn by_user(id: &str) -> Change {
    Change {
        actor: Actor::User { id: id.to_string() },
        ..change()
    }
}

pub async fn a_fresh_store_has_no_policy(store: &dyn Store) {
    assert_eq!(store.latest_policy_number().await.unwrap(), None);
    assert_eq!(store.latest_policy().await.unwrap(), None);
    assert_eq!(store.policy_version(1).await.unwrap(), None);
    assert!(store.policy_versions().await.unwrap().is_empty());
}

pub async fn uploads_are_numbered_and_the_newest_is_active(store: &dyn Store) {
    let one = store
        .add_policy_version("name = \"one\"\n", &by_user("u1"))
        .await
        .unwrap();
    let two = store
        .add_policy_version("name = \"two\"\n", &by_user("u2"))
        .await
        .unwrap();
    assert_eq!((one.number, two.number), (1, 2));
    assert_eq!(two.fingerprint, policy_fingerprint("name = \"two\"\n"));
    assert_eq!(two.uploaded_by, Actor::User { id: "u2".into() });
    assert_eq!(two.uploaded_at, change().at);
    assert_eq!(store.latest_policy_number().await.unwrap(), Some(2));
    assert_eq!(store.latest_policy().await.unwrap(), Some(two.clone()));
    assert_eq!(store.policy_version(1).await.unwrap(), Some(one.clone()));
    assert_eq!(store.policy_version(3).await.unwrap(), None);
    assert_eq!(store.policy_versions().await.unwrap(), vec![one, two]);
}

pub async fn an_upload_is_audited_and_the_chain_verifies(store: &dyn Store) {
    store.add_policy_version("a", &by_user("u1")).await.unwrap();
    store.add_policy_version("b", &by_user("u1")).await.unwrap();
    let entries = store.audit_entries(&AuditQuery::default()).await.unwrap();
    assert_eq!(entries.len(), 2);
    let second = &entries[1];
    assert_eq!(second.action, action::POLICY_UPLOAD);
    assert_eq!(second.actor, Actor::User { id: "u1".into() });
    assert_eq!(second.subject, None);
    assert_eq!(
        second.before,
        Some(serde_json::json!({"number": 1, "fingerprint": policy_fingerprint("a"), "toml": "a"}))
    );
    assert_eq!(
        second.after,
        Some(serde_json::json!({"number": 2, "fingerprint": policy_fingerprint("b"), "toml": "b"}))
    );
    assert_eq!(entries[0].before, None);
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

/// Concurrent uploads get consecutive numbers and one entry each (the writers' lock).
pub async fn concurrent_uploads_get_consecutive_numbers(store: &dyn Store) {
    let uploads = (0..4).map(|i| {
        let text = format!("n = {i}");
        async move { store.add_policy_version(&text, &change()).await }
    });
    let results: Vec<_> = futures_util::future::join_all(uploads).await;
    let mut numbers: Vec<i64> = results.into_iter().map(|r| r.unwrap().number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![1, 2, 3, 4]);
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}
