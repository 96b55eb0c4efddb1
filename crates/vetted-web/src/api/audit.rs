//! The audit trail over HTTP, for the auditor's role (every signed-in user may read it):
//! `GET /api/v1/audit` (entries, paged and filtered by subject), `…/audit/head` (the chain head
//! an auditor keeps), `…/audit/verify` (intact, or the first broken entry and why),
//! `…/audit/export` (JSON lines), `GET /api/v1/suppliers/{id}/history`, and
//! `GET /api/v1/evidence/public-key` (the key evidence packs are signed with).
//!
//! Entries name people by id only (a user id, or a token id with its user id), as the store
//! keeps them. Verification needs the audit key the server was started with
//! ([`AppState::audit_key`]).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_core::audit::{Actor, AuditEntry, ChainHead, Verification};
use vetted_core::model::SupplierId;
use vetted_store::AuditQuery;

use super::params::NoQuery;
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, FromQuery, QueryParams};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entries))
        .routes(routes!(head))
        .routes(routes!(verify))
        .routes(routes!(export_trail))
        .routes(routes!(history))
        .routes(routes!(evidence_public_key))
}

/// The largest page of entries.
pub const MAX_LIMIT: u32 = 1000;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;

/// Who made a change, by id only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActorView {
    /// A signed-in user (a browser session).
    User {
        /// The user's id.
        id: String,
    },
    /// An API token, acting for its user.
    Token {
        /// The token's id (never the token).
        id: String,
        /// Its user's id.
        user_id: String,
    },
    /// Vetted itself (the demo seed, a command-line import).
    System,
}

impl From<Actor> for ActorView {
    fn from(a: Actor) -> ActorView {
        match a {
            Actor::User { id } => ActorView::User { id },
            Actor::Token { id, user_id } => ActorView::Token { id, user_id },
            Actor::System => ActorView::System,
        }
    }
}

/// One sealed entry of the audit trail.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the trail: 1, 2, 3 …
    pub seq: u64,
    /// When, in UTC (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// Who.
    pub actor: ActorView,
    /// What: `supplier.create`, `supplier.update`, `supplier.archive`, `supplier.restore` ….
    pub action: String,
    /// What it was done to (a supplier id).
    pub subject: Option<String>,
    /// The whole record before (absent for a creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The whole record after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The previous entry's MAC (64 hex digits; zeros for entry 1).
    pub prev: String,
    /// This entry's HMAC-SHA-256 under the instance's audit key (64 hex digits).
    pub mac: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> AuditEntryView {
        AuditEntryView {
            seq: e.seq,
            at: e
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            actor: e.actor.into(),
            action: e.action,
            subject: e.subject,
            before: e.before,
            after: e.after,
            prev: e.prev.to_string(),
            mac: e.mac.to_string(),
        }
    }
}

/// A page of entries, oldest first.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `after_seq` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after_seq: Option<u64>,
}

/// `?after_seq=&limit=` of the entry lists.
#[derive(Clone, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only entries after this `seq` (the `next_after_seq` of the previous page).
    pub after_seq: Option<u64>,
    /// Entries per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

fn page_params(q: &mut QueryParams) -> Result<PageQuery, ApiError> {
    let after_seq = q.parsed("after_seq", |s| {
        s.parse::<u64>()
            .map_err(|_| format!("`{s}` is not a sequence number: expected 0 or more"))
    })?;
    let limit = q.parsed("limit", |s| match s.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a page size: expected 1 to {MAX_LIMIT}"
        )),
    })?;
    Ok(PageQuery { after_seq, limit })
}

impl FromQuery for PageQuery {
    const PARAMS: &'static [&'static str] = &["after_seq", "limit"];

    fn from_query(q: &mut QueryParams) -> Result<PageQuery, ApiError> {
        page_params(q)
    }
}

/// `?subject=&after_seq=&limit=` of `GET /api/v1/audit`.
#[derive(Clone, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// Only entries about this subject (a supplier id).
    pub subject: Option<String>,
    /// Only entries after this `seq` (the `next_after_seq` of the previous page).
    pub after_seq: Option<u64>,
    /// Entries per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl FromQuery for EntriesQuery {
    const PARAMS: &'static [&'static str] = &["subject", "after_seq", "limit"];

    fn from_query(q: &mut QueryParams) -> Result<EntriesQuery, ApiError> {
        let subject = q.one("subject")?;
        let PageQuery { after_seq, limit } = page_params(q)?;
        Ok(EntriesQuery {
            subject,
            after_seq,
            limit,
        })
    }
}

