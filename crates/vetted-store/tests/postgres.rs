//! The `PostgreSQL` backend: the conformance suite on a fresh database per test, then what is
//! particular to `PostgreSQL` (the schema, migrations, concurrent stores on one database) and
//! [`open`]'s choice of backend from a URL.
//!
//! The server comes from `VETTED_TEST_POSTGRES_URL`; `scripts/test` starts a throwaway one and
//! sets it. Without it every test here fails, saying so: none skips.

#[macro_use]
mod conformance;
mod scratch;
mod synthetic;

use std::sync::Arc;

use sqlx::{Connection, PgConnection};
use vetted_core::model::{Category, Status, Supplier};
use vetted_store::{
    AuditStore, DatabaseUrl, PostgresStore, Store, StoreError, open, open_with_audit_key,
};

use conformance::{id, import, listing, register, supplier};
use scratch::ScratchDatabase;

/// A fresh database on the test server.
async fn scratch() -> ScratchDatabase {
    ScratchDatabase::create(&scratch::server_url(), "vetted_test").await
}

/// A fresh store on a new database, opened through [`open`] as callers do.
async fn fresh() -> (ScratchDatabase, Arc<dyn Store>) {
    let db = scratch().await;
    let store = open_with_audit_key(&DatabaseUrl::new(db.url()), conformance::key())
        .await
        .unwrap();
    (db, store)
}

async fn connect(db: &ScratchDatabase) -> PostgresStore {
    PostgresStore::connect(&DatabaseUrl::new(db.url()))
        .await
        .unwrap()
        .with_audit_key(conformance::key())
}

