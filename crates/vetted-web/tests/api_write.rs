//! The REST API's writes through the whole router, on SQLite and PostgreSQL: supplier create,
//! replace, archive and restore under `If-Match`; nested records; two servers writing one
//! supplier at once (one wins whole, the other gets 409); the supplier list against the
//! store's own query.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use common::{Backend, Guard, app, error, get, json, send};
use serde_json::{Value, json};
use vetted_core::model::SupplierId;
use vetted_core::policy::Policy;
use vetted_store::{SortKey, SupplierQuery};
use vetted_web::auth::Role;
use vetted_web::{AppState, WebConfig};

on_both_backends!(
    create_replace_archive_restore_carry_etags,
    a_stale_version_is_409_with_the_current_supplier,
    a_write_without_a_version_is_428,
    a_replacement_keeps_the_paths_id,
    two_servers_writing_one_supplier_lose_no_field,
    nested_records_are_added_replaced_and_deleted,
    bad_nested_records_are_422_with_their_path_in_the_supplier,
    the_list_answers_as_the_store_query,
    bad_list_parameters_are_400,
    viewers_cannot_write,
);

/// A request with a JSON body (or none) and an optional `If-Match`.
pub fn request(
    method: &str,
    uri: &str,
    if_match: Option<i64>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(v) = if_match {
        req = req.header("if-match", format!("\"{v}\""));
    }
    match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string()))
            .expect("request"),
        None => req.body(Body::empty()).expect("request"),
    }
}

pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    if_match: Option<i64>,
    body: Option<&Value>,
) -> Response {
    send(app, request(method, uri, if_match, body)).await
}

fn etag_of(res: &Response) -> i64 {
    let tag = res.headers()["etag"].to_str().unwrap();
    tag.trim_matches('"').parse().unwrap()
}

/// The supplier and its version, as a client reads them.
async fn read(app: &Router, id: &str) -> (Value, i64) {
    let body = json(
        get(app, &format!("/api/v1/suppliers/{id}")).await,
        StatusCode::OK,
    )
    .await;
    (body["supplier"].clone(), body["version"].as_i64().unwrap())
}

/// A second state over the database of `guard`, as a second server would open it.
async fn second_server(guard: &Guard) -> AppState {
    let url = match guard {
        Guard::Sqlite(dir) => dir.path().join("vetted.db").display().to_string(),
        Guard::Postgres(db) => db.url().to_string(),
    };
    let key = vetted_core::audit::AuditKey::from_bytes(&[7; 32]).unwrap();
    let store = vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(&url), key)
        .await
        .expect("a second store on the same database");
    AppState::new(store, Policy::default(), WebConfig::default())
}

async fn create_replace_archive_restore_carry_etags(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state.clone(), Some(Role::Editor));
    let new = json!({"id": "acme", "name": "Acme GmbH", "category": "saas", "status": "active"});
    let res = call(&app, "POST", "/api/v1/suppliers", None, Some(&new)).await;
    assert_eq!(res.headers()["location"], "/api/v1/suppliers/acme");
    assert_eq!(etag_of(&res), 1);
    let body = json(res, StatusCode::CREATED).await;
    assert_eq!(body["version"], 1);
    assert_eq!(body["supplier"]["name"], "Acme GmbH");
    assert_eq!(body["archived"], false);

    // The same id again is a conflict.
    let res = call(&app, "POST", "/api/v1/suppliers", None, Some(&new)).await;
    error(res, StatusCode::CONFLICT, "conflict").await;

    let mut changed = new.clone();
    changed["name"] = json!("Acme AG");
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/acme",
        Some(1),
        Some(&changed),
    )
    .await;
    assert_eq!(etag_of(&res), 2);
    let body = json(res, StatusCode::OK).await;
    assert_eq!(body["supplier"]["name"], "Acme AG");
    let (stored, version) = read(&app, "acme").await;
    assert_eq!((stored["name"].as_str(), version), (Some("Acme AG"), 2));

    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/acme/archive",
        Some(2),
        None,
    )
    .await;
    assert_eq!(etag_of(&res), 3);
    assert_eq!(json(res, StatusCode::OK).await["archived"], true);
    let listed = json(
        get(&app, "/api/v1/suppliers?limit=1000").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == "acme")
    );
    let archived = json(
        get(&app, "/api/v1/suppliers?archived=true").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(archived["total"], 1);
    assert_eq!(archived["items"][0]["id"], "acme");
    assert_eq!(archived["items"][0]["archived"], true);

    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/acme/restore",
        Some(3),
        None,
    )
    .await;
    assert_eq!(etag_of(&res), 4);
    assert_eq!(json(res, StatusCode::OK).await["archived"], false);

    // What the store holds is what the API answered.
    let stored = state
        .store
        .get_supplier(&SupplierId::parse("acme").unwrap())
        .await
        .unwrap();
    assert_eq!((stored.version, stored.archived), (4, false));
    assert_eq!(stored.supplier.name.as_deref(), Some("Acme AG"));
}

