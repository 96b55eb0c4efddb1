//! The register as it was (issue 7's first part), on `SQLite` and `PostgreSQL`: a register
//! changed over a simulated year (created, updated, archived, restored, a supplier added, a
//! policy version uploaded), a snapshot exported after every change, then
//! `GET /api/v1/register/export?at=`, `GET /api/v1/evaluation/summary?at=`, `GET
//! /api/v1/due?at=` and `GET /api/v1/suppliers/{id}[/findings]?at=` at those moments and
//! between them: each answer equals the snapshot of that moment (evaluated under the policy
//! then), reconstructed from the audit trail alone (today's data has moved on since). The
//! supplier list (`GET /api/v1/suppliers?at=`, with filters, sorts and pages) and the risk
//! register (`GET /api/v1/risks?at=`, `/risks/{id}?at=`) are read live after every change,
//! by a server under the policy in force then, and read again with `at` at the end: the
//! answers are the same.

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
use vetted_web::auth::Role;
use vetted_web::{AppState, WebConfig};

#[allow(
    dead_code,
    reason = "a guard only keeps its database alive until the test ends"
)]
enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(scratch::ScratchDatabase),
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
            (Guard::Sqlite(dir), store, key)
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
            (Guard::Postgres(db), store, key)
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

/// The supplier list's queries read live and again with `at`: filters, sorts, pages. (Not
/// `sort=updated`: a store keeps its wall clock's time of each write, and this simulated year
/// records changes at other times.)
const LIST_QUERIES: [&str; 10] = [
    "",
    "archived=all&sort=name",
    "archived=true",
    "sort=name&order=desc&limit=3&offset=1",
    "sort=verdict",
    "sort=tier&order=desc",
    "sort=next_due&limit=4",
    "q=cloud&sort=id",
    "country=DE&status=active",
    "rule=escalation.risk",
];

/// What a server under `policy` (its TOML text) answers now to the list queries and the risk
/// register's reads, by URI.
async fn live_reads(store: &Arc<dyn Store>, policy: &str) -> Vec<(String, Value)> {
    let state = AppState::new(
        Arc::clone(store),
        Policy::from_toml(policy).unwrap(),
        WebConfig::default(),
    )
    .with_policy_toml(policy);
    let app = common::app(state, Some(Role::Viewer));
    let mut reads = Vec::new();
    for q in LIST_QUERIES {
        let uri = format!("/api/v1/suppliers?{q}");
        let body = common::json(common::get(&app, &uri).await, StatusCode::OK).await;
        reads.push((uri, body));
    }
    for uri in ["/api/v1/risks", "/api/v1/risks?status=open"] {
        let body = common::json(common::get(&app, uri).await, StatusCode::OK).await;
        reads.push((uri.to_string(), body));
    }
    let risks = reads.last().unwrap().1.clone();
    let all = common::json(common::get(&app, "/api/v1/risks").await, StatusCode::OK).await;
    assert!(risks["total"].as_u64() <= all["total"].as_u64());
    for r in all["items"].as_array().unwrap() {
        let uri = format!("/api/v1/risks/{}", r["id"].as_str().unwrap());
        let body = common::json(common::get(&app, &uri).await, StatusCode::OK).await;
        reads.push((uri, body));
    }
    reads
}

