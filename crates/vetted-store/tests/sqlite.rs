//! The `SQLite` backend: the conformance suite on a fresh database file per test, then what is
//! particular to `SQLite` (pragmas, the file and its migrations, the schema) and [`open`]'s
//! choice of backend from a URL (`PostgreSQL` URLs: `tests/postgres.rs`).

#[macro_use]
mod conformance;
mod synthetic;

use std::path::Path;
use std::sync::Arc;

use sqlx::AssertSqlSafe;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use tempfile::TempDir;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::AuditKey;
use vetted_core::model::{Category, Status, Supplier};
use vetted_store::{
    AuditStore, DatabaseUrl, SqliteStore, Store, StoreError, open, open_with_audit_key,
};

use conformance::{id, import, listing, register, supplier};

const DB: &str = "vetted.db";

/// A fresh store in a new temporary folder, opened through [`open`] as callers do.
async fn fresh() -> (TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::new(dir.path().join(DB).to_str().unwrap());
    let store = open_with_audit_key(&url, conformance::key()).await.unwrap();
    (dir, store)
}

/// A connection of the test's own to the database file, beside the store's.
async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .unwrap()
}

conformance_tests!(fresh;
    an_empty_store_has_no_suppliers,
    import_creates_suppliers_in_register_order,
    upsert_keeps_position_and_bumps_version_only_on_change,
    importing_the_same_register_again_changes_nothing,
    a_missing_supplier_is_not_found,
    an_id_given_twice_is_a_conflict_and_nothing_is_written,
    progress_rises_to_the_total,
    a_large_import_keeps_order_and_counts,
    a_full_supplier_round_trips,
    an_import_as_planned_writes_only_what_was_planned,
);

account_conformance_tests!(fresh;
    users_are_created_found_and_listed,
    an_email_is_taken_whatever_its_case,
    updating_a_user_changes_only_what_is_given,
    disabling_a_user_ends_their_sessions,
    sessions_are_found_touched_and_revoked,
    tokens_are_found_listed_touched_and_revoked,
    login_failures_are_counted_in_a_window_and_cleared,
    a_setup_token_creates_the_first_user_once,
    a_setup_token_is_refused_when_expired_or_users_exist,
    concurrent_setups_create_exactly_one_admin,
    a_totp_step_is_claimed_once,
    ended_sessions_are_deleted,
    account_changes_are_audited_by_id_only,
    the_first_admin_is_audited_as_created_by_the_system,
);

/// Account changes are sealed into the audit trail, so a store opened without the key refuses
/// them and writes nothing; what is bookkeeping (sessions, failed logins) still works.
#[tokio::test]
async fn without_the_audit_key_account_changes_are_refused_and_bookkeeping_works() {
    use vetted_store::AccountStore;
    use vetted_store::accounts::{FailureScope, NewUser};

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join(DB)).await.unwrap();
    let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
    let new = NewUser {
        id: "u1".into(),
        email: "ada@example.org".into(),
        role: vetted_core::role::Role::Admin,
        password_hash: "$argon2id$fake".into(),
        now,
    };
    let change = vetted_store::Change {
        actor: vetted_core::audit::Actor::System,
        at: now,
    };
    match store.create_user(&new, &change).await {
        Err(StoreError::AuditKey(_)) => {}
        other => panic!("expected AuditKey, got {other:?}"),
    }
    assert_eq!(store.count_users().await.unwrap(), 0, "nothing written");
    store
        .record_login_failure(FailureScope::Address, "127.0.0.1", now)
        .await
        .unwrap();
    let failures = store
        .login_failures(
            FailureScope::Address,
            "127.0.0.1",
            now - time::Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(failures.count, 1);
    store.close().await;
}

#[tokio::test]
async fn a_failed_import_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    // A trigger stands for any failure inside the transaction: a full disk, a lost lock.
    sqlx::raw_sql(
        "CREATE TRIGGER poison BEFORE INSERT ON suppliers WHEN NEW.id = 'poisoned' \
         BEGIN SELECT RAISE(ABORT, 'poisoned supplier'); END",
    )
    .execute(&mut raw(&path).await)
    .await
    .unwrap();
    conformance::a_failed_import_writes_nothing(&store, &id("poisoned")).await;
    store.close().await;
}