async fn a_stale_version_is_409_with_the_current_supplier(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    let (mut supplier, version) = read(&app, "stratocloud").await;
    supplier["owner"] = json!("first writer");
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud",
        Some(version),
        Some(&supplier),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    supplier["owner"] = json!("second writer");
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud",
        Some(version),
        Some(&supplier),
    )
    .await;
    let body = error(res, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(body["current"]["version"], version + 1);
    assert_eq!(body["current"]["supplier"]["owner"], "first writer");
    // Archive, restore and nested writes check the version the same way.
    for (method, uri, body) in [
        ("POST", "/api/v1/suppliers/stratocloud/archive", None),
        ("PUT", "/api/v1/suppliers/stratocloud/risk", Some(json!({}))),
        (
            "POST",
            "/api/v1/suppliers/stratocloud/events",
            Some(json!({})),
        ),
        ("DELETE", "/api/v1/suppliers/stratocloud/locations/0", None),
    ] {
        let res = call(&app, method, uri, Some(version), body.as_ref()).await;
        let body = error(res, StatusCode::CONFLICT, "conflict").await;
        assert_eq!(body["current"]["version"], version + 1, "{method} {uri}");
    }
    let (stored, now) = read(&app, "stratocloud").await;
    assert_eq!(
        (stored["owner"].as_str(), now),
        (Some("first writer"), version + 1)
    );
}

async fn a_write_without_a_version_is_428(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    let (supplier, version) = read(&app, "stratocloud").await;
    for (method, uri, body) in [
        (
            "PUT",
            "/api/v1/suppliers/stratocloud",
            Some(supplier.clone()),
        ),
        ("POST", "/api/v1/suppliers/stratocloud/archive", None),
        ("POST", "/api/v1/suppliers/stratocloud/restore", None),
        ("PUT", "/api/v1/suppliers/stratocloud/data", Some(json!({}))),
        (
            "POST",
            "/api/v1/suppliers/stratocloud/locations",
            Some(json!({"country": "FR"})),
        ),
        (
            "PUT",
            "/api/v1/suppliers/stratocloud/locations/0",
            Some(json!({"country": "FR"})),
        ),
        ("DELETE", "/api/v1/suppliers/stratocloud/locations/0", None),
    ] {
        let res = call(&app, method, uri, None, body.as_ref()).await;
        let body = error(
            res,
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
        )
        .await;
        assert!(
            body["message"].as_str().unwrap().contains("If-Match"),
            "{body}"
        );
    }
    // Nothing was written.
    assert_eq!(read(&app, "stratocloud").await, (supplier, version));
}

async fn a_replacement_keeps_the_paths_id(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    let (mut supplier, version) = read(&app, "helpdeck").await;
    supplier["id"] = json!("otherdesk");
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/helpdeck",
        Some(version),
        Some(&supplier),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["problems"][0]["path"], "id");
    // Without an id, the path's is taken.
    supplier.as_object_mut().unwrap().remove("id");
    supplier["owner"] = json!("procurement");
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/helpdeck",
        Some(version),
        Some(&supplier),
    )
    .await;
    let body = json(res, StatusCode::OK).await;
    assert_eq!(body["supplier"]["id"], "helpdeck");
    assert_eq!(body["supplier"]["owner"], "procurement");
    // A replacement that breaks the format names every field.
    let bad = json!({"name": 3, "status": "alive"});
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/helpdeck",
        Some(version + 1),
        Some(&bad),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"name") && paths.contains(&"status"),
        "{body}"
    );
    // An unknown supplier is 404.
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/nobody",
        Some(1),
        Some(&json!({})),
    )
    .await;
    error(res, StatusCode::NOT_FOUND, "not_found").await;
}

