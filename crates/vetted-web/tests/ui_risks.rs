//! The risk register in the browser (`/risks…`) on the example register, on both backends: the
//! list with its filters, overdue marking and exports, one risk's page (suppliers, rules with
//! their controls, history), and the forms: a risk opened for two suppliers at once (and the
//! `escalation.risk` finding it answers gone), prefilled from a failing supplier, problems at
//! their fields with the input kept, an acceptance recorded with who accepted it, a supplier
//! unlinked, a stale edit refused with 409 and applied again, and viewers refused.

mod common;

use axum::http::StatusCode;
use calamine::Reader as _;
use common::pages::{Page, Visitor, set};
use time::{Date, Duration, OffsetDateTime};
use vetted_core::audit::Actor;
use vetted_core::model::{RiskEntry, RiskStatus, SupplierId, Treatment};
use vetted_store::{Change, StoredSupplier};
use vetted_web::AppState;
use vetted_web::auth::Role;

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

async fn stored(state: &AppState, s: &str) -> StoredSupplier {
    state.store.get_supplier(&id(s)).await.unwrap()
}

/// Changes supplier `s` in the store, as another user would.
async fn change(state: &AppState, s: &str, edit: impl FnOnce(&mut vetted_core::model::Supplier)) {
    let mut now = stored(state, s).await;
    edit(&mut now.supplier);
    state
        .store
        .update_supplier(&now.supplier, now.version, &Change::now(Actor::System))
        .await
        .unwrap();
}

/// The ids of the list's rows.
fn ids(page: &Page) -> Vec<String> {
    page.all("table#risks tbody tr")
        .iter()
        .map(|tr| tr.attr("data-risk").unwrap().to_string())
        .collect()
}

fn risk_of<'a>(s: &'a StoredSupplier, risk: &str) -> Option<&'a RiskEntry> {
    s.supplier
        .risks
        .iter()
        .find(|r| r.id.as_deref() == Some(risk))
}

async fn the_list_shows_every_risk_once_with_its_suppliers_and_marks_the_overdue(
    backend: common::Backend,
) {
    let (_db, state) = backend.state().await;
    // R-15 past its due date today.
    change(&state, "polyglot-speech", |s| {
        s.risks[0].due = Some(today() - Duration::days(1));
    })
    .await;
    // R-07 linked to a second supplier, with the same values.
    let r07 = risk_of(&stored(&state, "frontier-reasoning").await, "R-07")
        .unwrap()
        .clone();
    change(&state, "azur-models", |s| s.risks.push(r07)).await;

    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/risks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.one("header nav a[href='/risks']").attr("aria-current"),
        Some("page")
    );
    assert_eq!(
        ids(&page),
        [
            "R-03", "R-07", "R-09", "R-15", "R-18", "R-19", "R-21", "R-22"
        ]
    );
    assert_eq!(page.all("table#risks thead th[scope=col]").len(), 8);
    let r07: Vec<String> = page
        .all("tr[data-risk='R-07'] td.suppliers a")
        .iter()
        .map(|a| a.attr("href").unwrap().to_string())
        .collect();
    // In register order.
    assert_eq!(
        r07,
        ["/suppliers/azur-models", "/suppliers/frontier-reasoning"]
    );
    assert_eq!(
        page.one("tr[data-risk='R-07'] th[scope=row] a")
            .attr("href"),
        Some("/risks/R-07")
    );
    // Only R-15 is overdue, and says why.
    let overdue: Vec<String> = page
        .all("tbody tr.overdue")
        .iter()
        .map(|tr| tr.attr("data-risk").unwrap().to_string())
        .collect();
    assert_eq!(overdue, ["R-15"]);
    assert_eq!(
        page.text_of("tr[data-risk='R-15'] .overdue-badge"),
        "Overdue: past its due date"
    );
    // Viewers see no "Open a risk".
    assert!(!page.has("#new-risk"));
}