#[tokio::test]
async fn connections_use_wal_foreign_keys_a_busy_timeout_and_normal_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join(DB))
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let settings = store.settings().await.unwrap();
    assert_eq!(settings.journal_mode, "wal");
    assert!(settings.foreign_keys);
    assert_eq!(settings.busy_timeout_ms, 5_000);
    assert_eq!(settings.synchronous, 1, "NORMAL");
    store.close().await;
}

#[tokio::test]
async fn open_creates_the_file_and_its_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c").join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    assert!(path.is_file());
    assert_eq!(store.path(), path);
    store.close().await;
}

#[tokio::test]
async fn reopening_keeps_the_data_and_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    store.close().await;

    let migrations = async || -> Vec<(i64, String, bool)> {
        sqlx::query_as(
            "SELECT version, installed_on, success FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&mut raw(&path).await)
        .await
        .unwrap()
    };
    let applied = migrations().await;
    assert!(!applied.is_empty() && applied.iter().all(|m| m.2));

    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    assert_eq!(listing(&store).await, [("a".into(), 1), ("b".into(), 1)]);
    import(&store, &register([supplier("c", "C")])).await;
    store.close().await;
    assert_eq!(
        migrations().await,
        applied,
        "same migrations, installed once"
    );
}

/// A `suppliers` row, every column in the order of the migration.
type SupplierRow = (
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

#[tokio::test]
async fn rows_hold_the_document_its_projections_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let aws = synthetic::supplier(3, 1);
    import(&store, &register([supplier("bare", "Bare"), aws.clone()])).await;

    let mut conn = raw(&path).await;
    let rows: Vec<SupplierRow> = sqlx::query_as(
        "SELECT id, position, version, doc, name, category, status, created_at, updated_at \
         FROM suppliers ORDER BY position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let (id_, position, version, doc, name, category, status, created, updated) = &rows[1];
    assert_eq!((id_.as_str(), *position, *version), ("s000003", 2, 1));
    assert_eq!(serde_json::from_str::<Supplier>(doc).unwrap(), aws);
    assert_eq!(name.as_deref(), aws.name.as_deref());
    assert_eq!(category.as_deref(), aws.category.map(Category::as_str));
    assert_eq!(status.as_deref(), aws.status.map(Status::as_str));
    let created_at = OffsetDateTime::parse(created, &Rfc3339).unwrap();
    assert_eq!(created_at.offset(), time::UtcOffset::UTC);
    assert!(created.ends_with('Z'), "{created}");
    assert_eq!(created, updated);
    assert_eq!(rows[0].4.as_deref(), Some("Bare"));
    assert_eq!((rows[0].5.as_deref(), rows[0].6.as_deref()), (None, None));

    // An update moves `updated_at` and keeps `created_at`.
    sqlx::query("UPDATE suppliers SET created_at = '2020-01-01T00:00:00Z', updated_at = '2020-01-01T00:00:00Z'")
        .execute(&mut conn)
        .await
        .unwrap();
    import(&store, &register([supplier("bare", "Renamed")])).await;
    let (name, created, updated): (String, String, String) =
        sqlx::query_as("SELECT name, created_at, updated_at FROM suppliers WHERE id = 'bare'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(name, "Renamed");
    assert_eq!(created, "2020-01-01T00:00:00Z");
    assert!(updated.as_str() > "2020-01-01T00:00:00Z", "{updated}");
    store.close().await;
}

#[tokio::test]
async fn open_chooses_sqlite_for_paths_and_sqlite_urls() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    for (n, url) in [
        format!("{root}/plain.db"),
        format!("sqlite:{root}/short.db"),
        format!("sqlite://{root}/long.db"),
    ]
    .iter()
    .enumerate()
    {
        let store = open_with_audit_key(&DatabaseUrl::new(url.as_str()), conformance::key())
            .await
            .unwrap();
        import(store.as_ref(), &register([supplier(&format!("s{n}"), "S")])).await;
        assert_eq!(store.count_suppliers().await.unwrap(), 1, "{url}");
        store.close().await;
    }
    for file in ["plain.db", "short.db", "long.db"] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
}

#[tokio::test]
async fn open_refuses_other_urls_clearly_and_without_passwords() {
    let unsupported = async |url: &str| match open(url).await {
        Err(StoreError::Unsupported(message)) => message,
        Err(other) => panic!("{url}: expected Unsupported, got {other:?}"),
        Ok(_) => panic!("{url}: expected an error"),
    };
    let mysql = unsupported("mysql://root:hunter2@localhost/vetted").await;
    assert!(mysql.contains("`mysql`"), "{mysql}");
    assert!(!mysql.contains("hunter2"), "{mysql}");

    assert!(unsupported("sqlite::memory:").await.contains("in-memory"));
    assert!(unsupported("").await.contains("names no SQLite file"));
}

#[tokio::test]
async fn a_row_that_no_longer_decodes_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    sqlx::query(r#"UPDATE suppliers SET doc = '{"id":"b","colour":1}' WHERE id = 'b'"#)
        .execute(&mut raw(&path).await)
        .await
        .unwrap();

    for error in [
        store.list_suppliers().await.unwrap_err(),
        store.find_supplier(&id("b")).await.unwrap_err(),
    ] {
        assert!(matches!(error, StoreError::Other { .. }), "{error:?}");
        assert_eq!(error.to_string(), "decoding stored supplier `b`");
    }
    assert!(store.find_supplier(&id("a")).await.unwrap().is_some());

    // Importing the supplier again replaces what could not be read.
    let summary = import(&store, &register([supplier("b", "B")])).await;
    assert_eq!(summary.updated, 1);
    assert_eq!(listing(&store).await, [("a".into(), 1), ("b".into(), 2)]);
    store.close().await;
}

#[tokio::test]
async fn a_row_the_import_could_not_replace_is_a_conflict_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let store = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    // Stands for a concurrent writer: the update of `b` is skipped, as when its version moved.
    sqlx::raw_sql(
        "CREATE TRIGGER skip_b BEFORE UPDATE ON suppliers WHEN OLD.id = 'b' \
         BEGIN SELECT RAISE(IGNORE); END",
    )
    .execute(&mut raw(&path).await)
    .await
    .unwrap();

    let changed = register([supplier("a", "A2"), supplier("b", "B2"), supplier("c", "C")]);
    match store
        .upsert_register(&changed, &conformance::change(), &|_| {})
        .await
    {
        Err(StoreError::Conflict { what, id, .. }) => {
            assert_eq!((what, id.as_str()), ("supplier", "b"));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(listing(&store).await, [("a".into(), 1), ("b".into(), 1)]);
    assert_eq!(
        store.get_supplier(&id("a")).await.unwrap().supplier,
        supplier("a", "A")
    );
    store.close().await;
}

writes_conformance_tests!(fresh;
    create_adds_at_the_end_and_an_existing_id_is_a_conflict,
    update_needs_the_stored_version_and_stale_carries_the_current_state,
    an_update_equal_to_the_stored_supplier_writes_nothing,
    archived_suppliers_leave_the_listings_and_keep_their_row,
    several_updates_are_written_together_or_not_at_all,
);

audit_conformance_tests!(fresh;
    every_write_appends_one_entry_with_the_whole_record,
    another_key_cannot_verify_the_trail,
    the_trail_replays_to_the_register_of_any_moment,
);

#[tokio::test]
async fn concurrent_updates_through_one_store() {
    let (_dir, store) = fresh().await;
    conformance::writes::concurrent_updates_from_one_version(store.as_ref(), store.as_ref()).await;
    store.close().await;
}

#[tokio::test]
async fn concurrent_updates_through_two_stores_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let two = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    conformance::writes::concurrent_updates_from_one_version(&one, &two).await;
    assert!(
        one.verify_audit(&conformance::key(), None)
            .await
            .unwrap()
            .is_ok()
    );
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn tampering_with_the_file_is_named() {
    for case in conformance::audit::TAMPERINGS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB);
        let store = SqliteStore::open(&path)
            .await
            .unwrap()
            .with_audit_key(conformance::key());
        let head = conformance::audit::six_entries(&store).await;
        sqlx::raw_sql(AssertSqlSafe(case.sql))
            .execute(&mut raw(&path).await)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        conformance::audit::assert_named(&store, case, head).await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_second_key_is_refused_for_writing_and_a_store_without_key_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::new(dir.path().join(DB).to_str().unwrap());
    let store = open_with_audit_key(&url, conformance::key()).await.unwrap();
    // A fresh database accepts any key until the first write stores its fingerprint.
    let other = AuditKey::from_bytes(&[0x01; 32]).unwrap();
    open_with_audit_key(&url, other.clone())
        .await
        .unwrap()
        .close()
        .await;
    store
        .create_supplier(&supplier("a", "A"), &conformance::change())
        .await
        .unwrap();
    store.close().await;

    match open_with_audit_key(&url, other.clone()).await {
        Err(StoreError::AuditKey(message)) => {
            assert!(message.contains("same key file"), "{message}");
        }
        Err(e) => panic!("expected an audit key error, got {e:?}"),
        Ok(_) => panic!("expected an audit key error"),
    }
    // A store that skipped the check still cannot write.
    let sneaky = SqliteStore::open(&dir.path().join(DB))
        .await
        .unwrap()
        .with_audit_key(other);
    assert!(matches!(
        sneaky
            .create_supplier(&supplier("b", "B"), &conformance::change())
            .await,
        Err(StoreError::AuditKey(_))
    ));
    let keyless = open(url.expose()).await.unwrap();
    assert!(matches!(
        keyless
            .create_supplier(&supplier("b", "B"), &conformance::change())
            .await,
        Err(StoreError::AuditKey(_))
    ));
    assert_eq!(
        keyless.count_suppliers().await.unwrap(),
        1,
        "it still reads"
    );
    sneaky.close().await;
    keyless.close().await;
}

evaluations_conformance_tests!(fresh;
    queries_filter_sort_and_page_as_the_engine_would,
    a_new_day_a_new_policy_and_every_write_are_picked_up,
);

/// The change counter on one store, then with a second store writing the same file (as
/// `vetted import` does beside a running server).
#[tokio::test]
async fn the_change_counter_moves_with_every_write() {
    let (_dir, store) = fresh().await;
    conformance::evaluations::the_change_counter_moves_with_every_write(
        store.as_ref(),
        store.as_ref(),
    )
    .await;
    store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let two = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    conformance::evaluations::the_change_counter_moves_with_every_write(&one, &two).await;
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn two_stores_on_one_file_writing_at_once_extend_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let two = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let change = conformance::change();
    let write = async |store: &SqliteStore, prefix: &str| {
        for n in 0..20 {
            store
                .create_supplier(&supplier(&format!("{prefix}{n}"), "S"), &change)
                .await
                .unwrap();
        }
    };
    tokio::join!(write(&one, "x"), write(&two, "y"));
    let verification = one.verify_audit(&conformance::key(), None).await.unwrap();
    assert!(
        matches!(
            verification,
            vetted_core::audit::Verification::Ok { entries: 40, .. }
        ),
        "{verification:?}"
    );
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn two_stores_on_one_file_refresh_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let two = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    conformance::evaluations::two_stores_refresh_at_once(&one, &two).await;
    one.close().await;
    two.close().await;
}

documents_conformance_tests!(fresh;
    a_document_is_stored_under_the_sha256_of_its_bytes,
    storing_the_same_bytes_again_keeps_one_row,
    concurrent_puts_of_the_same_bytes_store_one_row,
    a_document_is_not_an_audited_change,
);

policies_conformance_tests!(fresh;
    a_fresh_store_has_no_policy,
    uploads_are_numbered_and_the_newest_is_active,
    an_upload_is_audited_and_the_chain_verifies,
    concurrent_uploads_get_consecutive_numbers,
);

subprocessors_conformance_tests!(fresh;
    versions_are_published_in_order_and_round_trip,
    publishing_out_of_turn_is_a_conflict_and_writes_nothing,
    a_publication_is_audited,
    a_decision_is_recorded_once_and_audited,
    objections_are_recorded_and_resolved,
    publication_records_are_the_versions_and_the_objections,
    subscribing_lower_cases_and_keeps_one_row_per_address,
    subscribers_confirm_unsubscribe_and_come_back,
    rate_slots_are_limited_per_bucket_and_window,
    concurrent_takers_of_the_last_slot_get_one,
    an_instance_secret_is_made_once_per_name,
);

#[tokio::test]
async fn two_stores_on_one_file_share_a_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path).await.unwrap();
    let two = SqliteStore::open(&path).await.unwrap();
    conformance::subprocessors::two_stores_share_a_rate_limit(&one, &two).await;
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let (dir, source) = fresh().await;
    let (_other, target) = fresh().await;
    conformance::backup::backup_and_restore_round_trip(
        source.as_ref(),
        target.as_ref(),
        dir.path(),
    )
    .await;
    source.close().await;
    target.close().await;
}

