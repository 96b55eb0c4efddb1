//! Documents (evidence files kept by the SHA-256 of their content), written against
//! `&dyn Store`: each backend's test file runs them through `documents_conformance_tests!`.

use time::macros::datetime;
use vetted_core::audit::Actor;
use vetted_core::model::{DocumentHash, MediaType};
use vetted_store::{Change, Store};

use super::change;

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! documents_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::documents::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

/// Bytes a text column would mangle: every byte value, NUL and invalid UTF-8 included.
fn binary() -> Vec<u8> {
    let mut content = b"%PDF-1.7\n".to_vec();
    content.extend((0..=255u8).cycle().take(300_000));
    content
}

fn by(user: &str) -> Change {
    Change {
        actor: Actor::User { id: user.into() },
        at: datetime!(2026-03-01 12:00:00.123456 UTC),
    }
}

pub async fn a_document_is_stored_under_the_sha256_of_its_bytes(store: &dyn Store) {
    assert_eq!(store.count_documents().await.unwrap(), 0);
    let content = binary();
    let put = store
        .put_document(&content, MediaType::Pdf, &by("u1"))
        .await
        .unwrap();
    assert!(put.created);
    assert_eq!(put.sha256, DocumentHash::of(&content));

    let found = store.find_document(&put.sha256).await.unwrap().unwrap();
    assert_eq!(found.sha256, put.sha256);
    assert!(found.content == content, "the bytes come back unchanged");
    assert_eq!(found.size, content.len() as u64);
    assert_eq!(found.media_type, MediaType::Pdf);
    assert_eq!(found.created_by, Actor::User { id: "u1".into() });
    assert_eq!(found.created_at, by("u1").at);
    assert_eq!(store.count_documents().await.unwrap(), 1);

    let other = DocumentHash::of(b"never stored");
    assert_eq!(store.find_document(&other).await.unwrap(), None);
}

pub async fn storing_the_same_bytes_again_keeps_one_row(store: &dyn Store) {
    let first = store
        .put_document(b"\x89PNG\r\n\x1a\nsame", MediaType::Png, &by("u1"))
        .await
        .unwrap();
    let later = Change {
        at: datetime!(2026-04-01 09:00:00 UTC),
        ..by("u2")
    };
    let again = store
        .put_document(b"\x89PNG\r\n\x1a\nsame", MediaType::Png, &later)
        .await
        .unwrap();
    assert_eq!(again.sha256, first.sha256);
    assert!(first.created && !again.created);
    assert_eq!(store.count_documents().await.unwrap(), 1);
    let stored = store.find_document(&first.sha256).await.unwrap().unwrap();
    assert_eq!(
        (stored.created_by, stored.created_at),
        (Actor::User { id: "u1".into() }, by("u1").at),
        "the first upload's row stays"
    );

    // Other bytes are another row; an empty file is a document too.
    store
        .put_document(b"", MediaType::Jpeg, &by("u1"))
        .await
        .unwrap();
    assert_eq!(store.count_documents().await.unwrap(), 2);
    let empty = store
        .find_document(&DocumentHash::of(b""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((empty.size, empty.content.len()), (0, 0));
}

/// The same bytes put from several tasks at once: every put succeeds, exactly one stores.
pub async fn concurrent_puts_of_the_same_bytes_store_one_row(store: &dyn Store) {
    let content = binary();
    let puts = (0..6).map(|n| {
        let content = &content;
        async move {
            store
                .put_document(content, MediaType::Pdf, &by(&format!("u{n}")))
                .await
        }
    });
    let results = futures_util::future::join_all(puts).await;
    let created = results
        .into_iter()
        .map(|r| r.unwrap().created)
        .filter(|c| *c)
        .count();
    assert_eq!(created, 1);
    assert_eq!(store.count_documents().await.unwrap(), 1);
}

/// An upload changes nothing in the register: no audit entry, no supplier version.
pub async fn a_document_is_not_an_audited_change(store: &dyn Store) {
    store
        .create_supplier(&super::supplier("a", "A"), &change())
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    store
        .put_document(b"%PDF-1.4 x", MediaType::Pdf, &change())
        .await
        .unwrap();
    assert_eq!(store.audit_head().await.unwrap(), head);
    assert_eq!(
        store.get_supplier(&super::id("a")).await.unwrap().version,
        1
    );
}