async fn two_servers_writing_one_supplier_lose_no_field(backend: Backend) {
    let (db, state) = backend.state().await;
    let one = app(state, Some(Role::Editor));
    let two = app(second_server(&db).await, Some(Role::Editor));
    for round in 0..5 {
        let (base, version) = read(&one, "pipewise-crm").await;
        // Each client changes other fields of the same version.
        let mut a = base.clone();
        a["name"] = json!(format!("Pipewise A{round}"));
        a["owner"] = json!(format!("owner A{round}"));
        let mut b = base.clone();
        b["website"] = json!(format!("https://b{round}.example"));
        b["services"] = json!([format!("service B{round}")]);
        let (ra, rb) = tokio::join!(
            tokio::spawn({
                let one = one.clone();
                async move {
                    call(
                        &one,
                        "PUT",
                        "/api/v1/suppliers/pipewise-crm",
                        Some(version),
                        Some(&a),
                    )
                    .await
                }
            }),
            tokio::spawn({
                let two = two.clone();
                async move {
                    call(
                        &two,
                        "PUT",
                        "/api/v1/suppliers/pipewise-crm",
                        Some(version),
                        Some(&b),
                    )
                    .await
                }
            }),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let mut statuses = [ra.status(), rb.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let a_won = ra.status() == StatusCode::OK;
        let loser = if a_won { rb } else { ra };
        let conflict = error(loser, StatusCode::CONFLICT, "conflict").await;
        assert_eq!(conflict["current"]["version"], version + 1);

        // Read through the other server: the winner's fields, all of them; none of the loser's.
        let (stored, now) = read(&two, "pipewise-crm").await;
        assert_eq!(now, version + 1);
        assert_eq!(conflict["current"]["supplier"], stored);
        if a_won {
            assert_eq!(stored["name"], format!("Pipewise A{round}"));
            assert_eq!(stored["owner"], format!("owner A{round}"));
            assert_eq!(stored["website"], base["website"]);
            assert_eq!(stored["services"], base["services"]);
        } else {
            assert_eq!(stored["website"], format!("https://b{round}.example"));
            assert_eq!(stored["services"], json!([format!("service B{round}")]));
            assert_eq!(stored["name"], base["name"]);
            assert_eq!(stored["owner"], base["owner"]);
        }
    }
}

async fn nested_records_are_added_replaced_and_deleted(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    let (supplier, v) = read(&app, "stratocloud").await;
    let count = supplier["locations"].as_array().unwrap().len();

    // Append: 201, the index, the item's URL, the new ETag.
    let loc = json!({"country": "FR", "purpose": "access"});
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/locations",
        Some(v),
        Some(&loc),
    )
    .await;
    assert_eq!(etag_of(&res), v + 1);
    assert_eq!(
        res.headers()["location"],
        format!("/api/v1/suppliers/stratocloud/locations/{count}")
    );
    let body = json(res, StatusCode::CREATED).await;
    assert_eq!(body["index"], count);
    assert_eq!(body["path"], format!("locations[{count}]"));
    assert_eq!(body["record"], loc);
    let item = json(
        get(
            &app,
            &format!("/api/v1/suppliers/stratocloud/locations/{count}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(item, loc);

    // Replace it.
    let loc2 = json!({"country": "NL", "purpose": "processing"});
    let res = call(
        &app,
        "PUT",
        &format!("/api/v1/suppliers/stratocloud/locations/{count}"),
        Some(v + 1),
        Some(&loc2),
    )
    .await;
    assert_eq!(json(res, StatusCode::OK).await["record"], loc2);
    // Past the end is 404.
    let res = call(
        &app,
        "PUT",
        &format!("/api/v1/suppliers/stratocloud/locations/{}", count + 1),
        Some(v + 2),
        Some(&loc2),
    )
    .await;
    error(res, StatusCode::NOT_FOUND, "not_found").await;

    // Delete the first: the others move up.
    let res = call(
        &app,
        "DELETE",
        "/api/v1/suppliers/stratocloud/locations/0",
        Some(v + 2),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(etag_of(&res), v + 3);
    let (after, _) = read(&app, "stratocloud").await;
    let mut expected = supplier["locations"].as_array().unwrap()[1..].to_vec();
    expected.push(loc2);
    assert_eq!(after["locations"], Value::Array(expected));

    // One-object sections are replaced whole.
    let risk = json!({"business_impact": "low", "data_access": "none", "replaceability": "easy"});
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud/risk",
        Some(v + 3),
        Some(&risk),
    )
    .await;
    assert_eq!(json(res, StatusCode::OK).await["path"], "risk");
    let (after, _) = read(&app, "stratocloud").await;
    assert_eq!(after["risk"], risk);

    // Subprocessors: the object whole, and items of its list.
    let sub = json!({"name": "Tiny Backup Oy", "purpose": "backup", "countries": ["FI"]});
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/subprocessors",
        Some(v + 4),
        Some(&sub),
    )
    .await;
    let body = json(res, StatusCode::CREATED).await;
    let n = supplier["subprocessors"]["list"].as_array().unwrap().len();
    assert_eq!(body["path"], format!("subprocessors.list[{n}]"));
    let (after, now) = read(&app, "stratocloud").await;
    assert_eq!(after["subprocessors"]["list"][n], sub);
    assert_eq!(now, v + 5);

    // A list is not PUT whole, an object gets no items.
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud/locations",
        Some(now),
        Some(&json!([])),
    )
    .await;
    error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/data",
        Some(now),
        Some(&json!({})),
    )
    .await;
    error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = call(
        &app,
        "DELETE",
        "/api/v1/suppliers/stratocloud/data/0",
        Some(now),
        None,
    )
    .await;
    error(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/gossip",
        Some(now),
        Some(&json!({})),
    )
    .await;
    error(res, StatusCode::NOT_FOUND, "not_found").await;
    // Each write was one audit entry.
    let history = json(
        get(&app, "/api/v1/suppliers/stratocloud/history?limit=1000").await,
        StatusCode::OK,
    )
    .await;
    let updates = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "supplier.update")
        .count();
    assert_eq!(updates, 5);
}