#[tokio::test]
async fn a_restore_under_another_key_is_refused() {
    let (dir, source) = fresh().await;
    let other = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::new(other.path().join(DB).to_str().unwrap());
    let target = open_with_audit_key(&url, AuditKey::from_bytes(&[0x11; 32]).unwrap())
        .await
        .unwrap();
    conformance::backup::a_restore_under_another_key_is_refused(
        source.as_ref(),
        target.as_ref(),
        dir.path(),
    )
    .await;
    source.close().await;
    target.close().await;
}

/// One store writes, as `vetted import` does beside a running server (or another server on
/// the same database); the other's cached pages never show the old state.
#[tokio::test]
async fn two_stores_on_one_file_a_cached_page_shows_the_other_stores_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    let two = SqliteStore::open(&path)
        .await
        .unwrap()
        .with_audit_key(conformance::key());
    conformance::evaluations::a_cached_page_shows_every_write_of_another_store(&one, &two).await;
    one.close().await;
    two.close().await;
}

notify_conformance_tests!(fresh;
    a_reminder_is_queued_once_per_recipient_and_window,
    a_failed_render_queues_and_claims_nothing,
    a_delivery_is_leased_retried_failed_and_retried_by_hand,
    a_lease_that_runs_out_makes_the_delivery_due_again,
    leases_take_the_oldest_first_up_to_the_limit_and_lists_page_newest_first,
);

