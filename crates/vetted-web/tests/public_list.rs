//! The public subprocessor list through the real router, on `SQLite` and `PostgreSQL`:
//! reachable without a login in every format; a change in the register is only planned until
//! an editor publishes it, and then takes effect after the notice period; the version history
//! and comparisons; the double opt-in, the change notice and the objection through its signed
//! link, with mail through a real SMTP server on loopback (tests/smtp); abuse (honeypot, rate
//! limits, altered links); the team's API.

mod common;
mod smtp;

use std::sync::Arc;

use axum::http::StatusCode;
use common::pages::{Page, Visitor};
use common::{Backend, Guard, example_register};
use serde_json::{Value, json};
use smtp::SmtpServer;
use vetted_app::notify::{Notifier, Security, Settings, SmtpSettings};
use vetted_core::audit::Actor;
use vetted_core::date::{add_days, format_date};
use vetted_core::publication::entries;
use vetted_store::Change;
use vetted_web::AppState;
use vetted_web::auth::Role;

const BASE: &str = "https://vetted.example.eu";

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// The example register's public list (names, in the list's order).
fn listed_names() -> Vec<String> {
    entries(example_register().suppliers.iter())
        .into_iter()
        .map(|e| e.name)
        .collect()
}

async fn with_mail(backend: Backend, server: Option<&SmtpServer>) -> (Guard, AppState) {
    let (guard, state) = backend.state().await;
    let Some(server) = server else {
        return (guard, state);
    };
    let settings = Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(server.port),
            security: Security::None,
            username: None,
            password: None,
            from: "Vetted <vetted@example.eu>".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        base_url: BASE.into(),
        ..Settings::default()
    };
    let notifier = Arc::new(Notifier::new(Arc::clone(&state.store), settings).unwrap());
    (guard, state.with_notifier(notifier))
}

fn anonymous(state: &AppState) -> Visitor {
    Visitor::anonymous(vetted_web::router(state.clone()))
}

/// Publishes through the page's form as `who`, with `effective` ("" for the default).
async fn publish(who: &Visitor, effective: &str, note: &str) -> Page {
    let overview = who.get("/public-list").await;
    assert_eq!(overview.status, StatusCode::OK);
    let reviewed = overview
        .one("#publish-form input[name=reviewed]")
        .attr("value")
        .expect("the form carries the reviewed list's fingerprint")
        .to_string();
    let mut fields = vec![("reviewed", reviewed.as_str()), ("note", note)];
    if !effective.is_empty() {
        fields.push(("effective", effective));
    }
    who.post("/public-list/publish", &fields).await
}

