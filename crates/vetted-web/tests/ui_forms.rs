//! The editors' forms, through the real router with a signed-in browser session: each form
//! creates, edits and deletes its record (asserted on the stored supplier), the decoder's
//! problems come back next to their fields with the input kept and nothing written, a stale
//! edit is explained (409) with both values and can be re-applied, the tier preview is the
//! engine's tier, the history names the editor, and the model-provider story of issue 4. Each
//! test runs on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, text};
use serde_json::json;
use vetted_core::engine::evaluate;
use vetted_core::model::{BusinessImpact, DataAccess, Replaceability, RiskInputs, SupplierId};
use vetted_core::policy::Policy;
use vetted_core::section::Section;
use vetted_web::AppState;
use vetted_web::auth::Role;

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

async fn stored(state: &AppState, s: &str) -> vetted_store::StoredSupplier {
    state.store.get_supplier(&id(s)).await.unwrap()
}

/// What the browser would send for `form.record-form` as the page shows it: hidden and text
/// inputs, ticked boxes, selected options, text areas.
fn form_fields(page: &Page) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in page.all("form.record-form input[name], form.record-form select[name], form.record-form textarea[name]") {
        let name = e.attr("name").unwrap().to_string();
        match e.value().name() {
            "input" if e.attr("type") == Some("checkbox") => {
                if e.attr("checked").is_some() {
                    out.push((name, e.attr("value").unwrap_or("on").to_string()));
                }
            }
            "input" => out.push((name, e.attr("value").unwrap_or_default().to_string())),
            "select" => {
                let sel = scraper::Selector::parse("option[selected]").unwrap();
                let v = e.select(&sel).next().and_then(|o| o.attr("value")).unwrap_or_default();
                out.push((name, v.to_string()));
            }
            _ => out.push((name, e.text().collect())),
        }
    }
    out
}

/// Posts exactly the fields the page's form holds (the CSRF token among them).
async fn submit(v: &Visitor, page: &Page) -> Page {
    let action = page
        .one("form.record-form")
        .attr("action")
        .unwrap()
        .to_string();
    let fields = form_fields(page);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    v.post_raw(&action, &pairs).await
}

/// `fields` with the supplier's version added.
async fn with_version<'a>(
    state: &AppState,
    s: &str,
    fields: &[(&'a str, &'a str)],
    buf: &'a mut String,
) -> Vec<(&'a str, &'a str)> {
    *buf = stored(state, s).await.version.to_string();
    let mut all = vec![("version", buf.as_str())];
    all.extend_from_slice(fields);
    all
}

fn saved_to(page: &Page, supplier: &str, anchor: &str) {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/suppliers/{supplier}?notice=saved#{anchor}").as_str())
    );
}

