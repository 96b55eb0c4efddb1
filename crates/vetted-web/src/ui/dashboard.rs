//! The dashboard, `/`: what needs attention in the register today.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;

/// `GET /`.
pub fn pages() -> Pages {
    Pages::new().get("/", VIEWER, dashboard)
}

/// `templates/dashboard/index.html`.
#[derive(Template)]
#[template(path = "dashboard/index.html")]
pub struct DashboardPage {
    chrome: Chrome,
    suppliers: u64,
}

async fn dashboard(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let suppliers = state.store.count_suppliers().await?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            chrome: Chrome::new(session, Nav::Dashboard),
            suppliers,
        },
    ))
}