async fn bad_nested_records_are_422_with_their_path_in_the_supplier(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    let (supplier, v) = read(&app, "stratocloud").await;
    let count = supplier["locations"].as_array().unwrap().len();
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/locations",
        Some(v),
        Some(&json!({"country": "UK", "purpose": 7})),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&format!("locations[{count}].country").as_str()),
        "{body:#}"
    );
    assert!(
        paths.contains(&format!("locations[{count}].purpose").as_str()),
        "{body:#}"
    );
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud/locations/1",
        Some(v),
        Some(&json!({"country": "XX", "purpose": "storage"})),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(
        body["problems"][0]["path"], "locations[1].country",
        "{body:#}"
    );
    let res = call(
        &app,
        "PUT",
        "/api/v1/suppliers/stratocloud/risk",
        Some(v),
        Some(&json!({"business_impact": "extreme"})),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["problems"][0]["path"], "risk.business_impact");
    let res = call(
        &app,
        "POST",
        "/api/v1/suppliers/stratocloud/subprocessors",
        Some(v),
        Some(&json!({"countries": ["ZZ"]})),
    )
    .await;
    let body = error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert!(
        body["problems"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("subprocessors.list["),
        "{body:#}"
    );
    // Nothing was written.
    assert_eq!(read(&app, "stratocloud").await, (supplier, v));
}

