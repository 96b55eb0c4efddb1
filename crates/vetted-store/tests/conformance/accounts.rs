//! The behaviour every [`AccountStore`] backend must have, written against `&dyn Store` only;
//! `account_conformance_tests!` runs each function on a fresh store.

use std::sync::Arc;

use serde_json::json;
use time::{Duration, OffsetDateTime};
use vetted_core::audit::{Actor, AuditEntry, action};
use vetted_core::role::Role;
use vetted_store::accounts::{FailureScope, NewSession, NewToken, NewUser, UserChange};
use vetted_store::{AuditQuery, Change, Store, StoreError};

use super::key;

/// Runs every account conformance test, each on a fresh store from `$fresh`.
macro_rules! account_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        mod accounts {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let (_guard, store) = $fresh().await;
                    conformance::accounts::$name(store.clone()).await;
                    store.close().await;
                }
            )*
        }
    };
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap()
}

/// An account change by an admin at `at`.
fn by(at: OffsetDateTime) -> Change {
    Change {
        actor: Actor::User { id: "admin".into() },
        at,
    }
}

fn new_user(id: &str, email: &str, role: Role) -> NewUser {
    NewUser {
        id: id.into(),
        email: email.into(),
        role,
        password_hash: format!("$argon2id$fake${id}"),
        now: t0(),
    }
}

pub async fn users_are_created_found_and_listed(store: Arc<dyn Store>) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let ada = store
        .create_user(&new_user("u1", "Ada@Example.org", Role::Admin), &by(t0()))
        .await
        .unwrap();
    assert_eq!(ada.email, "ada@example.org", "stored lower-cased");
    assert_eq!(
        (ada.role, ada.disabled, ada.totp_secret.clone()),
        (Role::Admin, false, None)
    );
    assert_eq!((ada.created_at, ada.updated_at), (t0(), t0()));
    store
        .create_user(&new_user("u2", "bob@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);
    assert_eq!(store.find_user("u1").await.unwrap(), Some(ada.clone()));
    assert_eq!(
        store.find_user_by_email("ADA@example.ORG").await.unwrap(),
        Some(ada)
    );
    assert_eq!(store.find_user("nobody").await.unwrap(), None);
    assert_eq!(
        store.find_user_by_email("x@example.org").await.unwrap(),
        None
    );
    let listed: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(listed, ["ada@example.org", "bob@example.org"]);
}

pub async fn an_email_is_taken_whatever_its_case(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Admin), &by(t0()))
        .await
        .unwrap();
    match store
        .create_user(&new_user("u2", "ADA@EXAMPLE.ORG", Role::Viewer), &by(t0()))
        .await
    {
        Err(StoreError::Conflict { what: "user", .. }) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.count_users().await.unwrap(), 1);
}

