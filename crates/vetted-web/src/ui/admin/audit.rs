//! `/admin/audit`: the head of the audit trail (how many entries, the last one's MAC, the
//! `SEQ:MAC` head an auditor keeps), a "Verify the audit trail" button, and the link to the
//! export (`GET /api/v1/audit/export`, JSON lines).
//!
//! Verifying runs [`crate::api::audit::verify_trail`], the verification of
//! `GET /api/v1/audit/verify`, and shows its outcome: intact (with the head reached), or the
//! first broken entry and why. It is a `GET` form (`/admin/audit/verify?head=`): it changes
//! nothing, so it needs no CSRF token, and its result can be reloaded. An optional head kept
//! earlier also catches entries cut from the end.
//!
//! The page also shows the instance's evidence-signing public key and its fingerprint
//! ([`vetted_app::evidence::key`]): what an auditor compares an evidence pack's signer with
//! (`vetted evidence-pack verify PACK --public-key KEY`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vetted_core::audit::{ChainHead, Verification};

use crate::AppState;
use crate::api::audit::{VerificationView, parse_head, verify_trail};
use crate::error::ApiError;
use crate::ui::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, Session, render};

/// The audit routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin/audit", ADMIN, show)
        .get("/admin/audit/verify", ADMIN, verify)
}

/// `templates/admin/audit.html`.
#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    chrome: Chrome,
    /// The number of entries (the last `seq`; there are no gaps in an intact trail).
    entries: u64,
    /// The last entry's MAC, hex.
    mac: Option<String>,
    /// `SEQ:MAC`.
    head: Option<String>,
    /// The head typed into the form, kept.
    expected_head: String,
    /// What is wrong with it.
    head_error: Option<String>,
    /// The outcome of a verification just run.
    result: Option<VerificationView>,
    /// Why verification cannot run (no audit key).
    unavailable: Option<String>,
    /// The evidence-signing public key (`ed25519:…`).
    evidence_key: String,
    /// Its fingerprint.
    evidence_fingerprint: String,
}

async fn audit_page(state: &AppState, session: Session) -> Result<AuditPage, PageError> {
    let head = state.store.audit_head().await?;
    let evidence_key = vetted_app::evidence::instance_key(state.store.as_ref())
        .await?
        .public_key();
    Ok(AuditPage {
        chrome: Chrome::new(session, Nav::Admin),
        entries: head.map_or(0, |h| h.seq),
        mac: head.map(|h| h.mac.to_string()),
        head: head.map(|h| format!("{}:{}", h.seq, h.mac)),
        expected_head: String::new(),
        head_error: None,
        result: None,
        unavailable: None,
        evidence_key: evidence_key.to_string(),
        evidence_fingerprint: evidence_key.fingerprint(),
    })
}

async fn show(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &audit_page(&state, session).await?))
}

/// `?head=` of the verification.
#[derive(Deserialize, Debug, Default)]
pub struct VerifyForm {
    #[serde(default)]
    head: String,
}

async fn verify(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    Query(q): Query<VerifyForm>,
) -> Result<Response, PageError> {
    let mut page = audit_page(&state, session).await?;
    page.expected_head = q.head.trim().to_string();
    let expected: Option<ChainHead> = if page.expected_head.is_empty() {
        None
    } else {
        match parse_head(&page.expected_head) {
            Ok(head) => Some(head),
            Err(message) => {
                page.head_error = Some(super::sentence(&message));
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        }
    };
    match verify_trail(&state, expected).await {
        Ok(outcome) => {
            if let Verification::Broken { at_seq, .. } = &outcome {
                tracing::warn!(audit.at_seq = at_seq, "the audit trail failed verification");
            }
            page.result = Some(outcome.into());
            Ok(render(StatusCode::OK, &page))
        }
        Err(ApiError::Unavailable(_)) => {
            page.unavailable = Some(
                "This server was started without the audit key, so it cannot verify the trail. \
                 Run `vetted audit verify` where the key is."
                    .to_string(),
            );
            Ok(render(StatusCode::SERVICE_UNAVAILABLE, &page))
        }
        Err(e) => Err(e.into()),
    }
}