/// Takes supplier `id` off the public list in the register.
async fn unlist(state: &AppState, id: &str) {
    let id = vetted_core::model::SupplierId::parse(id).unwrap();
    let stored = state.store.get_supplier(&id).await.unwrap();
    let mut s = stored.supplier.clone();
    s.public_listing.listed = false;
    state
        .store
        .update_supplier(&s, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
}

/// Sends what is queued now (the server also does in the background; a delivery is leased to
/// one sender), then waits for `n` messages in all (at most 10 s).
async fn sent_mail(state: &AppState, server: &SmtpServer, n: usize) -> Vec<Value> {
    state
        .notifier
        .as_ref()
        .unwrap()
        .deliver(time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    // Waits without blocking the runtime, on which the background sender may be running.
    let start = std::time::Instant::now();
    while server.messages().len() < n && start.elapsed() < std::time::Duration::from_secs(10) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.messages()
}

/// Sends what is queued, gives a background sender a second, and counts the messages.
async fn nothing_more(state: &AppState, server: &SmtpServer) -> usize {
    let before = server.messages().len();
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(1) {
        sent_mail(state, server, 0).await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let after = server.messages().len();
    assert!(after >= before);
    after
}

fn json_of(page: &Page) -> Value {
    serde_json::from_str(&page.text).unwrap_or_else(|e| panic!("{e}: {}", page.text))
}

async fn the_list_is_public_and_changes_only_when_published(backend: Backend) {
    let (_guard, state) = with_mail(backend, None).await;
    let public = anonymous(&state);
    let before = public.get("/subprocessors").await;
    assert_eq!(before.status, StatusCode::OK, "no login needed");
    assert!(before.text.contains("No list has been published yet"));
    assert!(
        !before.has("form[action='/subprocessors/subscribe']"),
        "no mail: no form"
    );
    assert_eq!(
        json_of(&public.get("/subprocessors.json").await)["subprocessors"],
        json!([])
    );

    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let first = publish(&editor, "", "").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);

    let names = listed_names();
    assert!(names.len() > 3);
    let page = public.get("/subprocessors").await;
    let shown: Vec<String> = page
        .all("table.subprocessors tbody tr td:first-child")
        .into_iter()
        .map(common::pages::text)
        .collect();
    assert_eq!(shown, names, "the first version takes effect at once");
    assert!(page.text.contains(&format!(
        "Version 1, in effect since {}",
        format_date(today())
    )));
    let doc = json_of(&public.get("/subprocessors.json").await);
    assert_eq!(doc["format"], "subprocessor-list/1");
    assert_eq!(doc["version"], 1);
    let json_names: Vec<&str> = doc["subprocessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(json_names, names);
    let csv = public.get("/subprocessors.csv").await;
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(csv.text.lines().count(), names.len() + 1);
    let md = public.get("/subprocessors.md").await;
    assert!(names.iter().all(|n| md.text.contains(n.as_str())));
    let atom = public.get("/subprocessors.atom").await;
    assert!(atom.content_type.starts_with("application/atom+xml"));
    assert!(atom.text.contains("<title>Version 1: First publication"));
    assert!(
        public
            .get("/subprocessors/snippet.html")
            .await
            .text
            .contains(&names[0])
    );

    // A change in the register is planned, not public, until it is published.
    let gone = entries(example_register().suppliers.iter()).remove(0);
    unlist(&state, &gone.supplier).await;
    assert!(public.get("/subprocessors").await.text.contains(&gone.name));
    let overview = editor.get("/public-list").await;
    assert!(
        overview
            .text_of("#unpublished-changes")
            .starts_with("Removal")
    );

    // Inside the notice period: refused, nothing published.
    let soon = format_date(add_days(today(), 5));
    let refused = publish(&editor, &soon, "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let earliest = format_date(add_days(today(), 30));
    assert!(
        refused.text_of("#effective-error").contains(&earliest),
        "{}",
        refused.text_of("#effective-error")
    );
    assert_eq!(
        json_of(&public.get("/subprocessors.json").await)["planned"],
        json!([])
    );

    let planned = publish(&editor, "", "We stop using them.").await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER);
    let page = public.get("/subprocessors").await;
    assert!(
        page.text.contains(&gone.name),
        "still in effect until the date"
    );
    assert!(
        page.text_of(".planned")
            .contains(&format!("takes effect on {earliest}"))
    );
    assert!(page.text_of(".planned").contains(&gone.name));
    assert!(page.text_of(".planned").contains("We stop using them."));
    let doc = json_of(&public.get("/subprocessors.json").await);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["planned"][0]["version"], 2);
    assert_eq!(doc["planned"][0]["effective"], earliest.as_str());
    assert_eq!(
        doc["planned"][0]["changes"][0]["change"],
        json!(["removal"])
    );

    // The history and the comparison.
    let history = public.get("/subprocessors/versions").await;
    assert_eq!(history.all("tbody tr").len(), 2);
    let compare = public
        .get("/subprocessors/versions/compare?from=1&to=2")
        .await;
    assert_eq!(compare.status, StatusCode::OK);
    assert!(compare.text_of("ul.changes").starts_with("Removal"));
    let v2 = public.get("/subprocessors/versions/2").await;
    assert!(
        v2.text
            .contains(&format!("Planned: takes effect on {earliest}"))
    );
    assert_eq!(
        public.get("/subprocessors/versions/9").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        public
            .get("/subprocessors/versions/compare?from=1&to=2&x=1")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // Nothing more to publish.
    let overview = editor.get("/public-list").await;
    assert!(overview.has("#nothing-to-publish"));

    // Viewers see the team's page but cannot publish.
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let seen = viewer.get("/public-list").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.has("#publish-form"));
    assert_eq!(
        viewer
            .post("/public-list/publish", &[("reviewed", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The links of a message's text that start with the server's address, as router paths.
fn links(message: &Value) -> Vec<String> {
    message["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.strip_prefix(BASE))
        .map(str::to_string)
        .collect()
}

fn link_to(message: &Value, path: &str) -> String {
    links(message)
        .into_iter()
        .find(|l| l.starts_with(path))
        .unwrap_or_else(|| panic!("no {path} link in {}", message["text"]))
}

/// Follows a signed link: its page's button form, posted.
async fn follow(v: &Visitor, link: &str) -> Page {
    let page = v.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{link}: {}", page.text);
    let fields = page.form_fields("main form");
    let action = page.one("main form").attr("action").unwrap().to_string();
    page_submit(v, &action, &fields).await
}

async fn page_submit(v: &Visitor, action: &str, fields: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    v.post_raw(action, &refs).await
}

async fn subscribe_confirm_notice_and_object(backend: Backend) {
    let server = SmtpServer::start(&[]);
    let (_guard, state) = with_mail(backend, Some(&server)).await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    assert_eq!(publish(&editor, "", "").await.status, StatusCode::SEE_OTHER);

    let public = anonymous(&state);
    let page = public.get("/subprocessors").await;
    assert!(page.has("form[action='/subprocessors/subscribe'] input[name=email]"));
    let asked = public
        .post_raw(
            "/subprocessors/subscribe",
            &[("email", "Customer@Example.COM"), ("website", "")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        asked.location.as_deref(),
        Some("/subprocessors?notice=check-inbox")
    );
    let mail = sent_mail(&state, &server, 1).await;
    assert_eq!(mail.len(), 1, "the confirmation request");
    assert_eq!(mail[0]["rcpt_tos"], json!(["customer@example.com"]));
    let confirm = link_to(&mail[0], "/subprocessors/confirm");

    // An altered link does nothing.
    let altered = confirm.replace("&sig=", "&sig=00");
    assert_eq!(public.get(&altered).await.status, StatusCode::BAD_REQUEST);
    // Opening the link alone (a mail scanner) confirms nothing: the button does.
    let subs = state.store.list_subscribers(None).await.unwrap();
    assert_eq!(subs[0].status.as_str(), "pending");
    let done = follow(&public, &confirm).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.text_of("h1"), "You are subscribed");
    let subs = state.store.list_subscribers(None).await.unwrap();
    assert_eq!(subs[0].status.as_str(), "confirmed");

    // A change: the notice goes to the confirmed subscriber, with an objection link.
    let gone = entries(example_register().suppliers.iter()).remove(0);
    unlist(&state, &gone.supplier).await;
    assert_eq!(publish(&editor, "", "").await.status, StatusCode::SEE_OTHER);
    let mail = sent_mail(&state, &server, 2).await;
    assert_eq!(mail.len(), 2, "one notice");
    let notice = &mail[1];
    assert!(
        notice["subject"]
            .as_str()
            .unwrap()
            .contains("Planned change")
    );
    assert!(notice["text"].as_str().unwrap().contains(&gone.name));
    let object = link_to(notice, "/subprocessors/object");
    let unsubscribe = link_to(notice, "/subprocessors/unsubscribe");

    let form = public.get(&object).await;
    assert_eq!(form.status, StatusCode::OK);
    let mut fields = form.form_fields("main form");
    common::pages::set(&mut fields, "customer", &["Acme GmbH"]);
    common::pages::set(&mut fields, "contact", &["Dana Data"]);
    let incomplete = page_submit(&public, "/subprocessors/object", &fields).await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.has("#grounds[aria-invalid=true]"));
    common::pages::set(
        &mut fields,
        "grounds",
        &["Our contract requires EU-only support."],
    );
    let recorded = page_submit(&public, "/subprocessors/object", &fields).await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.text);
    assert_eq!(recorded.text_of("h1"), "Your objection is recorded");

    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let log = admin.get("/public-list/objections").await;
    assert_eq!(log.text_of("#objection-log td.customer"), "Acme GmbH");
    assert!(
        log.text_of("#objection-log")
            .contains("customer@example.com")
    );
    assert!(log.text_of("#objection-log td.outcome").contains("open"));
    let overview = admin.get("/public-list").await;
    let pending = overview.text_of("#pending");
    assert!(
        pending.contains("1 objection") && pending.contains("1 open."),
        "{pending}"
    );

    // An objection to another version through this link's signature is refused.
    let forged = object.replace("v=2", "v=1");
    assert_eq!(public.get(&forged).await.status, StatusCode::BAD_REQUEST);

    // Withdrawn: those told of the change hear that it will not happen.
    let withdraw = admin
        .post(
            "/public-list/versions/2/decision",
            &[("decision", "withdraw"), ("note", "")],
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::SEE_OTHER);
    let mail = sent_mail(&state, &server, 3).await;
    assert_eq!(mail.len(), 3, "the withdrawal");
    assert!(
        mail[2]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Withdrawn")
    );
    assert!(
        mail[2]["text"]
            .as_str()
            .unwrap()
            .contains("will not take effect")
    );
    assert!(
        !mail[2]["text"]
            .as_str()
            .unwrap()
            .contains("/subprocessors/object")
    );

    // Unsubscribed: the next change is mailed to nobody.
    let out = follow(&public, &unsubscribe).await;
    assert_eq!(out.text_of("h1"), "You are unsubscribed");
    let second = entries(example_register().suppliers.iter()).remove(1);
    unlist(&state, &second.supplier).await;
    assert_eq!(publish(&editor, "", "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        nothing_more(&state, &server).await,
        3,
        "nothing to an unsubscribed address"
    );
}

async fn bots_and_floods_are_turned_away(backend: Backend) {
    let server = SmtpServer::start(&[]);
    let (_guard, state) = with_mail(backend, Some(&server)).await;
    let public = anonymous(&state);
    let bot = public
        .post_raw(
            "/subprocessors/subscribe",
            &[("email", "bot@example.com"), ("website", "http://spam")],
        )
        .await;
    assert_eq!(bot.status, StatusCode::SEE_OTHER, "a bot learns nothing");
    let bad = public
        .post_raw(
            "/subprocessors/subscribe",
            &[("email", "not an address"), ("website", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("#sub-email[aria-invalid=true]"));
    for _ in 0..3 {
        let ok = public
            .post_raw(
                "/subprocessors/subscribe",
                &[("email", "flood@example.com"), ("website", "")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
    }
    let limited = public
        .post_raw(
            "/subprocessors/subscribe",
            &[("email", "flood@example.com"), ("website", "")],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        sent_mail(&state, &server, 3).await.len(),
        3,
        "three confirmation requests, no more"
    );
    assert_eq!(nothing_more(&state, &server).await, 3);
    let subs = state.store.list_subscribers(None).await.unwrap();
    assert_eq!(subs.len(), 1, "the bot is not stored");
}

async fn the_team_api_publishes_records_objections_and_decides(backend: Backend) {
    let (_guard, state) = with_mail(backend, None).await;
    let editor = common::app(state.clone(), Some(Role::Editor));
    let admin = common::app(state.clone(), Some(Role::Admin));
    let (status, state0) = call("GET", "/api/v1/subprocessors".into(), None, editor.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state0["in_effect"], Value::Null);
    assert_eq!(
        state0["unpublished"].as_array().unwrap().len(),
        listed_names().len()
    );
    let (status, err) = call(
        "POST",
        "/api/v1/subprocessors/publish".into(),
        Some(json!({"reviewed": "not-the-fingerprint"})),
        editor.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (status, v1) = call(
        "POST",
        "/api/v1/subprocessors/publish".into(),
        Some(json!({"reviewed": state0["fingerprint"]})),
        editor.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["status"], "in_effect");

    let gone = entries(example_register().suppliers.iter()).remove(0);
    unlist(&state, &gone.supplier).await;
    let (status, v2) = call(
        "POST",
        "/api/v1/subprocessors/publish".into(),
        Some(json!({})),
        editor.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["status"], "planned");
    assert_eq!(v2["changes"][0]["change"], json!(["removal"]));

    let (status, _) = call(
        "POST",
        "/api/v1/subprocessors/objections".into(),
        Some(json!({"version": 2, "customer": "Acme", "contact": "Dana", "grounds": "No", "received": format_date(add_days(today(), 1))})),
        admin.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a date in the future"
    );
    let (status, o) = call(
        "POST",
        "/api/v1/subprocessors/objections".into(),
        Some(json!({"version": 2, "customer": "Acme", "contact": "Dana", "grounds": "Not in the EU"})),
        admin.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    assert_eq!(o["via"], "admin");
    let (status, _) = call(
        "POST",
        "/api/v1/subprocessors/objections".into(),
        Some(json!({"version": 1, "customer": "Acme", "contact": "Dana", "grounds": "late"})),
        admin.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "version 1 is in effect already"
    );
    let id = o["id"].as_i64().unwrap();
    let (status, resolved) = call(
        "PUT",
        format!("/api/v1/subprocessors/objections/{id}/outcome"),
        Some(json!({"outcome": "alternative_offered", "notes": "EU support desk"})),
        admin.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["outcome"], "alternative_offered");

    let (status, _) = call(
        "POST",
        "/api/v1/subprocessors/versions/2/decision".into(),
        Some(json!({"decision": "withdraw"})),
        editor.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins decide");
    let (status, decided) = call(
        "POST",
        "/api/v1/subprocessors/versions/2/decision".into(),
        Some(json!({"decision": "withdraw", "note": "Keeping them"})),
        admin.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "withdrawn");
    let (status, _) = call(
        "POST",
        "/api/v1/subprocessors/versions/2/decision".into(),
        Some(json!({"decision": "proceed"})),
        admin.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "decided already");
    let public = anonymous(&state);
    let doc = json_of(&public.get("/subprocessors.json").await);
    assert_eq!(
        doc["planned"],
        json!([]),
        "a withdrawn change is not planned"
    );
    assert!(
        doc["subprocessors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == gone.name.as_str())
    );
    let (_, now) = call("GET", "/api/v1/subprocessors".into(), None, editor).await;
    assert_eq!(
        now["unpublished"][0]["change"],
        json!(["removal"]),
        "still in the register"
    );
}

/// Sends a JSON request through `app`; the status and the JSON body (`null` when empty).
async fn call(
    method: &str,
    uri: String,
    body: Option<Value>,
    app: axum::Router,
) -> (StatusCode, Value) {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            axum::body::Body::from(b.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let res = common::send(&app, req.body(body).unwrap()).await;
    let status = res.status();
    let bytes = common::bytes(res).await;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, value)
}

on_both_backends!(
    the_list_is_public_and_changes_only_when_published,
    subscribe_confirm_notice_and_object,
    bots_and_floods_are_turned_away,
    the_team_api_publishes_records_objections_and_decides,
);
