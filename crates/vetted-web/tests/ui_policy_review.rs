//! The policy's own review on the admin policy page (`/admin/policy`, "Record a policy
//! review"), on both backends: the owner, version, last review and whether `policy.review`
//! warns; a review recorded as a new version in force (the next due date moves and the warning
//! goes); a bad date refused at its field with the input kept; other roles refused.

mod common;

use axum::http::StatusCode;
use common::pages::{Visitor, set};
use time::{Duration, OffsetDateTime};
use vetted_core::date::add_months;
use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};
use vetted_web::auth::Role;

/// The default policy last reviewed on `date`, as a stored version (what the server runs).
async fn reviewed_on(state: &vetted_web::AppState, date: &str) {
    let text =
        DEFAULT_POLICY_TOML.replace("last_review = 2026-11-01", &format!("last_review = {date}"));
    Policy::from_toml(&text).unwrap();
    vetted_web::api::policy::upload_policy(state, &text, vetted_core::audit::Actor::System)
        .await
        .unwrap();
}

async fn an_old_review_warns_and_recording_one_puts_a_new_version_in_force(
    backend: common::Backend,
) {
    let (_db, state) = backend.state().await;
    reviewed_on(&state, "2024-06-30").await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin.get("/admin/policy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text_of("#review-owner"), "ciso");
    assert_eq!(page.text_of("#review-version"), "1");
    assert_eq!(page.text_of("#review-last"), "2024-06-30");
    assert_eq!(page.text_of("#review-due"), "2025-06-30");
    assert_eq!(page.text_of("#review-state .badge"), "Warns");
    assert!(
        page.text_of("#review-state")
            .contains("last reviewed on 2024-06-30")
    );
    let today = OffsetDateTime::now_utc().date();
    assert_eq!(
        page.one("#review-date").attr("value"),
        Some(today.to_string().as_str())
    );

    let mut fields = page.form_fields("#policy-review-form");
    set(&mut fields, "new_version", &["2026.2"]);
    let done = admin.submit("/admin/policy/review", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        done.location.as_deref(),
        Some("/admin/policy?notice=policy-reviewed")
    );
    let page = admin.get("/admin/policy?notice=policy-reviewed").await;
    assert!(
        page.text_of("p.notice")
            .starts_with("The policy review is recorded")
    );
    assert_eq!(page.text_of("#review-last"), today.to_string());
    assert_eq!(page.text_of("#review-version"), "2026.2");
    assert_eq!(
        page.text_of("#review-due"),
        add_months(today, 12).to_string()
    );
    assert_eq!(page.text_of("#review-state .badge"), "Holds");
    assert_eq!(page.text_of("#active-number"), "2");
    // In force for everyone at once.
    assert_eq!(state.policy().policy.last_review, today);
}

async fn a_bad_date_is_refused_at_its_field(backend: common::Backend) {
    let (_db, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin.get("/admin/policy").await;
    let tomorrow = (OffsetDateTime::now_utc().date() + Duration::days(1)).to_string();
    for (date, message) in [
        (tomorrow.as_str(), "is in the future"),
        ("2026-02-30", "is not a date"),
        ("2020-01-01", "is before the last review recorded"),
    ] {
        let mut fields = page.form_fields("#policy-review-form");
        set(&mut fields, "date", &[date]);
        set(&mut fields, "new_owner", &["Head of Security"]);
        let refused = admin.submit("/admin/policy/review", &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        let input = refused.one("#review-date");
        assert_eq!(input.attr("aria-invalid"), Some("true"));
        assert!(
            input
                .attr("aria-describedby")
                .unwrap()
                .contains("review-date-error")
        );
        assert!(
            refused.text_of("#review-date-error").contains(message),
            "{date}"
        );
        assert_eq!(input.attr("value"), Some(date), "input kept");
        assert_eq!(
            refused.one("#review-new-owner").attr("value"),
            Some("Head of Security")
        );
    }
    assert!(
        state.store.policy_versions().await.unwrap().is_empty(),
        "nothing stored"
    );

    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let refused = editor
        .post("/admin/policy/review", &[("date", "2026-11-20")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(state.store.policy_versions().await.unwrap().is_empty());
}

on_both_backends!(
    an_old_review_warns_and_recording_one_puts_a_new_version_in_force,
    a_bad_date_is_refused_at_its_field,
);
