//! The pages' authorization matrix: every route of [`vetted_web::ui::route_table`] (the table
//! the UI router is built from, so a new page cannot escape) × every kind of caller, through the
//! real router with real sessions made by the login form.
//!
//! Expected answers, for a page that needs a role:
//! - anonymous, or a disabled user's old session: 303 to `/login` (GET pages remember the page
//!   in `next`);
//! - a role below the page's: 403, as an HTML page;
//! - a role at or above: never 401, 403 or a redirect to the login page, never a 5xx;
//! - a `POST` of a signed-in user without the session's CSRF token: 403, nothing done.
//!
//! Public pages answer everyone without a 5xx.

mod common;

use axum::http::StatusCode;
use common::pages::{PASSWORD, Visitor};
use vetted_core::audit::Actor;
use vetted_web::auth::Role;
use vetted_web::ui::{Access, PageRoute, route_table};

/// A concrete path for a route template: every `{param}` the UI uses gets a value that exists
/// in the example register. A new parameter name fails here until it is given one.
fn concrete(path: &str) -> String {
    let mut out = path.to_string();
    for (param, value) in [
        ("{id}", "stratocloud"),
        ("{risk_id}", "R-07"),
        ("{section}", "locations"),
        ("{index}", "0"),
        ("{name}", "vetted.css"),
        ("{number}", "1"),
        ("{delivery}", "1"),
        (
            "{sha256}",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ] {
        out = out.replace(param, value);
    }
    assert!(
        !out.contains('{'),
        "tests/ui_authz.rs: give the parameter of {path} a value in `concrete`"
    );
    out
}

fn to_login(page: &common::pages::Page) -> bool {
    page.status == StatusCode::SEE_OTHER
        && page
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login"))
}

async fn call(v: &Visitor, route: &PageRoute, csrf: bool) -> common::pages::Page {
    let path = concrete(route.path);
    match (route.method, csrf) {
        ("GET", _) => v.get(&path).await,
        ("POST", true) => v.post(&path, &[]).await,
        ("POST", false) => v.post_raw(&path, &[]).await,
        (m, _) => panic!("a page route with method {m}"),
    }
}

async fn matrix(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let table = route_table();
    assert!(table.len() > 3, "the UI has pages");

    let anonymous = Visitor::anonymous(vetted_web::router(state.clone()));
    let mut signed = Vec::new();
    for role in Role::ALL {
        signed.push((role, Visitor::signed_in(&state, role).await));
    }
    // A session opened while the user was enabled, then the user disabled.
    let disabled = state
        .accounts
        .create_user("gone@example.org", PASSWORD, Role::Admin, Actor::System)
        .await
        .unwrap();
    let mut gone = Visitor::anonymous(vetted_web::router(state.clone()));
    gone.sign_in("gone@example.org", PASSWORD).await;
    state
        .accounts
        .update_user(&disabled.id, None, Some(true), Actor::System)
        .await
        .unwrap();

    // Reads first, then writes (a write may archive or delete what a read would show).
    let mut ordered = table.clone();
    ordered.sort_by_key(|r| r.method != "GET");
    let mut checked = 0;
    for route in &ordered {
        let what = format!("{} {}", route.method, route.path);
        match route.access {
            Access::Public => {
                let page = call(&anonymous, route, true).await;
                assert!(
                    !page.status.is_server_error(),
                    "{what} anonymous: {}",
                    page.status
                );
            }
            Access::Signed(needed) => {
                for v in [&anonymous, &gone] {
                    let page = call(v, route, true).await;
                    assert!(
                        to_login(&page),
                        "{what} without a live session: {} {:?}",
                        page.status,
                        page.location
                    );
                }
                for (role, v) in &mut signed {
                    if route.method == "POST" {
                        let page = call(v, route, false).await;
                        assert_eq!(
                            page.status,
                            StatusCode::FORBIDDEN,
                            "{what} as {role} without the CSRF token"
                        );
                        assert!(page.content_type.starts_with("text/html"), "{what}");
                    }
                    let page = call(v, route, true).await;
                    if route.path == "/logout" {
                        // Signing out ends the session: it works, then sign in again.
                        assert_eq!(
                            page.location.as_deref(),
                            Some("/login?notice=signed-out"),
                            "{what} as {role}"
                        );
                        assert!(v.get("/").await.status == StatusCode::SEE_OTHER);
                        v.sign_in(&format!("{role}@example.org"), PASSWORD).await;
                    } else if *role < needed {
                        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what} as {role}");
                        assert!(
                            page.content_type.starts_with("text/html"),
                            "{what} as {role}: a 403 page"
                        );
                    } else {
                        assert!(
                            page.status != StatusCode::FORBIDDEN
                                && page.status != StatusCode::UNAUTHORIZED
                                && !to_login(&page)
                                && !page.status.is_server_error(),
                            "{what} as {role}: {}\n{}",
                            page.status,
                            page.text
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0);
}

on_both_backends!(matrix);