/// A supplier is created with the new-supplier form, then its own fields edited; its nested
/// records keep their values.
async fn a_supplier_is_created_and_edited(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let form = v.get("/suppliers/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("label[for=\"f-id\"]"));
    assert!(form.has("input#f-id[required]"));
    assert!(!form.has("input[name=\"version\"]"));
    let page = v
        .post(
            "/suppliers/new",
            &[
                ("id", "acme-cloud"),
                ("name", "Acme Cloud GmbH"),
                ("category", "saas"),
                ("status", "proposed"),
                ("owner", "cto@example.eu"),
                ("website", "https://acme.example"),
                ("services", "Ticketing\n\nChat widget\n"),
                ("data.personal_data", "true"),
                ("data.categories", "support tickets"),
            ],
        )
        .await;
    saved_to(&page, "acme-cloud", "top");
    let s = stored(&state, "acme-cloud").await;
    assert_eq!(s.version, 1);
    assert_eq!(
        serde_json::to_value(&s.supplier).unwrap(),
        json!({
            "id": "acme-cloud", "name": "Acme Cloud GmbH", "category": "saas",
            "services": ["Ticketing", "Chat widget"], "status": "proposed",
            "owner": "cto@example.eu", "website": "https://acme.example",
            "data": {"personal_data": true, "categories": ["support tickets"]},
        })
    );
    let page = v.get("/suppliers/acme-cloud?notice=saved").await;
    assert_eq!(page.text_of(".notice"), "Saved.");

    // The same id again: refused next to the id, nothing written.
    let again = v
        .post("/suppliers/new", &[("id", "acme-cloud"), ("name", "Other")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text_of("#f-id-error").contains("exists already"));
    assert_eq!(again.one("#f-name").attr("value"), Some("Other"));
    assert_eq!(stored(&state, "acme-cloud").await.version, 1);

    // Edit an example supplier's own fields: the form starts with the stored values, and
    // the nested records are kept.
    let before = stored(&state, "stratocloud").await;
    let form = v.get("/suppliers/stratocloud/edit").await;
    assert_eq!(
        form.one("#f-name").attr("value"),
        before.supplier.name.as_deref()
    );
    assert!(form.has("#f-data-personal_data[checked]"));
    assert_eq!(
        form.one("#f-category option[selected]").attr("value"),
        Some("cloud_infrastructure")
    );
    assert!(!form.has("#f-id"), "the id cannot change");
    let mut fields = form_fields(&form);
    for (k, val) in &mut fields {
        if k == "name" {
            *val = "Stratocloud Europe".to_string();
        }
    }
    fields.retain(|(k, _)| k != "data.confidential");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = v.post_raw("/suppliers/stratocloud/edit", &pairs).await;
    saved_to(&page, "stratocloud", "top");
    let after = stored(&state, "stratocloud").await;
    assert_eq!(after.version, before.version + 1);
    let mut expected = before.supplier.clone();
    expected.name = Some("Stratocloud Europe".into());
    expected.data.confidential = false;
    assert_eq!(after.supplier, expected);
}

/// One list section's story: add two records, edit the first, delete the second.
struct ListCase {
    section: &'static str,
    add: Vec<(&'static str, &'static str)>,
    added: serde_json::Value,
    edit: Vec<(&'static str, &'static str)>,
    edited: serde_json::Value,
}

fn list_cases() -> Vec<ListCase> {
    vec![
        ListCase {
            section: "locations",
            add: vec![
                ("country", "fr"),
                ("purpose", "processing"),
                ("region", "eu-west-3"),
                ("mechanism", ""),
                ("note", ""),
            ],
            added: json!({"country": "FR", "purpose": "processing", "region": "eu-west-3"}),
            edit: vec![
                ("country", "NL"),
                ("purpose", "inference"),
                ("note", "GPU pool"),
            ],
            edited: json!({"country": "NL", "purpose": "inference", "note": "GPU pool"}),
        },
        ListCase {
            section: "agreements",
            add: vec![
                ("kind", "dpa"),
                ("title", "DPA 2026"),
                ("signed", "2026-01-15"),
                ("gdpr_art28", "true"),
                ("clauses", "incident_notification"),
                ("clauses.incident_notification.hours", "24"),
                ("clauses", "security_sla"),
                ("clauses.security_sla.availability", "99.9"),
                ("clauses", "no_training"),
            ],
            added: json!({"kind": "dpa", "title": "DPA 2026", "signed": "2026-01-15", "gdpr_art28": true,
                "clauses": {"incident_notification": {"hours": 24}, "no_training": {}, "security_sla": {"availability": 99.9}}}),
            edit: vec![
                ("kind", "msa"),
                ("signed", "2026-01-15"),
                ("expires", "2028-01-15"),
                ("clauses", "exit"),
                ("clauses.exit.deletion_days", "30"),
            ],
            edited: json!({"kind": "msa", "signed": "2026-01-15", "expires": "2028-01-15", "clauses": {"exit": {"deletion_days": 30}}}),
        },
        ListCase {
            section: "assessments",
            add: vec![
                ("date", "2026-03-01"),
                ("outcome", "approved_with_conditions"),
                ("assessor", "ciso@example.eu"),
                ("notes", "Pen test follow-up by Q3."),
            ],
            added: json!({"date": "2026-03-01", "outcome": "approved_with_conditions", "assessor": "ciso@example.eu", "notes": "Pen test follow-up by Q3."}),
            edit: vec![("date", "2026-03-02"), ("outcome", "rejected")],
            edited: json!({"date": "2026-03-02", "outcome": "rejected"}),
        },
        ListCase {
            section: "reviews",
            add: vec![
                ("date", "2026-11-01"),
                ("trigger", "scheduled"),
                ("outcome", "pass"),
                ("checks", "assurance"),
                ("checks", "dpa"),
                ("checks", "residency"),
                ("checks", "risk"),
                ("reviewer", "ciso@example.eu"),
            ],
            added: json!({"date": "2026-11-01", "trigger": "scheduled", "outcome": "pass",
                "checks": ["assurance", "dpa", "residency", "risk"], "reviewer": "ciso@example.eu"}),
            edit: vec![("date", "2026-11-02"), ("checks", "dpa")],
            edited: json!({"date": "2026-11-02", "checks": ["dpa"]}),
        },
        ListCase {
            section: "events",
            add: vec![
                ("date", "2026-10-01"),
                ("kind", "incident"),
                ("summary", "Outage of 2 h"),
            ],
            added: json!({"date": "2026-10-01", "kind": "incident", "summary": "Outage of 2 h"}),
            edit: vec![("date", "2026-10-01"), ("kind", "ownership_change")],
            edited: json!({"date": "2026-10-01", "kind": "ownership_change"}),
        },
        ListCase {
            section: "risks",
            add: vec![
                ("id", "R-99"),
                ("title", "Late notice"),
                ("status", "open"),
                ("treatment", "remediate"),
                ("owner", "ciso"),
                ("due", "2027-01-31"),
            ],
            added: json!({"id": "R-99", "title": "Late notice", "status": "open", "treatment": "remediate", "owner": "ciso", "due": "2027-01-31"}),
            edit: vec![("id", "R-99"), ("status", "closed")],
            edited: json!({"id": "R-99", "status": "closed"}),
        },
        ListCase {
            section: "subprocessors",
            add: vec![
                ("name", "Acme Hosting"),
                ("purpose", "hosting"),
                ("countries", "de, ie"),
            ],
            added: json!({"name": "Acme Hosting", "purpose": "hosting", "countries": ["DE", "IE"]}),
            edit: vec![("name", "Acme Hosting"), ("countries", "AT")],
            edited: json!({"name": "Acme Hosting", "countries": ["AT"]}),
        },
    ]
}

/// Each list section's forms add, edit and delete its records.
async fn each_list_form_adds_edits_and_deletes(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let supplier = "bohnenbote";
    for case in list_cases() {
        let section = Section::parse(case.section).unwrap();
        let base = format!("/suppliers/{supplier}/{}", case.section);
        let form = v.get(&format!("{base}/new")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", case.section);
        // Every control is labelled.
        for input in form.all("form.record-form input:not([type=hidden]), form.record-form select, form.record-form textarea") {
            let id = input.attr("id").unwrap_or_else(|| panic!("{}: a control without id", case.section));
            assert!(form.has(&format!("label[for=\"{id}\"]")), "{}: {id} has a label", case.section);
        }
        let len = |s: &vetted_store::StoredSupplier| section.len(&s.supplier).unwrap();
        let before = stored(&state, supplier).await;
        let n = len(&before);
        // Add twice.
        for _ in 0..2 {
            let mut buf = String::new();
            let fields = with_version(&state, supplier, &case.add, &mut buf).await;
            let page = v.post(&format!("{base}/new"), &fields).await;
            saved_to(&page, supplier, case.section);
        }
        let s = stored(&state, supplier).await;
        assert_eq!(len(&s), n + 2, "{}", case.section);
        assert_eq!(
            section.item_view(&s.supplier, n),
            Some(case.added.clone()),
            "{}",
            case.section
        );
        assert_eq!(s.version, before.version + 2);

        // The edit form starts with the stored values; saving replaces the record.
        let form = v.get(&format!("{base}/{n}/edit")).await;
        assert_eq!(form.status, StatusCode::OK);
        let shown: Vec<(String, String)> = form_fields(&form);
        for (k, val) in &case.add {
            if !val.is_empty() && !["country", "countries"].contains(k) {
                assert!(
                    shown.iter().any(|(sk, sv)| sk == k && sv == val),
                    "{}: {k}={val} shown in {shown:?}",
                    case.section
                );
            }
        }
        let mut buf = String::new();
        let fields = with_version(&state, supplier, &case.edit, &mut buf).await;
        let page = v.post(&format!("{base}/{n}/edit"), &fields).await;
        saved_to(&page, supplier, case.section);
        let s = stored(&state, supplier).await;
        assert_eq!(
            section.item_view(&s.supplier, n),
            Some(case.edited.clone()),
            "{}",
            case.section
        );

        // Delete the second one added.
        let mut buf = String::new();
        let fields = with_version(&state, supplier, &[], &mut buf).await;
        let page = v.post(&format!("{base}/{}/delete", n + 1), &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            page.location.as_deref(),
            Some(format!("/suppliers/{supplier}?notice=deleted#{}", case.section).as_str())
        );
        let s = stored(&state, supplier).await;
        assert_eq!(len(&s), n + 1, "{}", case.section);
        assert_eq!(section.item_view(&s.supplier, n), Some(case.edited.clone()));
        // An index that is not there.
        let mut buf = String::new();
        let fields = with_version(&state, supplier, &[], &mut buf).await;
        let page = v.post(&format!("{base}/{}/delete", n + 5), &fields).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    // Assurance has its own forms (`ui::evidence`, with the document upload).
    let page = v.get(&format!("/suppliers/{supplier}/assurance/new")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has(r#"form[enctype="multipart/form-data"] input[type="file"]"#));
    // Data and inference are on the supplier's form.
    for section in ["data", "inference", "nonsense"] {
        let page = v.get(&format!("/suppliers/{supplier}/{section}/new")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{section}");
    }
}

/// The one-object sections: risk inputs, the subprocessor disclosure, the public listing.
async fn one_object_forms_replace_their_section(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let supplier = "stratocloud";
    let before = stored(&state, supplier).await;
    for (section, fields, expected) in [
        (
            "risk",
            vec![
                ("business_impact", "low"),
                ("data_access", "internal"),
                ("replaceability", ""),
            ],
            json!({"business_impact": "low", "data_access": "internal"}),
        ),
        (
            "public_listing",
            vec![("purpose", "Hosting"), ("since", "2025-01-01")],
            json!({"purpose": "Hosting", "since": "2025-01-01"}),
        ),
        // The disclosure flag only: the list is kept.
        (
            "subprocessors",
            vec![],
            json!({"list": serde_json::to_value(&before.supplier.subprocessors.list).unwrap()}),
        ),
    ] {
        let form = v
            .get(&format!("/suppliers/{supplier}/{section}/edit"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{section}");
        let mut buf = String::new();
        let fields = with_version(&state, supplier, &fields, &mut buf).await;
        let page = v
            .post(&format!("/suppliers/{supplier}/{section}/edit"), &fields)
            .await;
        saved_to(&page, supplier, section);
        let s = stored(&state, supplier).await;
        assert_eq!(
            Section::parse(section).unwrap().view(&s.supplier),
            expected,
            "{section}"
        );
    }
    let page = v.get("/suppliers/stratocloud/locations/edit").await;
    assert_eq!(
        page.status,
        StatusCode::NOT_FOUND,
        "a list has no whole-section form"
    );
}

/// The decoder's problems are shown next to their fields (`aria-invalid`, `aria-describedby`
/// to the message), listed above the form, the input kept, and nothing written.
async fn problems_are_shown_next_to_their_fields(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let before = stored(&state, "stratocloud").await;
    let ver = before.version.to_string();

    let page = v
        .post(
            "/suppliers/stratocloud/locations/new",
            &[
                ("version", &ver),
                ("country", "UK"),
                ("region", "london-1"),
                ("purpose", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let country = page.one("#f-country");
    assert_eq!(country.attr("aria-invalid"), Some("true"));
    assert!(
        country
            .attr("aria-describedby")
            .unwrap()
            .split(' ')
            .any(|i| i == "f-country-error")
    );
    assert!(
        page.text_of("#f-country-error")
            .contains("the United Kingdom is GB")
    );
    assert_eq!(country.attr("value"), Some("UK"), "the input is kept");
    assert_eq!(page.one("#f-region").attr("value"), Some("london-1"));
    assert_eq!(page.one("#f-purpose").attr("aria-invalid"), Some("true"));
    assert!(page.text_of("#f-purpose-error").starts_with("Required"));
    assert_eq!(
        page.one("input[name=\"version\"]").attr("value"),
        Some(ver.as_str())
    );
    // The summary links to both fields.
    assert!(page.has("#error-summary a[href=\"#f-country\"]"));
    assert!(page.has("#error-summary a[href=\"#f-purpose\"]"));
    // A valid field is not marked.
    assert!(page.one("#f-region").attr("aria-invalid").is_none());

    // A clause parameter out of range, a date that does not exist, a parameter without its
    // clause.
    let page = v
        .post(
            "/suppliers/stratocloud/agreements/0/edit",
            &[
                ("version", &ver),
                ("signed", "2026-02-30"),
                ("clauses", "security_sla"),
                ("clauses.security_sla.availability", "120"),
                ("clauses.exit.deletion_days", "30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text_of("#f-signed-error").contains("not a date"));
    assert_eq!(page.one("#f-signed").attr("value"), Some("2026-02-30"));
    let availability = page.one("#f-clauses-security_sla-availability");
    assert_eq!(availability.attr("aria-invalid"), Some("true"));
    assert_eq!(availability.attr("value"), Some("120"));
    assert!(
        page.text_of("#f-clauses-security_sla-availability-error")
            .contains("0–100")
    );
    assert!(
        page.text_of("#f-clauses-exit-deletion_days-error")
            .contains("Tick")
    );
    assert!(
        page.has("#f-clauses-security_sla[checked]"),
        "the ticked clause stays ticked"
    );

    // A supplier id that cannot be one.
    let page = v
        .post("/suppliers/new", &[("id", "a b"), ("name", "Spaced")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text_of("#f-id-error").contains("whitespace"));
    assert_eq!(page.one("#f-name").attr("value"), Some("Spaced"));

    // A date of a review, a forged value of a select.
    let page = v
        .post(
            "/suppliers/stratocloud/reviews/new",
            &[
                ("version", &ver),
                ("date", ""),
                ("outcome", "fine"),
                ("checks", "dpa"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text_of("#f-date-error").starts_with("Required"));
    assert!(page.text_of("#f-outcome-error").contains("unknown value"));
    assert!(page.has("#f-checks-dpa[checked]"));
    assert!(!page.has("#f-checks-risk[checked]"));

    assert_eq!(
        stored(&state, "stratocloud").await,
        before,
        "nothing was written"
    );
    assert!(state.store.find_supplier(&id("a")).await.unwrap().is_none());
}

/// An edit from an old version is refused with 409: the user's values beside the current ones,
/// the form carrying the current version; submitting it again applies the change.
async fn a_stale_edit_is_explained_and_can_be_reapplied(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let mine = Visitor::signed_in(&state, Role::Editor).await;
    let theirs = Visitor::signed_in(&state, Role::Admin).await;

    let form = mine.get("/suppliers/stratocloud/locations/2/edit").await;
    assert_eq!(
        form.one("#f-note").attr("value"),
        Some("encrypted backups only")
    );
    let read_at = form
        .one("input[name=\"version\"]")
        .attr("value")
        .unwrap()
        .to_string();

    // Someone else changes the same location meanwhile.
    let other = theirs.get("/suppliers/stratocloud/locations/2/edit").await;
    let mut fields = form_fields(&other);
    for (k, v) in &mut fields {
        if k == "note" {
            *v = "theirs".into();
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    saved_to(
        &theirs
            .post_raw("/suppliers/stratocloud/locations/2/edit", &pairs)
            .await,
        "stratocloud",
        "locations",
    );
    let now = stored(&state, "stratocloud").await;
    assert_eq!(
        now.version.to_string(),
        (read_at.parse::<i64>().unwrap() + 1).to_string()
    );

    let page = mine
        .post(
            "/suppliers/stratocloud/locations/2/edit",
            &[
                ("version", &read_at),
                ("country", "IE"),
                ("purpose", "storage"),
                ("region", "eu-dublin-1"),
                ("note", "mine"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.text_of(".conflict [role=alert]")
            .contains(&format!("version {}", now.version))
    );
    let differing = page.all("table.conflict-table tr.differs");
    assert_eq!(differing.len(), 1, "only the note differs");
    let row = differing[0];
    let cell = |css: &str| {
        text(
            row.select(&scraper::Selector::parse(css).unwrap())
                .next()
                .unwrap(),
        )
    };
    assert!(cell("th").starts_with("Note"));
    assert_eq!(cell("td.yours"), "mine");
    assert_eq!(cell("td.current"), "theirs");
    assert_eq!(
        page.one("input[name=\"version\"]").attr("value"),
        Some(now.version.to_string().as_str())
    );
    assert_eq!(page.one("#f-note").attr("value"), Some("mine"));
    assert_eq!(
        page.text_of("form.record-form button[type=submit]"),
        "Apply my change to the current version"
    );
    assert_eq!(
        page.one("#discard").attr("href"),
        Some("/suppliers/stratocloud/locations/2/edit")
    );
    assert_eq!(stored(&state, "stratocloud").await, now, "nothing written");

    // Apply my change to the current version.
    saved_to(&submit(&mine, &page).await, "stratocloud", "locations");
    let after = stored(&state, "stratocloud").await;
    assert_eq!(after.version, now.version + 1);
    assert_eq!(after.supplier.locations[2].note.as_deref(), Some("mine"));

    // The supplier's own form and a delete, from the old version, are refused too.
    let page = mine
        .post(
            "/suppliers/stratocloud/edit",
            &[("version", &read_at), ("name", "Renamed")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.text_of("table.conflict-table tr.differs")
            .starts_with("Name")
    );
    let page = mine
        .post(
            "/suppliers/stratocloud/locations/0/delete",
            &[("version", &read_at)],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.has("table.current-record"));
    let retry = page
        .one("form[action=\"/suppliers/stratocloud/locations/0/delete\"] input[name=\"version\"]");
    assert_eq!(
        retry.attr("value"),
        Some(after.version.to_string().as_str())
    );
    assert_eq!(
        stored(&state, "stratocloud").await,
        after,
        "nothing written"
    );

    // A form that does not carry its version is refused.
    let page = mine
        .post("/suppliers/stratocloud/locations/0/delete", &[])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

/// The risk form shows the tier as the inputs are chosen: the fragment it asks for gives the
/// tier the engine computes, for every combination.
async fn the_tier_preview_is_the_engines_tier(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let form = v.get("/suppliers/stratocloud/risk/edit").await;
    let output = form.one("output#tier-preview");
    assert_eq!(
        output.attr("hx-get"),
        Some("/suppliers/stratocloud/risk/tier")
    );
    assert_eq!(output.attr("hx-include"), Some("closest form"));
    assert_eq!(
        form.one("#tier-preview [data-tier]").attr("data-tier"),
        Some("critical")
    );

    let policy = Policy::default();
    let mut supplier = stored(&state, "stratocloud").await.supplier;
    for bi in BusinessImpact::ALL {
        for da in DataAccess::ALL {
            for re in Replaceability::ALL {
                let uri = format!(
                    "/suppliers/stratocloud/risk/tier?business_impact={bi}&data_access={da}&replaceability={re}&csrf_token=x&version=1"
                );
                let page = v.get(&uri).await;
                assert_eq!(page.status, StatusCode::OK);
                supplier.risk = RiskInputs {
                    business_impact: Some(*bi),
                    data_access: Some(*da),
                    replaceability: Some(*re),
                };
                let engine = evaluate(&supplier, &policy, time::OffsetDateTime::now_utc().date())
                    .tier
                    .unwrap();
                assert_eq!(
                    page.one("[data-tier]").attr("data-tier"),
                    Some(engine.as_str()),
                    "{uri}"
                );
            }
        }
    }
    let partial = v
        .get("/suppliers/stratocloud/risk/tier?business_impact=high")
        .await;
    assert_eq!(partial.one("[data-tier]").attr("data-tier"), Some(""));
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    assert_eq!(
        viewer.get("/suppliers/stratocloud/risk/tier").await.status,
        StatusCode::FORBIDDEN
    );
}

/// The history on the supplier page lists a change made through a form: who (the editor's
/// address), what, and which part of the record.
async fn the_history_lists_a_form_change(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let mut buf = String::new();
    let fields = with_version(
        &state,
        "stratocloud",
        &[("date", "2026-11-20"), ("kind", "service_change")],
        &mut buf,
    )
    .await;
    saved_to(
        &v.post("/suppliers/stratocloud/events/new", &fields).await,
        "stratocloud",
        "events",
    );
    let page = v.get("/suppliers/stratocloud").await;
    let rows = page.all("#history tbody tr");
    assert_eq!(rows.len(), 2);
    let first = |css: &str| {
        text(
            rows[0]
                .select(&scraper::Selector::parse(css).unwrap())
                .next()
                .unwrap(),
        )
    };
    assert_eq!(first("td.who"), "editor@example.org");
    assert_eq!(first("td.action"), "Changed");
    assert_eq!(first("td.fields"), "Events");
    assert!(
        rows[0]
            .select(&scraper::Selector::parse("time[datetime]").unwrap())
            .next()
            .is_some()
    );
    // The audit trail has the editor as actor.
    let entries = state
        .store
        .audit_entries(&vetted_store::AuditQuery {
            subject: Some("stratocloud".into()),
            after_seq: None,
            limit: None,
        })
        .await
        .unwrap();
    let user = state
        .accounts
        .get_user_by_email("editor@example.org")
        .await
        .unwrap();
    assert_eq!(
        entries.last().unwrap().actor,
        vetted_core::audit::Actor::User { id: user.id }
    );
}

/// The model-provider story: a model provider processing customer data with inference in the
/// US is ineligible and the page names `model.eu-inference`; with the location replaced by an
/// EU one and an agreement in force with the `no_training` clause it no longer is.
async fn the_model_provider_story(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let page = v
        .post(
            "/suppliers/new",
            &[
                ("id", "nimbus-ai"),
                ("name", "Nimbus AI Inc."),
                ("category", "model_provider"),
                ("status", "active"),
                ("owner", "cto@example.eu"),
                ("services", "Hosted LLM inference"),
                ("data.customer_data", "true"),
                ("inference.provides", "true"),
            ],
        )
        .await;
    saved_to(&page, "nimbus-ai", "top");
    let mut buf = String::new();
    let fields = with_version(
        &state,
        "nimbus-ai",
        &[("country", "US"), ("purpose", "inference")],
        &mut buf,
    )
    .await;
    saved_to(
        &v.post("/suppliers/nimbus-ai/locations/new", &fields).await,
        "nimbus-ai",
        "locations",
    );

    let page = v.get("/suppliers/nimbus-ai").await;
    assert_eq!(page.text_of("#verdict"), "Ineligible");
    assert!(page.has("table.findings tr[data-rule=\"model.eu-inference\"]"));
    assert!(
        page.text_of("tr[data-rule=\"model.eu-inference\"] .message")
            .contains("US")
    );
    assert!(page.has("tr[data-rule=\"model.no-training\"]"));

    // Replace the US location with an EU one, through the edit form.
    let form = v.get("/suppliers/nimbus-ai/locations/0/edit").await;
    let mut fields = form_fields(&form);
    for (k, val) in &mut fields {
        if k == "country" {
            *val = "DE".into();
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    saved_to(
        &v.post_raw("/suppliers/nimbus-ai/locations/0/edit", &pairs)
            .await,
        "nimbus-ai",
        "locations",
    );
    let page = v.get("/suppliers/nimbus-ai").await;
    assert!(!page.has("tr[data-rule=\"model.eu-inference\"]"));
    assert_eq!(
        page.text_of("#verdict"),
        "Ineligible",
        "still no no-training clause"
    );

    // An agreement in force (signed in the past, no end) with the no_training clause.
    let form = v.get("/suppliers/nimbus-ai/agreements/new").await;
    assert!(form.has("input[type=checkbox][name=\"clauses\"][value=\"no_training\"]"));
    let mut buf = String::new();
    let fields = with_version(
        &state,
        "nimbus-ai",
        &[
            ("kind", "dpa"),
            ("signed", "2025-06-01"),
            ("gdpr_art28", "true"),
            ("clauses", "no_training"),
        ],
        &mut buf,
    )
    .await;
    saved_to(
        &v.post("/suppliers/nimbus-ai/agreements/new", &fields).await,
        "nimbus-ai",
        "agreements",
    );
    let page = v.get("/suppliers/nimbus-ai").await;
    assert_ne!(page.text_of("#verdict"), "Ineligible");
    assert!(
        !page.has("tr[data-rule^=\"model.\"]"),
        "no model rule fails"
    );
    assert!(page.has("#agreements li[data-clause=\"no_training\"]"));
    assert_eq!(page.text_of("#agreements .in-force"), "In force");
    let s = stored(&state, "nimbus-ai").await;
    assert_ne!(
        evaluate(
            &s.supplier,
            &Policy::default(),
            time::OffsetDateTime::now_utc().date()
        )
        .verdict,
        vetted_core::model::Verdict::Ineligible
    );
}

/// The agreement form's checklist is the active policy's clause catalogue, each clause with
/// its parameter inputs.
async fn the_clause_checklist_is_the_policys(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let form = v.get("/suppliers/stratocloud/agreements/1/edit").await;
    let policy = Policy::default();
    let keys: Vec<String> = form
        .all("input[type=checkbox][name=\"clauses\"]")
        .iter()
        .map(|i| i.attr("value").unwrap().to_string())
        .collect();
    let catalogue: Vec<String> = policy.clauses.iter().map(|c| c.key.clone()).collect();
    assert_eq!(keys, catalogue);
    for c in &policy.clauses {
        for (param, kind) in &c.params {
            let input = form.one(&format!("input[name=\"clauses.{}.{param}\"]", c.key));
            let expected = match kind {
                vetted_core::policy::ParamKind::Text => "text",
                _ => "number",
            };
            assert_eq!(input.attr("type"), Some(expected), "{}.{param}", c.key);
            let label = format!("label[for=\"{}\"]", input.attr("id").unwrap());
            assert!(form.has(&label));
        }
    }
    // The stored agreement's clauses are ticked, with their parameters.
    assert!(form.has("#f-clauses-incident_notification[checked]"));
    assert_eq!(
        form.one("#f-clauses-incident_notification-hours")
            .attr("value"),
        Some("48")
    );
    assert!(!form.has("#f-clauses-no_training[checked]"));
}

on_both_backends!(
    a_supplier_is_created_and_edited,
    each_list_form_adds_edits_and_deletes,
    one_object_forms_replace_their_section,
    problems_are_shown_next_to_their_fields,
    a_stale_edit_is_explained_and_can_be_reapplied,
    the_tier_preview_is_the_engines_tier,
    the_history_lists_a_form_change,
    the_model_provider_story,
    the_clause_checklist_is_the_policys,
);