async fn the_register_at_past_moments_equals_what_was_exported_then(backend: Backend) {
    let (_guard, store, key) = empty(backend).await;
    let example = common::example_register();
    let mut snapshots: Vec<(OffsetDateTime, String, Option<String>)> = Vec::new();
    let snap = |store: Arc<dyn Store>| async move { to_json(&store.register().await.unwrap()) };
    // After each change: the live reads of a server under the policy in force then.
    let mut live: Vec<Vec<(String, Value)>> = Vec::new();
    let default_toml = vetted_core::policy::DEFAULT_POLICY_TOML;

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
    live.push(live_reads(&store, default_toml).await);

    // Every month something changes.
    let ids: Vec<String> = first.suppliers.iter().map(|s| s.id.to_string()).collect();
    let t1 = datetime!(2026-01-15 10:00 UTC);
    rename(store.as_ref(), &ids[0], "Renamed in January", t1).await;
    snapshots.push((t1, snap(Arc::clone(&store)).await, None));
    live.push(live_reads(&store, default_toml).await);

    let t2 = datetime!(2026-03-02 08:30 UTC);
    let v = store.get_supplier(&id(&ids[1])).await.unwrap().version;
    store
        .archive_supplier(&id(&ids[1]), v, &at(t2))
        .await
        .unwrap();
    snapshots.push((t2, snap(Arc::clone(&store)).await, None));
    live.push(live_reads(&store, default_toml).await);

    // April: a stricter policy version (a tier threshold moved) is uploaded.
    let t3 = datetime!(2026-04-10 12:00 UTC);
    let stricter = vetted_core::policy::DEFAULT_POLICY_TOML.replace("critical = 8", "critical = 7");
    Policy::from_toml(&stricter).expect("the stricter policy reads");
    store.add_policy_version(&stricter, &at(t3)).await.unwrap();
    snapshots.push((t3, snap(Arc::clone(&store)).await, Some(stricter.clone())));
    live.push(live_reads(&store, &stricter).await);

    let t4 = datetime!(2026-05-20 16:45 UTC);
    let mut added = example.suppliers[8].clone();
    added.name = Some("Added in May".into());
    store.create_supplier(&added, &at(t4)).await.unwrap();
    snapshots.push((t4, snap(Arc::clone(&store)).await, Some(stricter.clone())));
    live.push(live_reads(&store, &stricter).await);

    let t5 = datetime!(2026-06-30 23:59 UTC);
    let v = store.get_supplier(&id(&ids[1])).await.unwrap().version;
    store
        .restore_supplier(&id(&ids[1]), v, &at(t5))
        .await
        .unwrap();
    snapshots.push((t5, snap(Arc::clone(&store)).await, Some(stricter.clone())));
    live.push(live_reads(&store, &stricter).await);

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
    let stored = store.get_supplier(&id(&ids[4])).await.unwrap();
    let mut s = stored.supplier.clone();
    s.risks[0].status = Some(vetted_core::model::RiskStatus::Closed);
    s.risks[0].title = Some("Closed in September".into());
    store
        .update_supplier(&s, stored.version, &at(t6))
        .await
        .unwrap();
    snapshots.push((t6, snap(Arc::clone(&store)).await, Some(stricter.clone())));
    live.push(live_reads(&store, &stricter).await);

    // Today: more changes, which no past answer may show.
    rename(
        store.as_ref(),
        &ids[3],
        "Renamed today",
        OffsetDateTime::now_utc(),
    )
    .await;

    let state = AppState::new(Arc::clone(&store), Policy::default(), WebConfig::default())
        .with_audit_key(key);
    let app = common::app(state, Some(Role::Viewer));

    // Before anything was recorded: an empty register.
    let (status, body) = get(&app, "/api/v1/register/export?at=2025-11-30").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, to_json(&Register::default()));

    let mut something_due = false;
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

        // The due list then: `due_list` of that register under the policy then, paged as
        // today's.
        let due = vetted_app::evaluate::due_list(
            &register.suppliers,
            &policy,
            t.date(),
            Some(policy.review.due_soon_days),
        );
        something_due |= !due.is_empty();
        let (status, body) = get(&app, &format!("/api/v1/due?at={}", iso(*t))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["as_of"], vetted_core::date::format_date(t.date()));
        assert_eq!(answer["within_days"], policy.review.due_soon_days);
        assert_eq!(answer["total"], due.len());
        assert_eq!(
            answer["items"],
            serde_json::to_value(&due).unwrap(),
            "what was due at {t}"
        );
        let (_, body) = get(
            &app,
            &format!("/api/v1/due?at={}&within=400d&limit=2&offset=1", iso(*t)),
        )
        .await;
        let long =
            vetted_app::evaluate::due_list(&register.suppliers, &policy, t.date(), Some(400));
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["total"], long.len());
        assert_eq!(
            answer["items"],
            serde_json::to_value(&long[1..3]).unwrap(),
            "a page of what was due within 400 days at {t}"
        );

        // Each supplier then: its record as recorded then, evaluated under the policy then,
        // without an ETag (it is no version to write against).
        for s in &register.suppliers {
            let e = vetted_core::engine::evaluate(s, &policy, t.date());
            let reply = common::get(
                &app,
                &format!("/api/v1/suppliers/{}?at={}&include=findings", s.id, iso(*t)),
            )
            .await;
            assert!(
                reply.headers().get("etag").is_none(),
                "no ETag for a past read"
            );
            let body = common::json(reply, StatusCode::OK).await;
            assert_eq!(
                body["supplier"],
                serde_json::to_value(s).unwrap(),
                "{} at {t}",
                s.id
            );
            assert_eq!(body["archived"], false);
            assert_eq!(
                body["evaluation"]["verdict"],
                serde_json::to_value(e.verdict).unwrap()
            );
            assert_eq!(
                body["evaluation"]["tier"],
                serde_json::to_value(e.tier).unwrap()
            );
            let reply = common::get(
                &app,
                &format!("/api/v1/suppliers/{}/findings?at={}", s.id, iso(*t)),
            )
            .await;
            let body = common::json(reply, StatusCode::OK).await;
            assert_eq!(body["as_of"], vetted_core::date::format_date(t.date()));
            assert_eq!(
                body["findings"],
                serde_json::to_value(&e.findings).unwrap(),
                "the findings of {} at {t}",
                s.id
            );
        }
    }

    assert!(
        something_due,
        "the example register had something due at some moment"
    );

    // The supplier list and the risk register at each moment, evaluated on the day they were
    // read live (today), equal what was read then: today's renames, archive and risk changes
    // do not show.
    let today = vetted_core::date::format_date(OffsetDateTime::now_utc().date());
    let mut compared = 0;
    for ((t, _, _), reads) in snapshots.iter().zip(&live) {
        for (uri, expected) in reads {
            let sep = if uri.contains('?') { '&' } else { '?' };
            let past = format!("{uri}{sep}at={}&as_of={today}", iso(*t));
            let body = common::json(common::get(&app, &past).await, StatusCode::OK).await;
            assert_eq!(&body, expected, "{past} is what {uri} answered at {t}");
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared} reads compared");
    // The differences the past reads had to reproduce: the live reads changed over the year.
    assert_ne!(live[0], live[live.len() - 1]);
    assert!(
        !live[6]
            .iter()
            .any(|(u, b)| u == "/api/v1/risks?status=open" && b.to_string().contains("R-15")),
        "R-15 was closed in September"
    );
    assert!(
        live[5]
            .iter()
            .any(|(u, b)| u == "/api/v1/risks?status=open" && b.to_string().contains("R-15")),
        "R-15 was open before September"
    );
    // Without `as_of`, the day of the moment: the list at t2 evaluated on t2's date.
    let body = common::json(
        common::get(&app, &format!("/api/v1/suppliers?at={}", iso(t2))).await,
        StatusCode::OK,
    )
    .await;
    let march: Register = vetted_core::read::read_register(
        &snapshots[2].1,
        vetted_core::read::Syntax::Json,
        &vetted_core::read::ReadOptions { clauses: None },
    )
    .unwrap();
    assert_eq!(body["total"], march.suppliers.len());
    for (item, s) in body["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&march.suppliers)
    {
        let e = vetted_core::engine::evaluate(s, &Policy::default(), t2.date());
        assert_eq!(item["id"], s.id.as_str());
        assert_eq!(item["verdict"], serde_json::to_value(e.verdict).unwrap());
    }
    // A risk no supplier held then: 404 saying so; a future moment: 400 naming `at`.
    let body = common::json(
        common::get(&app, "/api/v1/risks/R-07?at=2025-11-30").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("held risk `R-07`"),
        "{body}"
    );
    for uri in [
        "/api/v1/suppliers?at=2999-01-01",
        "/api/v1/risks?at=2999-01-01",
        "/api/v1/risks/R-07?at=2999-01-01",
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(
            body.contains("\"path\":\"at\"") && body.contains("future"),
            "{uri}: {body}"
        );
    }
    let (status, body) = get(&app, "/api/v1/suppliers?as_of=2026-01-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"path\":\"as_of\""), "{body}");

    // The versions then: one per recorded change, as the store counted them.
    let version_at = |s: &str, t: OffsetDateTime| {
        let app = app.clone();
        let uri = format!("/api/v1/suppliers/{s}?at={}", iso(t));
        async move {
            let body = common::json(common::get(&app, &uri).await, StatusCode::OK).await;
            (body["version"].clone(), body["supplier"]["name"].clone())
        }
    };
    assert_eq!(version_at(&ids[0], t0).await.0, 1);
    assert_eq!(
        version_at(&ids[0], t1).await,
        (Value::from(2), Value::from("Renamed in January"))
    );
    assert_eq!(
        version_at(&ids[0], t6).await,
        (Value::from(3), Value::from("Renamed again in September"))
    );
    assert_eq!(
        version_at(&ids[1], t5).await.0,
        3,
        "created, archived, restored"
    );
    // Now, every supplier is as stored, at its stored version (today's rename included).
    let now = OffsetDateTime::now_utc();
    for stored in store.register().await.unwrap().suppliers {
        let current = store.get_supplier(&stored.id).await.unwrap();
        let (version, name) = version_at(stored.id.as_str(), now).await;
        assert_eq!(version, current.version, "{}", stored.id);
        assert_eq!(name, serde_json::to_value(&current.supplier.name).unwrap());
    }
    // The same read without `at` keeps its ETag.
    let res = common::get(&app, &format!("/api/v1/suppliers/{}", ids[0])).await;
    assert_eq!(res.headers().get("etag").unwrap(), "\"3\"");

    // Not in the register then: archived, or not created yet; the message says which.
    let archived = format!(
        "/api/v1/suppliers/{}?at={}",
        ids[1],
        iso(t2 + time::Duration::days(1))
    );
    let body = common::json(common::get(&app, &archived).await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"].as_str().unwrap().contains("was archived"),
        "{body}"
    );
    let uri = format!("/api/v1/suppliers/{}/findings?at={}", ids[1], iso(t3));
    let body = common::json(common::get(&app, &uri).await, StatusCode::NOT_FOUND).await;
    assert!(
        body["message"].as_str().unwrap().contains("was archived"),
        "{body}"
    );
    for uri in [
        format!("/api/v1/suppliers/{}?at={}", added.id, iso(t3)),
        format!("/api/v1/suppliers/{}/findings?at={}", added.id, iso(t3)),
        format!("/api/v1/suppliers/{}?at=2025-11-30", ids[0]),
    ] {
        let body = common::json(common::get(&app, &uri).await, StatusCode::NOT_FOUND).await;
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("had not been created"),
            "{uri}: {body}"
        );
    }
    // Today the archived one is back and the added one exists: the 404s were about then.
    assert_eq!(version_at(added.id.as_str(), t4).await.1, "Added in May");

    // The policy then decides the tier: a supplier whose tier the April threshold raised.
    // (The register was the same just before April's upload as at it.)
    let april: Register = vetted_core::read::read_register(
        &snapshots[3].1,
        vetted_core::read::Syntax::Json,
        &vetted_core::read::ReadOptions { clauses: None },
    )
    .unwrap();
    let raised = april
        .suppliers
        .into_iter()
        .find(|s| {
            let d = vetted_core::engine::evaluate(s, &Policy::default(), t3.date());
            let p = Policy::from_toml(&stricter).unwrap();
            d.tier != vetted_core::engine::evaluate(s, &p, t3.date()).tier
        })
        .expect("some supplier's tier depends on the April threshold");
    let tier_at = |t: OffsetDateTime| {
        let app = app.clone();
        let uri = format!(
            "/api/v1/suppliers/{}/findings?at={}&as_of={}",
            raised.id,
            iso(t),
            vetted_core::date::format_date(t3.date())
        );
        async move { common::json(common::get(&app, &uri).await, StatusCode::OK).await["tier"].clone() }
    };
    assert_ne!(
        tier_at(t3 - time::Duration::minutes(1)).await,
        tier_at(t3).await,
        "the policy in force then is used"
    );

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
    for uri in [
        "/api/v1/due?at=2999-01-01".to_string(),
        format!("/api/v1/suppliers/{}?at=2999-01-01", ids[0]),
        format!("/api/v1/suppliers/{}/findings?at=2999-01-01", ids[0]),
    ] {
        let (status, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body.contains("future"), "{uri}: {body}");
    }
    let (status, body) = get(&app, &format!("/api/v1/suppliers/{}?at=soon", ids[0])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"path\":\"at\""), "{body}");
}

on_both_backends!(the_register_at_past_moments_equals_what_was_exported_then);
