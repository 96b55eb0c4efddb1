//! The review workflow (`/suppliers/{id}/review`) on the example register, on both backends:
//! reached from the due queue and the supplier page, the evidence shown side by side, the
//! form prefilled (today, the pending trigger, the risk inputs); a review with outcome
//! `escalate` opens a risk, the supplier's `escalation.risk` finding goes away and the next
//! review date moves; an open risk can be linked instead; a pass opens none; problems are shown
//! at their fields with the input kept; a stale form gets 409; a viewer gets 403.

mod common;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, set};
use time::{Date, OffsetDateTime};
use vetted_core::audit::Actor;
use vetted_core::date::add_months;
use vetted_core::model::{
    ReviewCheck, ReviewOutcome, ReviewTrigger, RiskStatus, SupplierId, Treatment,
};
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

/// The form's fields with the four re-checks ticked and `outcome`.
fn complete(page: &Page, outcome: &str) -> Vec<(String, String)> {
    let mut fields = page.form_fields("form.review-form");
    set(
        &mut fields,
        "checks",
        &["assurance", "dpa", "residency", "risk"],
    );
    set(&mut fields, "outcome", &[outcome]);
    set(&mut fields, "notes", &["Annual review."]);
    fields
}

async fn the_page_shows_the_evidence_and_a_prefilled_form(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    // Reached from the due queue's review rows and from the supplier page.
    let due = editor.get("/due?rule=review.triggered").await;
    let start = due
        .one("table#due tr[data-supplier='pulsepoll'] a.action")
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(start, "/suppliers/pulsepoll/review");
    let supplier = editor.get("/suppliers/pulsepoll").await;
    assert_eq!(
        supplier.one("#start-review").attr("href"),
        Some("/suppliers/pulsepoll/review")
    );

    let page = editor.get(&start).await;
    assert_eq!(page.status, StatusCode::OK);
    for section in [
        "#re-assurance",
        "#re-dpa",
        "#re-residency",
        "#re-risk",
        "#re-findings",
        "#re-risks",
    ] {
        assert!(page.has(&format!("{section} h2")), "{section}");
    }
    // Its ISO certificate does not cover the service; no agreement, so every required clause
    // is missing; its two locations are in Germany, allowed.
    assert_eq!(page.text_of("#re-assurance tbody .badge"), "Not covering");
    assert!(page.has("#required-clauses li.missing[data-clause='incident_notification']"));
    assert!(!page.has("#required-clauses li.held"));
    assert_eq!(page.all("#re-residency tbody .badge.pass").len(), 2);
    assert!(!page.has("#re-residency .badge.fail"));
    assert!(page.has("#open-findings li[data-rule='review.triggered']"));
    // Prefilled: today, the pending trigger (an ownership change), the recorded risk inputs.
    assert_eq!(
        page.one("#f-date").attr("value"),
        Some(today().to_string().as_str())
    );
    assert!(page.has("#f-trigger option[value=ownership_change][selected]"));
    assert!(page.has("#f-risk-business_impact option[value=low][selected]"));
    assert!(page.has("#f-risk-data_access option[value=customer][selected]"));
    assert_eq!(page.one("#f-risk_id").attr("value"), Some("R-23"));
    assert!(page.one("input[name=version]").attr("value").is_some());
    // Every control has its label.
    for input in page.all("form.review-form select, form.review-form input[type=text], form.review-form input[type=date], form.review-form textarea") {
        let id = input.attr("id").unwrap();
        assert!(page.has(&format!("label[for='{id}']")), "{id} has no label");
    }
    // A scheduled review when nothing triggered one.
    let page = editor.get("/suppliers/corpora-data/review").await;
    assert!(page.has("#f-trigger option[value=scheduled][selected]"));
    // Support from the US is not an allowed location; its DPA and clauses are in force.
    let page = editor.get("/suppliers/officium/review").await;
    assert_eq!(page.all("#re-residency tbody .badge.fail").len(), 1);
    assert_eq!(page.text_of("#dpa-state .badge"), "DPA in force");
    assert!(page.has("#required-clauses li.held"));
}