async fn filters_narrow_the_list_and_a_bad_value_is_shown_at_its_field(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    change(&state, "polyglot-speech", |s| {
        s.risks[0].due = Some(today() - Duration::days(3));
    })
    .await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    for (query, expected) in [
        ("status=closed", &["R-03"][..]),
        ("treatment=replace", &["R-07"]),
        ("owner=SALES-OPS%40example.eu", &["R-03"]),
        ("overdue=true", &["R-15"]),
        ("supplier=helpdeck", &["R-21"]),
        (
            "status=open&owner=ciso%40example.eu",
            &["R-07", "R-15", "R-21", "R-22"],
        ),
    ] {
        let page = v.get(&format!("/risks?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(ids(&page), expected, "{query}");
        assert_eq!(
            page.one("#result-count").attr("data-total"),
            Some(expected.len().to_string().as_str())
        );
    }
    let page = v.get("/risks?status=opne&owner=x").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let status = page.one("#status");
    assert_eq!(status.attr("aria-invalid"), Some("true"));
    assert_eq!(status.attr("aria-describedby"), Some("status-error"));
    assert!(
        page.text_of("#status-error")
            .starts_with("unknown value `opne`")
    );
    assert_eq!(page.one("#owner").attr("value"), Some("x"), "input kept");
    assert!(!page.has("table#risks"));
}

async fn the_view_exports_as_csv_and_xlsx_without_formulas(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    change(&state, "helpdeck", |s| {
        s.risks[0].title = Some("=HYPERLINK(\"http://x\")".into());
    })
    .await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/risks?status=open").await;
    let csv_link = page.one("#export-csv").attr("href").unwrap().to_string();
    assert_eq!(csv_link, "/risks/export.csv?status=open");
    let res = common::send(
        &v.app,
        axum::http::Request::get(&csv_link)
            .header("cookie", v.cookie.clone().unwrap())
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let body = String::from_utf8(common::bytes(res).await).unwrap();
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let exported: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(exported, ids(&page));
    let r21 = rows.iter().find(|r| &r[0] == "R-21").unwrap();
    assert_eq!(
        &r21[1], "'=HYPERLINK(\"http://x\")",
        "a title never runs as a formula"
    );
    assert_eq!(&r21[7], "helpdeck");

    let xlsx = page.one("#export-xlsx").attr("href").unwrap().to_string();
    let res = common::send(
        &v.app,
        axum::http::Request::get(&xlsx)
            .header("cookie", v.cookie.clone().unwrap())
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(common::bytes(res).await)).unwrap();
    let range = book.worksheet_range("risks").unwrap();
    assert_eq!(range.height(), ids(&page).len() + 1);
}

async fn a_risk_page_shows_its_suppliers_rules_and_history(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    change(&state, "frontier-reasoning", |s| {
        s.risks[0].rules = vec!["model.eu-inference".into(), "agreement.clause.exit".into()];
    })
    .await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/risks/R-07").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text_of("main h1"),
        "R-07: Customer conversations sent to US inference"
    );
    assert_eq!(
        page.one("#suppliers tr[data-supplier='frontier-reasoning'] th a")
            .attr("href"),
        Some("/suppliers/frontier-reasoning")
    );
    assert_eq!(
        page.text_of("#rules tr[data-rule='model.eu-inference'] td.controls"),
        "5.19, 5.23"
    );
    assert!(
        page.text_of("#rules tr[data-rule='agreement.clause.exit'] td.rule-text")
            .contains("Exit")
    );
    // The change above is in the history, by Vetted itself.
    let rows = page.all("#history tbody tr");
    assert!(!rows.is_empty());
    assert_eq!(page.text_of("#history tbody tr td.fields"), "Rules");
    assert_eq!(
        page.text_of("#history tbody tr td.subject"),
        "frontier-reasoning"
    );
    assert!(!page.has("#edit-risk"), "no edit for a viewer");
    assert_eq!(v.get("/risks/R-99").await.status, StatusCode::NOT_FOUND);
}

async fn a_risk_opened_for_two_suppliers_is_written_into_both_and_answers_escalation(
    backend: common::Backend,
) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    // The dashboard's failing suppliers without an escalation offer the same link.
    let dashboard = editor.get("/").await;
    assert_eq!(
        dashboard
            .one("#unescalated li[data-id='corpora-data'] a.open-risk")
            .attr("href"),
        Some("/risks/new?supplier=corpora-data&rule=agreement.clause.data_sourcing_transparency")
    );
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    assert!(!viewer.get("/").await.has("#unescalated a.open-risk"));
    // From the failing supplier's finding: prefilled with it and the rules it fails.
    let supplier_page = editor.get("/suppliers/corpora-data").await;
    let open = supplier_page
        .one("table.findings tr[data-rule='escalation.risk'] a.open-risk")
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(
        open,
        "/risks/new?supplier=corpora-data&rule=agreement.clause.data_sourcing_transparency"
    );
    let form = editor.get(&open).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.one("#f-id").attr("value"),
        Some("R-23"),
        "the next free id"
    );
    assert!(form.has("#f-suppliers-corpora-data[checked]"));
    assert!(!form.has("#f-suppliers-pipewise-crm[checked]"));
    assert!(
        form.has("input[name=rules][value='agreement.clause.data_sourcing_transparency'][checked]")
    );
    assert_eq!(form.all("input[name=rules][checked]").len(), 1);
    assert_eq!(
        form.one("#f-owner").attr("value"),
        Some("editor@example.org")
    );
    assert!(
        form.one("#f-title")
            .attr("value")
            .unwrap()
            .contains("Corpora Data")
    );

    let mut fields = form.form_fields("form.risk-form");
    set(
        &mut fields,
        "title",
        &["Sourcing transparency missing from the contract"],
    );
    set(&mut fields, "suppliers", &["corpora-data", "pipewise-crm"]);
    let saved = editor.submit("/risks/new", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(saved.location.as_deref(), Some("/risks/R-23?notice=saved"));

    for s in ["corpora-data", "pipewise-crm"] {
        let copy = risk_of(&stored(&state, s).await, "R-23").cloned().unwrap();
        assert_eq!(copy.status, Some(RiskStatus::Open));
        assert_eq!(copy.rules, ["agreement.clause.data_sourcing_transparency"]);
        assert_eq!(copy.opened, Some(today()));
    }
    let list = editor.get("/risks").await;
    assert_eq!(list.all("tr[data-risk='R-23'] td.suppliers a").len(), 2);
    let page = editor.get("/risks/R-23?notice=saved").await;
    assert_eq!(page.text_of("p.notice"), "Saved.");
    assert_eq!(
        page.all("#history tbody tr").len(),
        2,
        "linked to each supplier"
    );
    // The open risk answers escalation.risk.
    let after = editor.get("/suppliers/corpora-data").await;
    assert!(
        after.has("table.findings tr[data-rule='agreement.clause.data_sourcing_transparency']")
    );
    assert!(!after.has("table.findings tr[data-rule='escalation.risk']"));

    // The same id again is refused: it exists.
    let again = editor.submit("/risks/new", &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text_of("#conflict").contains("R-23 exists already"));
}

async fn problems_are_shown_at_their_fields_with_the_input_kept(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let form = editor.get("/risks/new?supplier=pulsepoll").await;
    let mut fields = form.form_fields("form.risk-form");
    set(&mut fields, "title", &["Acquired by a US vendor"]);
    set(&mut fields, "status", &["accepted"]);
    set(&mut fields, "due", &["2026-02-30"]);
    set(
        &mut fields,
        "rules",
        &["selection.residency", "no.such-rule"],
    );
    let page = editor.submit("/risks/new", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let invalid = |page: &Page, field: &str| {
        let input = page.one(&format!("#{field}"));
        assert_eq!(input.attr("aria-invalid"), Some("true"), "{field}");
        let described = input.attr("aria-describedby").unwrap();
        assert!(
            described.contains(&format!("{field}-error")),
            "{field}: {described}"
        );
        assert!(page.has(&format!("#{field}-error.field-error")));
    };
    invalid(&page, "f-due");
    assert!(page.text_of("#f-due-error").contains("is not a date"));
    assert!(page.text_of("#error-summary").contains("problem"));
    // The input is kept.
    assert_eq!(
        page.one("#f-title").attr("value"),
        Some("Acquired by a US vendor")
    );
    assert!(page.has("#f-suppliers-pulsepoll[checked]"));
    assert!(page.has("#f-status option[value=accepted][selected]"));
    // Nothing written.
    assert!(stored(&state, "pulsepoll").await.supplier.risks.is_empty());

    // With a date that exists: the acceptance needs its end, and the unknown rule (a forged
    // value: the form offers only the policy's) is named, both at their fields.
    let page = editor
        .submit("/risks/new", &{
            set(&mut fields, "due", &["2027-02-28"]);
            fields.clone()
        })
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    invalid(&page, "f-accepted_until");
    assert!(
        page.text_of("#f-accepted_until-error")
            .contains("last day the acceptance holds")
    );
    assert!(
        page.text_of("#f-rules-error")
            .contains("`no.such-rule` is not a rule of the policy")
    );
    assert!(stored(&state, "pulsepoll").await.supplier.risks.is_empty());
}

async fn accepting_records_who_accepted_until_when(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let form = editor.get("/risks/R-21/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.has("#f-id"), "an id is not edited");
    assert!(form.has("#f-suppliers-helpdeck[checked]"));
    let until = (today() + Duration::days(180)).to_string();
    let mut fields = form.form_fields("form.risk-form");
    set(&mut fields, "status", &["accepted"]);
    set(&mut fields, "treatment", &["accept"]);
    set(&mut fields, "accepted_until", &[&until]);
    let saved = editor.submit("/risks/R-21/edit", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let copy = risk_of(&stored(&state, "helpdeck").await, "R-21")
        .cloned()
        .unwrap();
    assert_eq!(copy.status, Some(RiskStatus::Accepted));
    assert_eq!(copy.treatment, Some(Treatment::Accept));
    assert_eq!(copy.accepted_by.as_deref(), Some("editor@example.org"));
    assert_eq!(
        copy.accepted_until.map(|d| d.to_string()),
        Some(until.clone())
    );
    let page = editor.get("/risks/R-21").await;
    assert_eq!(page.text_of("#accepted-by"), "editor@example.org");
    assert_eq!(page.text_of("#accepted-until"), until);
}

async fn unticking_a_supplier_unlinks_it_and_a_stale_edit_is_refused(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    // R-22 linked to redpoint and helpdeck.
    let r22 = risk_of(&stored(&state, "redpoint").await, "R-22")
        .unwrap()
        .clone();
    change(&state, "helpdeck", |s| s.risks.push(r22)).await;

    let form = editor.get("/risks/R-22/edit").await;
    let versions: Vec<&str> = form
        .all("form.risk-form input[name=versions]")
        .iter()
        .map(|i| i.attr("value").unwrap())
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");
    let mut fields = form.form_fields("form.risk-form");

    // Someone changes helpdeck meanwhile: the save is refused, nothing is written.
    change(&state, "helpdeck", |s| {
        s.owner = Some("someone@example.eu".into());
    })
    .await;
    set(&mut fields, "suppliers", &["redpoint"]);
    set(
        &mut fields,
        "title",
        &["Testers without a subcontractor clause"],
    );
    let refused = editor.submit("/risks/R-22/edit", &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(
        refused
            .text_of("#conflict")
            .contains("Supplier helpdeck was changed by someone else"),
        "{}",
        refused.text_of("#conflict")
    );
    assert!(refused.has("#conflict table.conflict-table tr.differs"));
    assert!(risk_of(&stored(&state, "helpdeck").await, "R-22").is_some());
    // The form now carries the current versions and the user's values: submitting applies.
    let again = refused.form_fields("form.risk-form");
    assert!(again.contains(&(
        "title".into(),
        "Testers without a subcontractor clause".into()
    )));
    let saved = editor.submit("/risks/R-22/edit", &again).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(
        risk_of(&stored(&state, "helpdeck").await, "R-22").is_none(),
        "unlinked"
    );
    assert_eq!(
        risk_of(&stored(&state, "redpoint").await, "R-22")
            .unwrap()
            .title
            .as_deref(),
        Some("Testers without a subcontractor clause")
    );
    let page = editor.get("/risks/R-22").await;
    assert_eq!(page.all("#suppliers tbody tr").len(), 1);
}

async fn viewers_cannot_open_or_edit_risks(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    assert_eq!(viewer.get("/risks/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/risks/R-07/edit").await.status,
        StatusCode::FORBIDDEN
    );
    let page = viewer
        .post(
            "/risks/R-07/edit",
            &[
                ("title", "x"),
                ("status", "closed"),
                ("suppliers", "frontier-reasoning"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        risk_of(&stored(&state, "frontier-reasoning").await, "R-07")
            .unwrap()
            .status,
        Some(RiskStatus::Open)
    );
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    assert!(editor.get("/risks").await.has("#new-risk"));
}

async fn a_long_list_is_paged_and_the_pages_keep_the_filters(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let before = Visitor::signed_in(&state, Role::Viewer)
        .await
        .get("/risks?status=open")
        .await;
    let open_before: usize = before
        .one("#result-count")
        .attr("data-total")
        .unwrap()
        .parse()
        .unwrap();
    change(&state, "stratocloud", |s| {
        for n in 0..150 {
            s.risks.push(RiskEntry {
                id: Some(format!("R-{}", 1000 + n)),
                title: Some(format!("Generated risk {n}")),
                status: Some(RiskStatus::Open),
                treatment: Some(Treatment::Remediate),
                owner: Some("ciso@example.eu".into()),
                due: Some(today() + Duration::days(90)),
                ..RiskEntry::default()
            });
        }
    })
    .await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let first = viewer.get("/risks?status=open").await;
    assert_eq!(first.status, StatusCode::OK);
    let total = open_before + 150;
    assert_eq!(
        first.one("#result-count").attr("data-total"),
        Some(total.to_string().as_str())
    );
    assert_eq!(ids(&first).len(), 100, "one page of 100");
    assert!(!first.has("#prev-page"));
    let next = first.one("#next-page").attr("href").unwrap().to_string();
    assert_eq!(next, "/risks?status=open&page=2", "the filter is kept");
    let second = viewer.get(&next).await;
    assert_eq!(ids(&second).len(), total - 100);
    assert!(!second.has("#next-page"));
    assert_eq!(
        second.one("#prev-page").attr("href"),
        Some("/risks?status=open")
    );
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        total,
        "every risk on one page or the other, once"
    );
    // The export is the whole view, whatever the page.
    assert!(
        !first
            .one("#export-csv")
            .attr("href")
            .unwrap()
            .contains("page=")
    );

    let bad = viewer.get("/risks?page=0").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

on_both_backends!(
    a_long_list_is_paged_and_the_pages_keep_the_filters,
    the_list_shows_every_risk_once_with_its_suppliers_and_marks_the_overdue,
    filters_narrow_the_list_and_a_bad_value_is_shown_at_its_field,
    the_view_exports_as_csv_and_xlsx_without_formulas,
    a_risk_page_shows_its_suppliers_rules_and_history,
    a_risk_opened_for_two_suppliers_is_written_into_both_and_answers_escalation,
    problems_are_shown_at_their_fields_with_the_input_kept,
    accepting_records_who_accepted_until_when,
    unticking_a_supplier_unlinks_it_and_a_stale_edit_is_refused,
    viewers_cannot_open_or_edit_risks,
);
