//! The register as it was (issue 7's first part), on `SQLite` and `PostgreSQL`: a register
//! changed over a simulated year (created, updated, archived, restored, a supplier added, a
//! policy version uploaded), a snapshot exported after every change, then
//! `GET /api/v1/register/export?at=` and `GET /api/v1/evaluation/summary?at=` at those moments
//! and between them: each answer equals the snapshot of that moment, reconstructed from the
//! audit trail alone (today's data has moved on since).

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::Backend;
use common::scratch;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use vetted_core::audit::{Actor, AuditKey};
use vetted_core::model::{Register, Status, SupplierId};
use vetted_core::policy::Policy;
use vetted_core::write::to_json;
use vetted_store::{Change, Store};
use vetted_web::AppState;
use vetted_web::auth::Role;

enum Guard {
    _Sqlite(tempfile::TempDir),
    _Postgres(scratch::ScratchDatabase),
}

async fn empty(backend: Backend) -> (Guard, Arc<dyn Store>, AuditKey) {
    let key = AuditKey::from_bytes(&[9; 32]).unwrap();
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = dir.path().join("vetted.db").display().to_string();
            let store = vetted_store::open_with_audit_key(
                &vetted_store::DatabaseUrl::new(&url),
                key.clone(),
            )
            .await
            .unwrap();
            (Guard::_Sqlite(dir), store, key)
        }
        Backend::Postgres => {
            let db =
                scratch::ScratchDatabase::create(&scratch::server_url(), "vetted_history").await;
            let store = vetted_store::open_with_audit_key(
                &vetted_store::DatabaseUrl::new(db.url()),
                key.clone(),
            )
            .await
            .unwrap();
            (Guard::_Postgres(db), store, key)
        }
    }
}

fn at(t: OffsetDateTime) -> Change {
    Change {
        actor: Actor::System,
        at: t,
    }
}

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

/// Renames supplier `s` at `t` (through the normal versioned update).
async fn rename(store: &dyn Store, s: &str, name: &str, t: OffsetDateTime) {
    let stored = store.get_supplier(&id(s)).await.unwrap();
    let mut sup = stored.supplier.clone();
    sup.name = Some(name.into());
    store
        .update_supplier(&sup, stored.version, &at(t))
        .await
        .unwrap();
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let res = common::get(app, uri).await;
    let status = res.status();
    (status, String::from_utf8(common::bytes(res).await).unwrap())
}

fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn the_register_at_past_moments_equals_what_was_exported_then(backend: Backend) {
    let (_guard, store, key) = empty(backend).await;
    let example = common::example_register();
    let mut snapshots: Vec<(OffsetDateTime, String, Option<String>)> = Vec::new();
    let snap = |store: Arc<dyn Store>| async move { to_json(&store.register().await.unwrap()) };

    // January: the first eight suppliers are imported.
    let t0 = datetime!(2025-12-01 09:00 UTC);
    let first = Register {
        suppliers: example.suppliers[..8].to_vec(),
    };
    store
        .upsert_register(&first, &at(t0), &|_| {})
        .await
        .unwrap();
    snapshots.push((t0, snap(Arc::clone(&store)).await, None));

    // Every month something changes.
    let ids: Vec<String> = first.suppliers.iter().map(|s| s.id.to_string()).collect();
    let t1 = datetime!(2026-01-15 10:00 UTC);
    rename(store.as_ref(), &ids[0], "Renamed in January", t1).await;
    snapshots.push((t1, snap(Arc::clone(&store)).await, None));

    let t2 = datetime!(2026-03-02 08:30 UTC);
    let v = store.get_supplier(&id(&ids[1])).await.unwrap().version;
    store
        .archive_supplier(&id(&ids[1]), v, &at(t2))
        .await
        .unwrap();
    snapshots.push((t2, snap(Arc::clone(&store)).await, None));

    // April: a stricter policy version (a tier threshold moved) is uploaded.
    let t3 = datetime!(2026-04-10 12:00 UTC);
    let stricter = vetted_core::policy::DEFAULT_POLICY_TOML.replace("critical = 8", "critical = 7");
    Policy::from_toml(&stricter).expect("the stricter policy reads");
    store.add_policy_version(&stricter, &at(t3)).await.unwrap();
    snapshots.push((t3, snap(Arc::clone(&store)).await, Some(stricter.clone())));

    let t4 = datetime!(2026-05-20 16:45 UTC);
    let mut added = example.suppliers[8].clone();
    added.name = Some("Added in May".into());
    store.create_supplier(&added, &at(t4)).await.unwrap();
    snapshots.push((t4, snap(Arc::clone(&store)).await, Some(stricter.clone())));

    let t5 = datetime!(2026-06-30 23:59 UTC);
    let v = store.get_supplier(&id(&ids[1])).await.unwrap().version;
    store
        .restore_supplier(&id(&ids[1]), v, &at(t5))
        .await
        .unwrap();
    snapshots.push((t5, snap(Arc::clone(&store)).await, Some(stricter.clone())));

    let t6 = datetime!(2026-09-01 07:00 UTC);
    let stored = store.get_supplier(&id(&ids[2])).await.unwrap();
    let mut s = stored.supplier.clone();
    s.status = Some(Status::Terminated);
    s.name = Some("Terminated in September".into());
    store
        .update_supplier(&s, stored.version, &at(t6))
        .await
        .unwrap();
    rename(store.as_ref(), &ids[0], "Renamed again in September", t6).await;
    snapshots.push((t6, snap(Arc::clone(&store)).await, Some(stricter.clone())));

    // Today: more changes, which no past answer may show.
    rename(
        store.as_ref(),
        &ids[3],
        "Renamed today",
        OffsetDateTime::now_utc(),
    )
    .await;

    let state = AppState::new(Arc::clone(&store), Policy::default(), Default::default())
        .with_audit_key(key);
    let app = common::app(state, Some(Role::Viewer));

    // Before anything was recorded: an empty register.
    let (status, body) = get(&app, "/api/v1/register/export?at=2025-11-30").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, to_json(&Register::default()));

    for (i, (t, expected, policy)) in snapshots.iter().enumerate() {
        // At the moment itself, a minute later, and (for the day form) the end of a day
        // before the next change.
        let next = snapshots.get(i + 1).map(|s| s.0);
        let mut moments = vec![iso(*t), iso(*t + time::Duration::minutes(1))];
        if next.is_none_or(|n| n.date() > t.date()) {
            moments.push(vetted_core::date::format_date(t.date()));
        }
        for m in moments {
            let (status, body) = get(&app, &format!("/api/v1/register/export?at={m}")).await;
            assert_eq!(status, StatusCode::OK, "{m}: {body}");
            assert_eq!(
                &body, expected,
                "the register at {m} is the one exported then"
            );
        }

        // The summary at that moment: the engine's, on that register, under the policy then.
        let register: Register = vetted_core::read::read_register(
            expected,
            vetted_core::read::Syntax::Json,
            &vetted_core::read::ReadOptions { clauses: None },
        )
        .unwrap();
        let policy = policy
            .as_deref()
            .map_or_else(Policy::default, |t| Policy::from_toml(t).unwrap());
        let refs: Vec<_> = register.suppliers.iter().collect();
        let report = vetted_app::evaluate::check_parallel(&refs, &policy, t.date());
        let (status, body) = get(&app, &format!("/api/v1/evaluation/summary?at={}", iso(*t))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let summary: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(summary["as_of"], vetted_core::date::format_date(t.date()));
        assert_eq!(summary["suppliers"], register.suppliers.len());
        assert_eq!(
            summary["verdicts"],
            serde_json::to_value(&report.summary).unwrap(),
            "the verdicts at {t}"
        );
    }

    // The threshold change shows: some supplier is critical under the April policy and not
    // under the default one, so the summaries before and after April differ in tiers while
    // the register alone did not change between March and April.
    let (_, march) = get(
        &app,
        &format!("/api/v1/evaluation/summary?at={}&as_of=2026-04-11", iso(t2)),
    )
    .await;
    let (_, april) = get(
        &app,
        &format!("/api/v1/evaluation/summary?at={}&as_of=2026-04-11", iso(t3)),
    )
    .await;
    let tiers = |b: &str| serde_json::from_str::<Value>(b).unwrap()["tiers"].clone();
    assert_ne!(
        tiers(&march),
        tiers(&april),
        "the policy in force then is used"
    );

    // Bad moments.
    let (status, body) = get(&app, "/api/v1/register/export?at=2999-01-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("future"));
    let (status, body) = get(&app, "/api/v1/register/export?at=last-tuesday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"path\":\"at\""), "{body}");
}

on_both_backends!(the_register_at_past_moments_equals_what_was_exported_then);