async fn an_escalation_opens_a_risk_and_the_finding_goes_away(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let before = editor.get("/suppliers/corpora-data").await;
    assert!(before.has("table.findings tr[data-rule='escalation.risk']"));
    let next_before = before.text_of("#next-review");
    let reviews_before = stored(&state, "corpora-data").await.supplier.reviews.len();

    let form = editor.get("/suppliers/corpora-data/review").await;
    let mut fields = complete(&form, "escalate");
    set(&mut fields, "risk.replaceability", &["hard"]);
    set(
        &mut fields,
        "risk_title",
        &["No sourcing transparency clause"],
    );
    let done = editor
        .submit("/suppliers/corpora-data/review", &fields)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        done.location.as_deref(),
        Some("/suppliers/corpora-data?notice=reviewed#facts")
    );

    // One update: the review, the new risk input and the risk.
    let s = stored(&state, "corpora-data").await;
    assert_eq!(s.supplier.reviews.len(), reviews_before + 1);
    let review = s.supplier.reviews.last().unwrap();
    assert_eq!(review.date, today());
    assert_eq!(review.reviewer.as_deref(), Some("editor@example.org"));
    assert_eq!(review.trigger, Some(ReviewTrigger::Scheduled));
    assert_eq!(review.outcome, Some(ReviewOutcome::Escalate));
    assert_eq!(review.checks.len(), ReviewCheck::ALL.len());
    assert_eq!(
        s.supplier
            .risk
            .replaceability
            .map(vetted_core::model::Replaceability::as_str),
        Some("hard")
    );
    let risk = s
        .supplier
        .risks
        .iter()
        .find(|r| r.id.as_deref() == Some("R-23"))
        .expect("a risk opened");
    assert_eq!(risk.status, Some(RiskStatus::Open));
    assert_eq!(risk.treatment, Some(Treatment::Escalate));
    assert_eq!(risk.rules, ["agreement.clause.data_sourcing_transparency"]);
    assert_eq!(risk.owner.as_deref(), Some("editor@example.org"));
    assert_eq!(risk.due, Some(today() + time::Duration::days(30)));

    // The supplier page: the finding is answered and the next review moved.
    let after = editor.get("/suppliers/corpora-data?notice=reviewed").await;
    assert_eq!(
        after.text_of("p.notice"),
        "The review is recorded. The next review date below follows from it."
    );
    assert!(!after.has("table.findings tr[data-rule='escalation.risk']"));
    let next_after = after.text_of("#next-review");
    assert_ne!(next_after, next_before);
    assert_eq!(next_after, add_months(today(), 12).to_string());
    assert!(editor.get("/risks").await.has("tr[data-risk='R-23']"));
}