pub async fn updating_a_user_changes_only_what_is_given(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    let later = t0() + Duration::hours(1);
    let u = store
        .update_user(
            "u1",
            &UserChange {
                role: Some(Role::Editor),
                totp_secret: Some(Some("JBSWY3DPEHPK3PXP".into())),
                ..UserChange::default()
            },
            &by(later),
        )
        .await
        .unwrap();
    assert_eq!(u.role, Role::Editor);
    assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(!u.disabled);
    assert_eq!((u.created_at, u.updated_at), (t0(), later));
    assert_eq!(u.password_hash, "$argon2id$fake$u1");

    let u = store
        .update_user(
            "u1",
            &UserChange {
                password_hash: Some("$argon2id$new".into()),
                totp_secret: Some(None),
                ..UserChange::default()
            },
            &by(later),
        )
        .await
        .unwrap();
    assert_eq!(
        (u.role, u.totp_secret, u.password_hash.as_str()),
        (Role::Editor, None, "$argon2id$new")
    );

    match store
        .update_user("nobody", &UserChange::default(), &by(later))
        .await
    {
        Err(StoreError::NotFound { what: "user", .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn disabling_a_user_ends_their_sessions(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Editor), &by(t0()))
        .await
        .unwrap();
    store
        .create_session(&session("s1", "h1", "u1"))
        .await
        .unwrap();
    let later = t0() + Duration::minutes(5);
    let u = store
        .update_user(
            "u1",
            &UserChange {
                disabled: Some(true),
                ..UserChange::default()
            },
            &by(later),
        )
        .await
        .unwrap();
    assert!(u.disabled);
    let s = store.find_session_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(s.revoked_at, Some(later));
}

pub async fn a_totp_step_is_claimed_once(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    store
        .create_user(&new_user("u2", "bob@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    assert!(store.claim_totp_step("u1", 100).await.unwrap());
    assert!(
        !store.claim_totp_step("u1", 100).await.unwrap(),
        "the same step again"
    );
    assert!(
        !store.claim_totp_step("u1", 99).await.unwrap(),
        "an earlier step"
    );
    assert!(store.claim_totp_step("u2", 100).await.unwrap(), "per user");
    assert!(store.claim_totp_step("u1", 101).await.unwrap());
    // Turning TOTP on again (a new secret) starts afresh.
    let change = UserChange {
        totp_secret: Some(Some("NEWSECRET".into())),
        ..UserChange::default()
    };
    store.update_user("u1", &change, &by(t0())).await.unwrap();
    assert!(store.claim_totp_step("u1", 50).await.unwrap());
}

fn session(id: &str, hash: &str, user: &str) -> NewSession {
    NewSession {
        id: id.into(),
        secret_hash: hash.into(),
        user_id: user.into(),
        csrf_token: format!("csrf-{id}"),
        now: t0(),
        expires_at: t0() + Duration::hours(12),
    }
}

pub async fn sessions_are_found_touched_and_revoked(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Editor), &by(t0()))
        .await
        .unwrap();
    let s = store
        .create_session(&session("s1", "h1", "u1"))
        .await
        .unwrap();
    assert_eq!(s.id, "s1");
    assert_eq!(s.csrf_token, "csrf-s1");
    assert_eq!((s.created_at, s.last_seen_at), (t0(), t0()));
    assert_eq!(s.expires_at, t0() + Duration::hours(12));
    assert_eq!(s.revoked_at, None);
    assert_eq!(store.find_session_by_hash("other").await.unwrap(), None);

    let seen = t0() + Duration::minutes(2);
    store.touch_session("s1", seen).await.unwrap();
    let s = store.find_session_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(s.last_seen_at, seen);

    let end = t0() + Duration::minutes(3);
    store.revoke_session("s1", end).await.unwrap();
    store
        .revoke_session("s1", end + Duration::minutes(1))
        .await
        .unwrap();
    let s = store.find_session_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(s.revoked_at, Some(end), "the first end is kept");
}

pub async fn ended_sessions_are_deleted(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Editor), &by(t0()))
        .await
        .unwrap();
    store
        .create_session(&session("live", "h1", "u1"))
        .await
        .unwrap();
    store
        .create_session(&session("ended", "h2", "u1"))
        .await
        .unwrap();
    store.revoke_session("ended", t0()).await.unwrap();
    let mut short = session("expired", "h3", "u1");
    short.expires_at = t0() + Duration::minutes(1);
    store.create_session(&short).await.unwrap();

    assert_eq!(
        store.delete_ended_sessions(t0()).await.unwrap(),
        0,
        "ended at, not before"
    );
    let deleted = store
        .delete_ended_sessions(t0() + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert!(store.find_session_by_hash("h1").await.unwrap().is_some());
    assert!(store.find_session_by_hash("h2").await.unwrap().is_none());
    assert!(store.find_session_by_hash("h3").await.unwrap().is_none());
}

pub async fn tokens_are_found_listed_touched_and_revoked(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Editor), &by(t0()))
        .await
        .unwrap();
    let new = |id: &str, hash: &str, at: OffsetDateTime| NewToken {
        id: id.into(),
        user_id: "u1".into(),
        name: format!("token {id}"),
        token_hash: hash.into(),
        now: at,
        expires_at: Some(at + Duration::days(30)),
    };
    let t1 = store
        .create_token(&new("t1", "h1", t0()), &by(t0()))
        .await
        .unwrap();
    assert_eq!(t1.name, "token t1");
    assert_eq!(t1.expires_at, Some(t0() + Duration::days(30)));
    assert_eq!((t1.revoked_at, t1.last_used_at), (None, None));
    store
        .create_token(&new("t2", "h2", t0() + Duration::seconds(1)), &by(t0()))
        .await
        .unwrap();
    assert_eq!(
        store.find_token_by_hash("h1").await.unwrap(),
        Some(t1.clone())
    );
    assert_eq!(store.find_token("t1").await.unwrap(), Some(t1));
    assert_eq!(store.find_token_by_hash("nope").await.unwrap(), None);
    let ids: Vec<String> = store
        .list_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["t2", "t1"], "newest first");

    let used = t0() + Duration::minutes(1);
    store.touch_token("t1", used).await.unwrap();
    let revoked = t0() + Duration::minutes(2);
    store.revoke_token("t1", &by(revoked)).await.unwrap();
    store
        .revoke_token("t1", &by(revoked + Duration::minutes(1)))
        .await
        .unwrap();
    let t1 = store.find_token("t1").await.unwrap().unwrap();
    assert_eq!(
        (t1.last_used_at, t1.revoked_at),
        (Some(used), Some(revoked))
    );
    match store.revoke_token("nope", &by(revoked)).await {
        Err(StoreError::NotFound {
            what: "API token", ..
        }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn login_failures_are_counted_in_a_window_and_cleared(store: Arc<dyn Store>) {
    let (acc, addr) = (FailureScope::Account, FailureScope::Address);
    for minutes in [0, 5, 10] {
        store
            .record_login_failure(acc, "ada@example.org", t0() + Duration::minutes(minutes))
            .await
            .unwrap();
    }
    store
        .record_login_failure(addr, "10.0.0.1", t0())
        .await
        .unwrap();
    let f = store
        .login_failures(acc, "ada@example.org", t0() - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!((f.count, f.oldest), (3, Some(t0())));
    // The window excludes failures at or before `since`.
    let f = store
        .login_failures(acc, "ada@example.org", t0())
        .await
        .unwrap();
    assert_eq!((f.count, f.oldest), (2, Some(t0() + Duration::minutes(5))));
    let f = store
        .login_failures(acc, "bob@example.org", t0() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((f.count, f.oldest), (0, None));
    let f = store
        .login_failures(addr, "10.0.0.1", t0() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(f.count, 1);

    // Clearing one key also drops everything older than `before`.
    store
        .clear_login_failures(acc, "ada@example.org", t0() + Duration::seconds(1))
        .await
        .unwrap();
    let f = store
        .login_failures(acc, "ada@example.org", t0() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(f.count, 0);
    let f = store
        .login_failures(addr, "10.0.0.1", t0() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(f.count, 0, "older than `before`");
}

pub async fn a_setup_token_creates_the_first_user_once(store: Arc<dyn Store>) {
    let expires = t0() + Duration::hours(1);
    store
        .create_setup_token("setup1", t0(), expires)
        .await
        .unwrap();
    assert!(store.setup_token_usable("setup1", t0()).await.unwrap());
    assert!(!store.setup_token_usable("unknown", t0()).await.unwrap());
    assert!(
        !store.setup_token_usable("setup1", expires).await.unwrap(),
        "expired"
    );

    let admin = store
        .complete_setup("setup1", &new_user("u1", "ada@example.org", Role::Admin))
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(!store.setup_token_usable("setup1", t0()).await.unwrap());
    match store
        .complete_setup("setup1", &new_user("u2", "eve@example.org", Role::Admin))
        .await
    {
        Err(StoreError::Conflict {
            what: "setup token",
            ..
        }) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(store.count_users().await.unwrap(), 1);
}

pub async fn a_setup_token_is_refused_when_expired_or_users_exist(store: Arc<dyn Store>) {
    store
        .create_setup_token("old", t0() - Duration::hours(2), t0() - Duration::hours(1))
        .await
        .unwrap();
    assert!(matches!(
        store
            .complete_setup("old", &new_user("u1", "a@example.org", Role::Admin))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.count_users().await.unwrap(), 0, "nothing written");

    store
        .create_user(&new_user("u0", "z@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    store
        .create_setup_token("fresh", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    assert!(!store.setup_token_usable("fresh", t0()).await.unwrap());
    assert!(matches!(
        store
            .complete_setup("fresh", &new_user("u1", "a@example.org", Role::Admin))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.count_users().await.unwrap(), 1);
}

pub async fn concurrent_setups_create_exactly_one_admin(store: Arc<dyn Store>) {
    store
        .create_setup_token("one", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    store
        .create_setup_token("two", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let token = if n % 2 == 0 { "one" } else { "two" };
                store
                    .complete_setup(
                        token,
                        &new_user(&format!("u{n}"), &format!("a{n}@example.org"), Role::Admin),
                    )
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("expected Conflict, got {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// The audit trail's entries after the first `skip`, serialized and parsed back.
async fn entries_after(store: &dyn Store, skip: usize) -> Vec<AuditEntry> {
    let all = store.audit_entries(&AuditQuery::default()).await.unwrap();
    all.into_iter().skip(skip).collect()
}

/// The entries written since `seen` entries, moving `seen` past them.
async fn next(store: &Arc<dyn Store>, seen: &mut usize) -> Vec<AuditEntry> {
    let new = entries_after(store.as_ref(), *seen).await;
    *seen += new.len();
    new
}

/// Asserts that no entry of the trail holds personal data or a secret.
async fn assert_no_personal_data(store: &dyn Store, forbidden: &[&str]) {
    for entry in store.audit_entries(&AuditQuery::default()).await.unwrap() {
        let text = serde_json::to_string(&entry).unwrap();
        for word in forbidden {
            assert!(
                !text.to_lowercase().contains(&word.to_lowercase()),
                "entry {} holds `{word}`: {text}",
                entry.seq
            );
        }
    }
}

/// Asserts that `entries` is exactly one entry of `action` on `subject` by the admin of
/// [`by`], with this before and after.
fn assert_one(
    entries: &[AuditEntry],
    action: &str,
    subject: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) {
    assert_eq!(entries.len(), 1, "exactly one entry: {entries:#?}");
    let e = &entries[0];
    assert_eq!(
        (e.action.as_str(), e.subject.as_deref()),
        (action, Some(subject))
    );
    assert_eq!(e.actor, Actor::User { id: "admin".into() });
    let expected = (before, after);
    assert_eq!((e.before.clone(), e.after.clone()), expected, "{action}");
}

pub async fn account_changes_are_audited_by_id_only(store: Arc<dyn Store>) {
    let start = store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap()
        .len();
    let user = |role: &str, disabled: bool, totp: bool| json!({"id": "u1", "role": role, "disabled": disabled, "totp": totp});
    store
        .create_user(&new_user("u1", "ada@example.org", Role::Viewer), &by(t0()))
        .await
        .unwrap();
    let mut seen = start;
    assert_one(
        &next(&store, &mut seen).await,
        action::USER_CREATE,
        "u1",
        None,
        Some(user("viewer", false, false)),
    );

    let update = |change: UserChange| {
        let store = store.clone();
        async move { store.update_user("u1", &change, &by(t0())).await.unwrap() }
    };
    update(UserChange {
        role: Some(Role::Editor),
        ..UserChange::default()
    })
    .await;
    assert_one(
        &next(&store, &mut seen).await,
        action::USER_UPDATE,
        "u1",
        Some(user("viewer", false, false)),
        Some(user("editor", false, false)),
    );
    update(UserChange {
        disabled: Some(true),
        ..UserChange::default()
    })
    .await;
    assert_one(
        &next(&store, &mut seen).await,
        action::USER_UPDATE,
        "u1",
        Some(user("editor", false, false)),
        Some(user("editor", true, false)),
    );
    update(UserChange {
        disabled: Some(false),
        ..UserChange::default()
    })
    .await;
    assert_one(
        &next(&store, &mut seen).await,
        action::USER_UPDATE,
        "u1",
        Some(user("editor", true, false)),
        Some(user("editor", false, false)),
    );
    update(UserChange {
        totp_secret: Some(Some("JBSWY3DPEHPK3PXP".into())),
        ..UserChange::default()
    })
    .await;
    assert_one(
        &next(&store, &mut seen).await,
        action::USER_TOTP,
        "u1",
        Some(user("editor", false, false)),
        Some(user("editor", false, true)),
    );
    // Nothing the trail records changes: no entry.
    update(UserChange {
        role: Some(Role::Editor),
        password_hash: Some("$argon2id$changed".into()),
        ..UserChange::default()
    })
    .await;
    assert!(
        next(&store, &mut seen).await.is_empty(),
        "an unchanged record is not an entry"
    );

    let expires = t0() + Duration::days(30);
    let token = NewToken {
        id: "t1".into(),
        user_id: "u1".into(),
        name: "ci".into(),
        token_hash: "tokenhash0123".into(),
        now: t0(),
        expires_at: Some(expires),
    };
    store.create_token(&token, &by(t0())).await.unwrap();
    let record = |revoked: bool| {
        json!({"id": "t1", "user_id": "u1", "name": "ci",
               "expires_at": "2026-10-21T14:13:20Z", "revoked": revoked})
    };
    assert_eq!(
        expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        "2026-10-21T14:13:20Z"
    );
    assert_one(
        &next(&store, &mut seen).await,
        action::TOKEN_CREATE,
        "t1",
        None,
        Some(record(false)),
    );
    store.revoke_token("t1", &by(t0())).await.unwrap();
    assert_one(
        &next(&store, &mut seen).await,
        action::TOKEN_REVOKE,
        "t1",
        Some(record(false)),
        Some(record(true)),
    );
    store.revoke_token("t1", &by(t0())).await.unwrap();
    assert!(
        next(&store, &mut seen).await.is_empty(),
        "revoking twice is one entry"
    );

    // A failed write leaves no entry.
    assert!(
        store
            .create_user(&new_user("u2", "ADA@example.org", Role::Viewer), &by(t0()))
            .await
            .is_err()
    );
    assert!(
        next(&store, &mut seen).await.is_empty(),
        "a refused write is not an entry"
    );

    assert_no_personal_data(
        store.as_ref(),
        &[
            "ada@example.org",
            "argon2",
            "JBSWY3DPEHPK3PXP",
            "tokenhash0123",
        ],
    )
    .await;
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

pub async fn the_first_admin_is_audited_as_created_by_the_system(store: Arc<dyn Store>) {
    store
        .create_setup_token("setup1", t0(), t0() + Duration::hours(1))
        .await
        .unwrap();
    let start = store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap()
        .len();
    store
        .complete_setup("setup1", &new_user("u1", "ada@example.org", Role::Admin))
        .await
        .unwrap();
    let entries = entries_after(store.as_ref(), start).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let e = &entries[0];
    assert_eq!(
        (e.action.as_str(), e.subject.as_deref(), &e.actor, e.at),
        (action::USER_CREATE, Some("u1"), &Actor::System, t0())
    );
    assert_eq!(
        e.after,
        Some(json!({"id": "u1", "role": "admin", "disabled": false, "totp": false}))
    );
    assert_no_personal_data(store.as_ref(), &["ada@example.org", "argon2"]).await;
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}