async fn page(
    state: &AppState,
    subject: Option<String>,
    after_seq: Option<u64>,
    limit: Option<u32>,
) -> Result<AuditPage, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    // One more than asked tells whether another page follows.
    let mut entries = state
        .store
        .audit_entries(&AuditQuery {
            subject,
            after_seq,
            limit: Some(limit + 1),
        })
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_after_seq = more.then(|| entries.last().map(|e| e.seq)).flatten();
    Ok(AuditPage {
        entries: entries.into_iter().map(AuditEntryView::from).collect(),
        next_after_seq,
    })
}

/// The audit trail's entries, oldest first, paged.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(EntriesQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "A malformed, repeated or unknown query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_entries(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(page(&state, q.subject, q.after_seq, q.limit).await?))
}

/// A supplier's history: the entries about it, oldest first, paged.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}/history",
    tag = "audit",
    params(("id" = SupplierId, Path, description = "The supplier's id."), PageQuery),
    responses(
        (status = 200, description = "A page of the supplier's entries", body = AuditPage),
        (status = 400, description = "A malformed id or query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn history(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    // Archived suppliers are found too: their history stays readable.
    let stored = super::suppliers::load(&state, &id).await?;
    Ok(Json(
        page(
            &state,
            Some(stored.supplier.id.to_string()),
            q.after_seq,
            q.limit,
        )
        .await?,
    ))
}

/// The head of the trail: the last entry's `seq` and MAC.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HeadView {
    /// The last entry's seq; absent while the trail is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The last entry's MAC (64 hex digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `SEQ:MAC`, as `GET /api/v1/audit/verify?head=` and `vetted audit verify --head` take it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

/// The chain head: keep it, and a later `verify?head=` detects entries cut from the end.
#[utoipa::path(
    get,
    path = "/api/v1/audit/head",
    tag = "audit",
    responses(
        (status = 200, description = "The head (empty object while the trail is empty)", body = HeadView),
        (status = 400, description = "A query parameter was given", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn head(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Json<HeadView>, ApiError> {
    let head = state.store.audit_head().await?;
    Ok(Json(HeadView {
        seq: head.map(|h| h.seq),
        mac: head.map(|h| h.mac.to_string()),
        head: head.map(|h| format!("{}:{}", h.seq, h.mac)),
    }))
}

/// The instance's evidence-signing key.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvidenceKeyView {
    /// `ed25519:` and the base64 of the key's 32 bytes, as `vetted evidence-pack verify
    /// --public-key` takes it.
    pub public_key: String,
    /// The first 8 bytes of the key's SHA-256 in four hex groups, to compare by eye.
    pub fingerprint: String,
}

/// The public key evidence packs (`vetted evidence-pack`) are signed with: what an auditor
/// checks a pack's signer against.
#[utoipa::path(
    get,
    path = "/api/v1/evidence/public-key",
    tag = "audit",
    responses(
        (status = 200, description = "The evidence-signing public key", body = EvidenceKeyView),
        (status = 400, description = "A query parameter was given", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn evidence_public_key(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Json<EvidenceKeyView>, ApiError> {
    let key = vetted_app::evidence::instance_key(state.store.as_ref())
        .await?
        .public_key();
    Ok(Json(EvidenceKeyView {
        public_key: key.to_string(),
        fingerprint: key.fingerprint(),
    }))
}

/// Parses `SEQ:MAC` (what `GET /api/v1/audit/head` answers as `head`).
pub fn parse_head(s: &str) -> Result<ChainHead, String> {
    let (seq, mac) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` is not a head: expected SEQ:MAC"))?;
    Ok(ChainHead {
        seq: seq
            .parse()
            .map_err(|_| format!("`{seq}` is not a sequence number"))?,
        mac: mac
            .parse()
            .map_err(|_| format!("`{mac}` is not a MAC: expected 64 hexadecimal digits"))?,
    })
}

/// `?head=SEQ:MAC` of the verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// A head exported earlier, `SEQ:MAC`: the trail must still reach it unchanged.
    #[param(value_type = Option<String>, pattern = "^[0-9]+:[0-9a-fA-F]{64}$")]
    pub head: Option<ChainHead>,
}

impl FromQuery for VerifyQuery {
    const PARAMS: &'static [&'static str] = &["head"];

    fn from_query(q: &mut QueryParams) -> Result<VerifyQuery, ApiError> {
        Ok(VerifyQuery {
            head: q.parsed("head", parse_head)?,
        })
    }
}

/// The outcome of a verification.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VerificationView {
    /// `ok` or `broken`.
    pub status: &'static str,
    /// With `ok`: how many entries were checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<usize>,
    /// With `ok`: the last entry's head, `SEQ:MAC` (absent for an empty trail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// With `broken`: the seq of the first broken entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_seq: Option<u64>,
    /// With `broken`: `mac_mismatch`, `wrong_key`, `deleted`, `inserted`, `reordered`,
    /// `broken_link`, `truncated` or `head_mismatch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// With `broken`: what is wrong, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> VerificationView {
        match v {
            Verification::Ok { entries, head } => VerificationView {
                status: "ok",
                entries: Some(entries),
                head: head.map(|h| format!("{}:{}", h.seq, h.mac)),
                at_seq: None,
                reason: None,
                message: None,
            },
            Verification::Broken {
                at_seq,
                reason,
                message,
            } => VerificationView {
                status: "broken",
                entries: None,
                head: None,
                at_seq: Some(at_seq),
                reason: serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string)),
                message: Some(message),
            },
        }
    }
}

/// Verifies the whole trail under the server's audit key: intact, or the first broken entry
/// (edited, deleted, inserted, reordered; with `head`, a cut tail) and why. Both outcomes are
/// 200: the verification itself succeeded.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    params(VerifyQuery),
    responses(
        (status = 200, description = "The outcome", body = VerificationView),
        (status = 400, description = "A malformed `head`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 503, description = "The server was started without the audit key", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn verify(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<VerifyQuery>,
) -> Result<Json<VerificationView>, ApiError> {
    Ok(Json(verify_trail(&state, q.head).await?.into()))
}

/// Verifies the whole trail under the server's audit key, up to `head` if given (an auditor's
/// exported head, which also catches a cut tail): 503 ([`ApiError::Unavailable`]) when the
/// server has no key. `GET /api/v1/audit/verify` and the admin's audit page both call this.
pub async fn verify_trail(
    state: &AppState,
    head: Option<ChainHead>,
) -> Result<Verification, ApiError> {
    let key = state
        .audit_key
        .as_ref()
        .ok_or(ApiError::Unavailable("the audit key"))?;
    Ok(state.store.verify_audit(key, head).await?)
}

/// Entries read per query while exporting.
const EXPORT_BATCH: u32 = 1000;

/// The whole trail as JSON lines (one entry per line, oldest first), streamed in batches.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export",
    tag = "audit",
    responses(
        (status = 200, description = "One JSON entry (`AuditEntryView`) per line", content_type = "application/x-ndjson", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"audit.jsonl\"`"))),
        (status = 400, description = "A query parameter was given", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn export_trail(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Response, ApiError> {
    // The first batch is read before answering, so a store that fails at once is a 500.
    let first = batch(&state, None).await?;
    let stream = futures_util::stream::unfold((state, Some(first)), |(state, next)| async move {
        let (bytes, last) = next?;
        let following = match last {
            Some(seq) => match batch(&state, Some(seq)).await {
                Ok(b) => Some(b),
                // Headers are gone: end the body early, so the client sees a cut stream.
                Err(e) => {
                    return Some((Err(std::io::Error::other(e.to_string())), (state, None)));
                }
            },
            None => None,
        };
        Some((Ok::<_, std::io::Error>(bytes), (state, following)))
    });
    let mut res = Body::from_stream(stream).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit.jsonl\""),
    );
    Ok(res)
}

/// One batch of the export as JSON lines, and the seq to continue after (`None` when it was
/// the last batch).
async fn batch(
    state: &AppState,
    after_seq: Option<u64>,
) -> Result<(Vec<u8>, Option<u64>), ApiError> {
    let entries = state
        .store
        .audit_entries(&AuditQuery {
            subject: None,
            after_seq,
            limit: Some(EXPORT_BATCH),
        })
        .await?;
    let full = entries.len() == EXPORT_BATCH as usize;
    let last = entries.last().map(|e| e.seq);
    let mut out = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut out, &AuditEntryView::from(e))
            .map_err(|e| ApiError::internal("encoding an audit entry", &e))?;
        out.push(b'\n');
    }
    Ok((out, if full { last } else { None }))
}