#[tokio::test]
async fn two_stores_on_one_file_claim_reminders_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let one = SqliteStore::open(&path).await.unwrap();
    let two = SqliteStore::open(&path).await.unwrap();
    conformance::notify::two_stores_claim_at_once(&one, &two).await;
    one.close().await;
    two.close().await;
}

/// Migration 0009 rebuilds `deliveries` (for its wider CHECK) and `reminder_claims`: the rows
/// of a database at 0008 survive with their ids, the id counter goes on past a deleted id, the
/// claims still reference the deliveries (enforced), and the new kinds are accepted.
#[tokio::test]
async fn migration_0009_keeps_deliveries_and_claims() {
    use vetted_store::NotifyStore;
    use vetted_store::notify::{DeliveryKind, NewDelivery};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB);
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true),
    )
    .await
    .unwrap();
    sqlx::migrate!("./migrations/sqlite")
        .run_to(8, &mut conn)
        .await
        .unwrap();
    let delivery = "INSERT INTO deliveries (kind, recipient, subject, payload, items, status, \
        next_attempt_us, created_us) VALUES (?1, 'email:ann@example.org', 's', '{}', 1, \
        'pending', 5, 5)";
    for kind in ["digest", "test"] {
        sqlx::query(delivery)
            .bind(kind)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM deliveries WHERE id = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO reminder_claims (recipient, item_key, win, delivery_id) \
         VALUES ('email:ann@example.org', 'aws/iso', 'soon', 1)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert!(
        sqlx::query(delivery)
            .bind("notice")
            .execute(&mut conn)
            .await
            .is_err(),
        "0008 refuses the new kinds"
    );
    conn.close().await.unwrap();

    let store = SqliteStore::open(&path).await.unwrap();
    let kept = store.find_delivery(1).await.unwrap().expect("kept");
    assert_eq!(
        (kept.kind, kept.recipient.as_str(), kept.items),
        (DeliveryKind::Digest, "email:ann@example.org", 1)
    );
    let claim = vec![("aws/iso".to_string(), "soon".to_string())];
    assert!(
        store
            .unclaimed("email:ann@example.org", &claim)
            .await
            .unwrap()
            .is_empty(),
        "the claim is kept"
    );
    for (kind, expected) in [(DeliveryKind::Notice, 3), (DeliveryKind::Confirmation, 4)] {
        let new = NewDelivery {
            kind,
            recipient: "email:bob@example.org".into(),
            subject: "s".into(),
            payload: "{}".into(),
            items: 0,
        };
        let id = store.queue(&new, OffsetDateTime::UNIX_EPOCH).await.unwrap();
        assert_eq!(id, expected, "ids go on after the deleted one");
        assert_eq!(store.find_delivery(id).await.unwrap().unwrap().kind, kind);
    }

    let mut conn = raw(&path).await;
    let parents: Vec<String> =
        sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list('reminder_claims')")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(parents, ["deliveries"]);
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE name LIKE '%_new' OR name = 'deliveries_due'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        tables,
        ["deliveries_due"],
        "the index is back, no table left behind"
    );
    let orphan = sqlx::query(
        "INSERT INTO reminder_claims (recipient, item_key, win, delivery_id) \
         VALUES ('email:ann@example.org', 'x', 'y', 99)",
    )
    .execute(&mut conn)
    .await;
    assert!(orphan.is_err(), "the reference is enforced");
    store.close().await;
}