async fn the_list_answers_as_the_store_query(backend: Backend) {
    let (_db, state) = backend.state().await;
    let evaluator = state.evaluator(vetted_web::api::params::today());
    let app = app(state.clone(), Some(Role::Viewer));
    let cases: [(&str, SupplierQuery); 5] = [
        ("", SupplierQuery::default()),
        (
            "sort=name&limit=5&offset=3",
            SupplierQuery {
                sort: SortKey::Name,
                limit: 5,
                offset: 3,
                ..SupplierQuery::default()
            },
        ),
        (
            "sort=verdict&order=desc&limit=7",
            SupplierQuery {
                sort: SortKey::Verdict,
                descending: true,
                limit: 7,
                ..SupplierQuery::default()
            },
        ),
        (
            "verdict=attention&verdict=non_compliant&sort=next_due",
            SupplierQuery {
                verdicts: vec![
                    vetted_core::model::Verdict::Attention,
                    vetted_core::model::Verdict::NonCompliant,
                ],
                sort: SortKey::NextDue,
                ..SupplierQuery::default()
            },
        ),
        (
            "country=DE&q=cloud&category=saas",
            SupplierQuery {
                country: Some("DE".into()),
                search: Some("cloud".into()),
                category: Some(vetted_core::model::Category::Saas),
                ..SupplierQuery::default()
            },
        ),
    ];
    for (query, expected) in cases {
        let page = state
            .store
            .query_suppliers(&expected, &evaluator)
            .await
            .unwrap();
        let body = json(
            get(&app, &format!("/api/v1/suppliers?{query}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["total"], page.total, "{query}");
        assert_eq!(body["limit"], expected.limit);
        assert_eq!(body["offset"], expected.offset);
        let ids: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = page
            .items
            .iter()
            .map(|l| l.stored.supplier.id.as_str())
            .collect();
        assert_eq!(ids, want, "{query}");
        for (item, l) in body["items"].as_array().unwrap().iter().zip(&page.items) {
            assert_eq!(item["verdict"], l.verdict.as_str());
            assert_eq!(item["version"], l.stored.version);
            assert_eq!(
                item["next_due"],
                serde_json::to_value(l.next_due.map(vetted_core::date::format_date)).unwrap()
            );
            // A row, not the document.
            assert!(item.get("locations").is_none() && item.get("supplier").is_none());
        }
    }
    // The unfiltered total is every supplier; pages cover it once.
    let all = json(
        get(&app, "/api/v1/suppliers?limit=1000").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["total"], 22);
    let mut paged = Vec::new();
    for offset in (0..22).step_by(5) {
        let body = json(
            get(&app, &format!("/api/v1/suppliers?limit=5&offset={offset}")).await,
            StatusCode::OK,
        )
        .await;
        paged.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].clone()),
        );
    }
    assert_eq!(
        Value::Array(paged),
        Value::Array(
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].clone())
                .collect()
        )
    );
}

async fn bad_list_parameters_are_400(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("offset=x", "offset"),
        ("verdict=fine", "verdict"),
        ("sort=size", "sort"),
        ("archived=maybe", "archived"),
        ("country=UK", "country"),
        ("page=2", "page"),
    ] {
        let body = error(
            get(&app, &format!("/api/v1/suppliers?{query}")).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        )
        .await;
        assert_eq!(body["problems"][0]["path"], param, "{query}");
    }
}

async fn viewers_cannot_write(backend: Backend) {
    let (_db, state) = backend.state().await;
    let viewer = app(state.clone(), Some(Role::Viewer));
    let anonymous = app(state, None);
    let new = json!({"id": "acme"});
    for (method, uri, body) in [
        ("POST", "/api/v1/suppliers", Some(new.clone())),
        ("PUT", "/api/v1/suppliers/stratocloud", Some(new.clone())),
        ("POST", "/api/v1/suppliers/stratocloud/archive", None),
        (
            "POST",
            "/api/v1/suppliers/stratocloud/locations",
            Some(json!({})),
        ),
        ("DELETE", "/api/v1/suppliers/stratocloud/locations/0", None),
        (
            "POST",
            "/api/v1/register/import",
            Some(json!({"suppliers": []})),
        ),
    ] {
        let res = call(&viewer, method, uri, Some(1), body.as_ref()).await;
        error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = call(&anonymous, method, uri, Some(1), body.as_ref()).await;
        error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
}