/// A connection of the test's own to the database, beside the store's.
async fn raw(db: &ScratchDatabase) -> PgConnection {
    PgConnection::connect(db.url()).await.unwrap()
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

#[tokio::test]
async fn a_failed_import_writes_nothing() {
    let db = scratch().await;
    let store = connect(&db).await;
    // A trigger stands for any failure inside the transaction: a full disk, a lost connection.
    sqlx::raw_sql(
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF NEW.id = 'poisoned' THEN RAISE EXCEPTION 'poisoned supplier'; END IF; \
           RETURN NEW; \
         END $$; \
         CREATE TRIGGER poison BEFORE INSERT ON suppliers \
         FOR EACH ROW EXECUTE FUNCTION poison();",
    )
    .execute(&mut raw(&db).await)
    .await
    .unwrap();
    conformance::a_failed_import_writes_nothing(&store, &id("poisoned")).await;
    store.close().await;
}

#[tokio::test]
async fn a_row_the_import_could_not_replace_is_a_conflict_and_nothing_is_written() {
    let db = scratch().await;
    let store = connect(&db).await;
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    // Stands for a concurrent writer: the update of `b` is skipped, as when its version moved.
    sqlx::raw_sql(
        "CREATE FUNCTION skip_b() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF OLD.id = 'b' THEN RETURN NULL; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER skip_b BEFORE UPDATE ON suppliers \
         FOR EACH ROW EXECUTE FUNCTION skip_b();",
    )
    .execute(&mut raw(&db).await)
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

#[tokio::test]
async fn reconnecting_keeps_the_data_and_applies_no_migration_twice() {
    let db = scratch().await;
    let store = connect(&db).await;
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    store.close().await;

    let migrations = async || -> Vec<(i64, bool)> {
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut raw(&db).await)
            .await
            .unwrap()
    };
    let applied = migrations().await;
    assert!(!applied.is_empty() && applied.iter().all(|m| m.1));

    let store = connect(&db).await;
    assert_eq!(listing(&store).await, [("a".into(), 1), ("b".into(), 1)]);
    import(&store, &register([supplier("c", "C")])).await;
    store.close().await;
    assert_eq!(migrations().await, applied, "same migrations, applied once");
}

/// A `suppliers` row: id, position, version, doc, name, category, status, and whether
/// `created_at` equals `updated_at`.
type SupplierRow = (
    String,
    i64,
    i64,
    serde_json::Value,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

#[tokio::test]
async fn rows_hold_the_document_as_jsonb_its_projections_and_times() {
    let db = scratch().await;
    let store = connect(&db).await;
    let aws = synthetic::supplier(3, 1);
    import(&store, &register([supplier("bare", "Bare"), aws.clone()])).await;

    let mut conn = raw(&db).await;
    let doc_type: String = sqlx::query_scalar(
        "SELECT data_type FROM information_schema.columns \
         WHERE table_name = 'suppliers' AND column_name = 'doc'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(doc_type, "jsonb");

    let rows: Vec<SupplierRow> = sqlx::query_as(
        "SELECT id, position, version, doc, name, category, status, created_at = updated_at \
         FROM suppliers ORDER BY position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let (id_, position, version, doc, name, category, status, same_time) = &rows[1];
    assert_eq!((id_.as_str(), *position, *version), ("s000003", 2, 1));
    assert_eq!(
        serde_json::from_value::<Supplier>(doc.clone()).unwrap(),
        aws
    );
    assert_eq!(name.as_deref(), aws.name.as_deref());
    assert_eq!(category.as_deref(), aws.category.map(Category::as_str));
    assert_eq!(status.as_deref(), aws.status.map(Status::as_str));
    assert!(same_time);
    assert_eq!(rows[0].4.as_deref(), Some("Bare"));
    assert_eq!((rows[0].5.as_deref(), rows[0].6.as_deref()), (None, None));

    // An update moves `updated_at` and keeps `created_at`.
    sqlx::query(
        "UPDATE suppliers SET created_at = '2020-01-01T00:00:00Z', \
         updated_at = '2020-01-01T00:00:00Z'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    import(&store, &register([supplier("bare", "Renamed")])).await;
    let (name, created_kept, updated_moved): (String, bool, bool) = sqlx::query_as(
        "SELECT name, created_at = '2020-01-01T00:00:00Z', updated_at > '2020-01-01T00:00:00Z' \
         FROM suppliers WHERE id = 'bare'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(name, "Renamed");
    assert!(created_kept && updated_moved);
    store.close().await;
}

#[tokio::test]
async fn a_row_that_no_longer_decodes_is_an_error_that_names_it() {
    let db = scratch().await;
    let store = connect(&db).await;
    import(&store, &register([supplier("a", "A"), supplier("b", "B")])).await;
    sqlx::query(r#"UPDATE suppliers SET doc = '{"id":"b","colour":1}' WHERE id = 'b'"#)
        .execute(&mut raw(&db).await)
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
async fn two_stores_on_one_database_import_one_after_the_other() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
    let first = synthetic::register(1_500, 1);
    // Overlapping too: both import supplier 0, each its own edition.
    let second = register(
        (5_000..6_500)
            .map(|n| synthetic::supplier(n, 1))
            .chain([synthetic::supplier(0, 2)]),
    );

    let change = conformance::change();
    let (a, b) = tokio::join!(
        one.upsert_register(&first, &change, &|_| {}),
        two.upsert_register(&second, &change, &|_| {})
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.total() + b.total(), 3_001);
    assert_eq!(a.created + b.created, 3_000, "{a:?} {b:?}");

    // The imports did not interleave: each one's new suppliers are contiguous, in its order.
    let listed = one.list_suppliers().await.unwrap();
    assert_eq!(listed.len(), 3_000);
    let ids: Vec<&str> = listed.iter().map(|s| s.supplier.id.as_str()).collect();
    let (head, tail) = ids.split_at(1_500);
    let in_order = |part: &[&str]| part.windows(2).all(|w| w[0] < w[1]);
    assert!(in_order(head) && in_order(tail));
    let starts = (head[0], tail[0]);
    assert!(
        starts == ("s000000", "s005000") || starts == ("s005000", "s000000"),
        "{starts:?}"
    );
    assert_eq!(two.get_supplier(&id("s000000")).await.unwrap().version, 2);
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn open_chooses_postgres_for_both_schemes() {
    let db = scratch().await;
    let long = db.url().replacen("postgres://", "postgresql://", 1);
    for (n, url) in [db.url().to_string(), long].iter().enumerate() {
        let store = open_with_audit_key(&DatabaseUrl::new(url.as_str()), conformance::key())
            .await
            .unwrap();
        import(store.as_ref(), &register([supplier(&format!("s{n}"), "S")])).await;
        assert_eq!(
            store.count_suppliers().await.unwrap(),
            n as u64 + 1,
            "{url}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn passwords_stay_out_of_errors_and_debug_output() {
    // Nothing listens on port 1: the connection is refused at once.
    let error = open("postgres://vetted:s3cret@127.0.0.1:1/vetted")
        .await
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::Other { .. }), "{error:?}");
    let mut chain = vec![format!("{error} {error:?}")];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push(format!("{cause} {cause:?}"));
        source = cause.source();
    }
    let chain = chain.join(" / ");
    assert!(
        chain.contains("postgres://vetted:***@127.0.0.1:1/vetted"),
        "{chain}"
    );
    assert!(!chain.contains("s3cret"), "{chain}");

    // The test server trusts its clients, so a password in the URL is accepted and ignored.
    let db = scratch().await;
    let with_password = db.url().replacen("://vetted@", "://vetted:s3cret@", 1);
    let store = PostgresStore::connect(&DatabaseUrl::new(with_password))
        .await
        .unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("vetted:***@"), "{debug}");
    assert!(!debug.contains("s3cret"), "{debug}");
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
    let (_db, store) = fresh().await;
    conformance::writes::concurrent_updates_from_one_version(store.as_ref(), store.as_ref()).await;
    store.close().await;
}

#[tokio::test]
async fn concurrent_updates_through_two_stores_on_one_database() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
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
async fn two_stores_writing_at_once_extend_one_chain() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
    let change = conformance::change();
    let write = async |store: &PostgresStore, prefix: &str| {
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
async fn tampering_with_the_database_is_named() {
    for case in conformance::audit::TAMPERINGS {
        let db = scratch().await;
        let store = connect(&db).await;
        let head = conformance::audit::six_entries(&store).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(case.sql))
            .execute(&mut raw(&db).await)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        conformance::audit::assert_named(&store, case, head).await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_second_key_is_refused_for_writing() {
    let db = scratch().await;
    let url = DatabaseUrl::new(db.url());
    let store = connect(&db).await;
    store
        .create_supplier(&supplier("a", "A"), &conformance::change())
        .await
        .unwrap();
    let other = vetted_core::audit::AuditKey::from_bytes(&[0x01; 32]).unwrap();
    assert!(matches!(
        open_with_audit_key(&url, other.clone()).await,
        Err(StoreError::AuditKey(_))
    ));
    let sneaky = PostgresStore::connect(&url)
        .await
        .unwrap()
        .with_audit_key(other);
    assert!(matches!(
        sneaky
            .create_supplier(&supplier("b", "B"), &conformance::change())
            .await,
        Err(StoreError::AuditKey(_))
    ));
    sneaky.close().await;
    store.close().await;
}

evaluations_conformance_tests!(fresh;
    queries_filter_sort_and_page_as_the_engine_would,
    a_new_day_a_new_policy_and_every_write_are_picked_up,
);

/// The change counter on one store, then with another server's store writing the database.
#[tokio::test]
async fn the_change_counter_moves_with_every_write() {
    let (_db, store) = fresh().await;
    conformance::evaluations::the_change_counter_moves_with_every_write(
        store.as_ref(),
        store.as_ref(),
    )
    .await;
    store.close().await;
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
    conformance::evaluations::the_change_counter_moves_with_every_write(&one, &two).await;
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn two_stores_on_one_database_refresh_at_once() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
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
async fn two_stores_on_one_database_share_a_rate_limit() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
    conformance::subprocessors::two_stores_share_a_rate_limit(&one, &two).await;
    one.close().await;
    two.close().await;
}

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (_one, source) = fresh().await;
    let (_two, target) = fresh().await;
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
    let dir = tempfile::tempdir().unwrap();
    let (_one, source) = fresh().await;
    let db = scratch().await;
    let target = open_with_audit_key(
        &DatabaseUrl::new(db.url()),
        vetted_core::audit::AuditKey::from_bytes(&[0x11; 32]).unwrap(),
    )
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
async fn two_stores_on_one_database_a_cached_page_shows_the_other_stores_writes() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
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
async fn two_stores_on_one_database_claim_reminders_at_once() {
    let db = scratch().await;
    let (one, two) = (connect(&db).await, connect(&db).await);
    conformance::notify::two_stores_claim_at_once(&one, &two).await;
    one.close().await;
    two.close().await;
}

/// Migration 0009 widens `deliveries.kind`'s CHECK in place: the rows of a database at 0008
/// survive and the new kinds are accepted.
#[tokio::test]
async fn migration_0009_keeps_deliveries_and_claims() {
    use vetted_store::NotifyStore;
    use vetted_store::notify::{DeliveryKind, NewDelivery};

    let db = scratch().await;
    let mut conn = raw(&db).await;
    sqlx::migrate!("./migrations/postgres")
        .run_to(8, &mut conn)
        .await
        .unwrap();
    let delivery = "INSERT INTO deliveries (kind, recipient, subject, payload, items, status, \
        next_attempt_us, created_us) VALUES ($1, 'email:ann@example.org', 's', '{}', 1, \
        'pending', 5, 5) RETURNING id";
    let id: i64 = sqlx::query_scalar(delivery)
        .bind("digest")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO reminder_claims (recipient, item_key, win, delivery_id) \
         VALUES ('email:ann@example.org', 'aws/iso', 'soon', $1)",
    )
    .bind(id)
    .execute(&mut conn)
    .await
    .unwrap();
    assert!(
        sqlx::query(delivery)
            .bind("notice")
            .fetch_one(&mut conn)
            .await
            .is_err(),
        "0008 refuses the new kinds"
    );
    conn.close().await.unwrap();

    let store = connect(&db).await;
    let kept = store.find_delivery(id).await.unwrap().expect("kept");
    assert_eq!(
        (kept.kind, kept.recipient.as_str()),
        (DeliveryKind::Digest, "email:ann@example.org")
    );
    let claim = vec![("aws/iso".to_string(), "soon".to_string())];
    assert!(
        store
            .unclaimed("email:ann@example.org", &claim)
            .await
            .unwrap()
            .is_empty()
    );
    for kind in [DeliveryKind::Notice, DeliveryKind::Confirmation] {
        let new = NewDelivery {
            kind,
            recipient: "email:bob@example.org".into(),
            subject: "s".into(),
            payload: "{}".into(),
            items: 0,
        };
        let queued = store
            .queue(&new, time::OffsetDateTime::UNIX_EPOCH)
            .await
            .unwrap();
        assert_eq!(
            store.find_delivery(queued).await.unwrap().unwrap().kind,
            kind
        );
    }
    let mut conn = raw(&db).await;
    assert!(
        sqlx::query(delivery)
            .bind("fax")
            .fetch_one(&mut conn)
            .await
            .is_err(),
        "other kinds are still refused"
    );
    conn.close().await.unwrap();
    store.close().await;
}