async fn a_review_can_link_an_open_risk_and_a_pass_opens_none(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let form = editor.get("/suppliers/corpora-data/review").await;
    assert!(form.has("#f-risk_link option[value='R-07']"));
    assert!(
        !form.has("#f-risk_link option[value='R-03']"),
        "a closed risk is not offered"
    );
    let mut fields = complete(&form, "remediate");
    set(&mut fields, "risk_link", &["R-07"]);
    let done = editor
        .submit("/suppliers/corpora-data/review", &fields)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let s = stored(&state, "corpora-data").await;
    let linked = s
        .supplier
        .risks
        .iter()
        .find(|r| r.id.as_deref() == Some("R-07"))
        .unwrap();
    let original = stored(&state, "frontier-reasoning").await;
    assert_eq!(
        Some(linked),
        original
            .supplier
            .risks
            .iter()
            .find(|r| r.id.as_deref() == Some("R-07"))
    );
    let risk = editor.get("/risks/R-07").await;
    assert_eq!(risk.all("#suppliers tbody tr").len(), 2);

    // A pass opens nothing.
    let form = editor.get("/suppliers/kestrel-cloud/review").await;
    let before = stored(&state, "kestrel-cloud").await.supplier.risks.len();
    let done = editor
        .submit("/suppliers/kestrel-cloud/review", &complete(&form, "pass"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        stored(&state, "kestrel-cloud").await.supplier.risks.len(),
        before
    );
}

async fn problems_are_shown_at_their_fields_and_nothing_is_written(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let form = editor.get("/suppliers/corpora-data/review").await;
    let version = stored(&state, "corpora-data").await.version;
    let mut fields = complete(&form, "");
    let tomorrow = (today() + time::Duration::days(1)).to_string();
    set(&mut fields, "date", &[&tomorrow]);
    set(&mut fields, "notes", &["Kept after a refusal."]);
    let page = editor
        .submit("/suppliers/corpora-data/review", &fields)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["f-date", "f-outcome"] {
        let input = page.one(&format!("#{field}"));
        assert_eq!(input.attr("aria-invalid"), Some("true"), "{field}");
        assert!(
            input
                .attr("aria-describedby")
                .unwrap()
                .contains(&format!("{field}-error"))
        );
    }
    assert!(page.text_of("#f-date-error").contains("is in the future"));
    assert_eq!(page.text_of("#f-notes"), "Kept after a refusal.");
    assert_eq!(page.all("input[name=checks][checked]").len(), 4);
    assert_eq!(stored(&state, "corpora-data").await.version, version);

    // An escalation whose new risk takes an id in use.
    let mut fields = complete(&form, "escalate");
    set(&mut fields, "risk_id", &["R-07"]);
    let page = editor
        .submit("/suppliers/corpora-data/review", &fields)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text_of("#f-risk_id-error").contains("R-07 is taken"));
    assert_eq!(stored(&state, "corpora-data").await.version, version);
}

async fn a_stale_form_gets_409_and_a_viewer_403(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let form = editor.get("/suppliers/corpora-data/review").await;
    // Someone changes the supplier while the review is under way.
    let mut now = stored(&state, "corpora-data").await;
    now.supplier.owner = Some("someone-else@example.eu".into());
    let changed = state
        .store
        .update_supplier(&now.supplier, now.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let fields = complete(&form, "pass");
    let page = editor
        .submit("/suppliers/corpora-data/review", &fields)
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.text_of("#conflict")
            .contains("changed by someone else")
    );
    let s = stored(&state, "corpora-data").await;
    assert_eq!(s.version, changed.version, "nothing written");
    // The form comes back at the current version with the values kept: submitting it records.
    let again = page.form_fields("form.review-form");
    assert!(again.contains(&("version".into(), changed.version.to_string())));
    assert!(again.contains(&("notes".into(), "Annual review.".into())));
    let done = editor
        .submit("/suppliers/corpora-data/review", &again)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);

    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    assert_eq!(
        viewer.get("/suppliers/corpora-data/review").await.status,
        StatusCode::FORBIDDEN
    );
    let version = stored(&state, "corpora-data").await.version.to_string();
    let refused = viewer
        .post(
            "/suppliers/corpora-data/review",
            &[
                ("version", version.as_str()),
                ("outcome", "pass"),
                ("trigger", "scheduled"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        stored(&state, "corpora-data").await.version.to_string(),
        version
    );
    assert!(
        !viewer
            .get("/suppliers/corpora-data")
            .await
            .has("#start-review")
    );
}

on_both_backends!(
    the_page_shows_the_evidence_and_a_prefilled_form,
    an_escalation_opens_a_risk_and_the_finding_goes_away,
    a_review_can_link_an_open_risk_and_a_pass_opens_none,
    problems_are_shown_at_their_fields_and_nothing_is_written,
    a_stale_form_gets_409_and_a_viewer_403,
);
