//! The public subprocessor list, for anyone without a login: `/subprocessors` (the page a
//! company links from its website), `.json`, `.csv`, `.md`, the Atom feed `.atom`, an
//! embeddable snippet, the version history, one version, a comparison of two; and the forms of
//! people without an account: subscribing (double opt-in, rate-limited, with a honeypot),
//! confirming, unsubscribing and objecting to a planned change through the signed link of a
//! notice. The pages and formats are `vetted_app::publication`'s, the same that
//! `vetted subprocessors export` writes.
//!
//! Links in mail and the feed start with the configured `public_url` (else the listening
//! address). The forms never act as a session (`SESSIONLESS_PATHS` in the auth middleware):
//! a signed-in user posts them like anyone else.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use vetted_app::publication::links::{Links, Signed};
use vetted_app::publication::pages::{
    Hrefs, Message, ObjectForm, ObjectionErrors, PostButton, SubscribeForm,
};
use vetted_app::publication::render::View;
use vetted_app::publication::{
    self as publication, Mailing, ObjectionError, ObjectionInput, SubscribeError, Subscribed,
};
use vetted_core::audit::Actor;
use vetted_core::publication::{ObjectionVia, Publication};
use vetted_store::Change;

use super::{Access, PageError, Pages, render};
use crate::AppState;
use crate::api::params::today;
use crate::error::ApiError;

/// The public routes.
pub fn pages() -> Pages {
    let public = Access::Public;
    Pages::new()
        .get("/subprocessors", public, page)
        .get("/subprocessors.json", public, json)
        .get("/subprocessors.csv", public, csv)
        .get("/subprocessors.md", public, markdown)
        .get("/subprocessors.atom", public, atom)
        .get("/subprocessors/snippet.html", public, snippet)
        .get("/subprocessors/versions", public, history)
        .get("/subprocessors/versions/compare", public, compare)
        .get("/subprocessors/versions/{number}", public, version)
        .post("/subprocessors/subscribe", public, subscribe)
        .get("/subprocessors/confirm", public, confirm_page)
        .post("/subprocessors/confirm", public, confirm)
        .get("/subprocessors/unsubscribe", public, unsubscribe_page)
        .post("/subprocessors/unsubscribe", public, unsubscribe)
        .get("/subprocessors/object", public, object_page)
        .post("/subprocessors/object", public, object)
}

/// The list's title, from the configured organisation.
pub fn title(state: &AppState) -> String {
    state.config.organization.as_deref().map_or_else(
        || "Subprocessors".to_string(),
        |o| format!("Subprocessors of {o}"),
    )
}

/// Where links in mail and the feed point: `public_url`, else the listening address.
pub fn base_url(state: &AppState) -> String {
    state.notifier.as_deref().map_or_else(
        || format!("http://{}", state.config.listen),
        |n| n.settings().base_url.trim_end_matches('/').to_string(),
    )
}

/// Whether subscriptions can work: e-mail is configured.
pub fn mail_enabled(state: &AppState) -> bool {
    state
        .notifier
        .as_deref()
        .is_some_and(|n| n.settings().smtp.is_some())
}

fn hrefs() -> Hrefs {
    Hrefs::server(&super::assets::url("public.css"))
}

/// The list as published now, from the public cache (read again only after a change).
async fn load(state: &AppState) -> Result<Arc<Cached>, PageError> {
    cached(state).await
}

/// An answer in a data format, readable from other sites' scripts.
fn data(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut r = (StatusCode::OK, body.into()).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn view<'a>(
    p: &'a Publication,
    base: &'a str,
    organization: Option<&'a str>,
    feed: &'a str,
) -> View<'a> {
    View {
        publication: p,
        organization,
        base: Some(base),
        feed_id: feed,
    }
}

/// Renders the list's page with `subscribe` (the form's state) and `notice`.
async fn page_with(
    state: &AppState,
    status: StatusCode,
    subscribe: Option<SubscribeForm>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let c = load(state).await?;
    let p = &c.publication;
    let base = base_url(state);
    let org = state.config.organization.clone();
    let v = view(p, &base, org.as_deref(), "");
    let subscribe = mail_enabled(state).then(|| {
        subscribe.unwrap_or(SubscribeForm {
            action: "/subprocessors/subscribe".into(),
            email: String::new(),
            error: None,
        })
    });
    Ok(render(status, &v.page(&hrefs(), subscribe, notice)))
}

async fn page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let notice = (q.as_deref() == Some("notice=check-inbox")).then(|| {
        "Thank you. If the address can receive notices, a message with a confirmation link is on its way: open it to start receiving change notices.".to_string()
    });
    if notice.is_some() {
        return page_with(&state, StatusCode::OK, None, notice).await;
    }
    let c = cached(&state).await?;
    let html = c.body("page", || {
        let base = base_url(&state);
        let v = view(
            &c.publication,
            &base,
            state.config.organization.as_deref(),
            "",
        );
        let subscribe = mail_enabled(&state).then(|| SubscribeForm {
            action: "/subprocessors/subscribe".into(),
            email: String::new(),
            error: None,
        });
        v.page(&hrefs(), subscribe, None)
            .render()
            .unwrap_or_default()
    });
    Ok(super::page::html_page(StatusCode::OK, html))
}

/// The public outputs, made once per change of the published list (every change to versions
/// and objections is audited, so the audit trail's head names the list's state) and per day,
/// then served from memory: the pages without a login must stay cheap for anyone to fetch.
#[derive(Default)]
pub struct PublicCache(std::sync::Mutex<Option<Arc<Cached>>>);

impl std::fmt::Debug for PublicCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicCache")
    }
}

/// The list evaluated under one key, and the outputs rendered from it so far.
pub struct Cached {
    key: (u64, time::Date),
    publication: Publication,
    feed_id: String,
    bodies: std::sync::Mutex<HashMap<&'static str, Bytes>>,
}

impl Cached {
    /// The output `name`, rendered by `make` the first time.
    fn body(&self, name: &'static str, make: impl FnOnce() -> String) -> Bytes {
        if let Some(b) = self
            .bodies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
        {
            return b.clone();
        }
        let b = Bytes::from(make());
        self.bodies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name, b.clone());
        b
    }
}

/// The list as published now: from memory when nothing was audited since and the day is the
/// same, else read again (the head is read first, so what is kept is never older than its key).
async fn cached(state: &AppState) -> Result<Arc<Cached>, PageError> {
    let head = state.store.audit_head().await?.map_or(0, |h| h.seq);
    let key = (head, today());
    if let Some(c) = state
        .public_cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .filter(|c| c.key == key)
    {
        return Ok(Arc::clone(c));
    }
    let publication = publication::publication(state.store.as_ref(), key.1).await?;
    let feed_id = publication::feed_id(state.store.as_ref()).await?;
    let c = Arc::new(Cached {
        key,
        publication,
        feed_id,
        bodies: std::sync::Mutex::default(),
    });
    *state
        .public_cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&c));
    Ok(c)
}

/// A data format from the cache.
async fn format(
    state: &AppState,
    name: &'static str,
    content_type: &'static str,
    make: impl FnOnce(&View<'_>) -> String,
) -> Result<Response, PageError> {
    let c = cached(state).await?;
    let base = base_url(state);
    let body = c.body(name, || {
        make(&view(
            &c.publication,
            &base,
            state.config.organization.as_deref(),
            &c.feed_id,
        ))
    });
    Ok(data(content_type, body))
}

// The closures below are not redundant: a method path does not satisfy `format`'s bound for
// every lifetime of the view.
#[allow(clippy::redundant_closure_for_method_calls)]
async fn json(State(state): State<AppState>) -> Result<Response, PageError> {
    format(&state, "json", "application/json", |v| v.json()).await
}

async fn csv(State(state): State<AppState>) -> Result<Response, PageError> {
    let mut r = format(&state, "csv", "text/csv; charset=utf-8", |v| {
        String::from_utf8(v.csv()).unwrap_or_default()
    })
    .await?;
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"subprocessors.csv\""),
    );
    Ok(r)
}

#[allow(clippy::redundant_closure_for_method_calls)]
async fn markdown(State(state): State<AppState>) -> Result<Response, PageError> {
    format(&state, "md", "text/markdown; charset=utf-8", |v| {
        v.markdown()
    })
    .await
}

async fn atom(State(state): State<AppState>) -> Result<Response, PageError> {
    format(&state, "atom", "application/atom+xml; charset=utf-8", |v| {
        v.atom(&hrefs())
    })
    .await
}

async fn snippet(State(state): State<AppState>) -> Result<Response, PageError> {
    format(&state, "snippet", "text/html; charset=utf-8", |v| {
        v.snippet().render().unwrap_or_default()
    })
    .await
}

async fn history(State(state): State<AppState>) -> Result<Response, PageError> {
    let c = load(&state).await?;
    let p = &c.publication;
    let base = base_url(&state);
    let org = state.config.organization.clone();
    Ok(render(
        StatusCode::OK,
        &view(p, &base, org.as_deref(), "").history(&hrefs()),
    ))
}

fn not_found(number: &dyn std::fmt::Display) -> PageError {
    PageError::Api(ApiError::NotFound {
        what: "version of the subprocessor list",
        id: number.to_string(),
    })
}

async fn version(
    State(state): State<AppState>,
    number: Result<Path<i64>, PathRejection>,
) -> Result<Response, PageError> {
    let number = super::admin::path(number)?;
    let c = load(&state).await?;
    let p = &c.publication;
    let base = base_url(&state);
    let org = state.config.organization.clone();
    let page = view(p, &base, org.as_deref(), "")
        .version_page(&hrefs(), number)
        .ok_or_else(|| not_found(&number))?;
    Ok(render(StatusCode::OK, &page))
}

/// Query parameters taken one by one; an unknown one is refused.
fn params(raw: Option<&str>, known: &[&str]) -> Result<Vec<(String, String)>, PageError> {
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !known.contains(&k.as_ref()) {
            return Err(PageError::Api(ApiError::bad_parameter(
                k.as_ref(),
                format!("unknown parameter; known: {}", known.join(", ")),
            )));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn number(params: &[(String, String)], name: &str) -> Result<i64, PageError> {
    get(params, name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| PageError::Api(ApiError::bad_parameter(name, "expected a version number")))
}

async fn compare(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let ps = params(q.as_deref(), &["from", "to"])?;
    let (from, to) = (number(&ps, "from")?, number(&ps, "to")?);
    let c = load(&state).await?;
    let p = &c.publication;
    let base = base_url(&state);
    let org = state.config.organization.clone();
    let page = view(p, &base, org.as_deref(), "")
        .compare(&hrefs(), from, to)
        .ok_or_else(|| not_found(&format!("{from} or {to}")))?;
    Ok(render(StatusCode::OK, &page))
}

/// A message page.
fn message(
    status: StatusCode,
    heading: &str,
    paragraphs: &[&str],
    form: Option<PostButton>,
) -> Response {
    render(
        status,
        &Message {
            stylesheet: hrefs().stylesheet,
            home: "/subprocessors".into(),
            heading: heading.to_string(),
            paragraphs: paragraphs.iter().map(|p| (*p).to_string()).collect(),
            form,
        },
    )
}

async fn links(state: &AppState) -> Result<Links, PageError> {
    Ok(publication::links(state.store.as_ref(), &base_url(state)).await?)
}

/// The subscription form.
#[derive(Deserialize, Debug)]
pub struct SubscribeFields {
    #[serde(default)]
    email: String,
    /// The honeypot: hidden from people, filled in by bots.
    #[serde(default)]
    website: String,
}

async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    f: Result<Form<SubscribeFields>, FormRejection>,
) -> Result<Response, PageError> {
    let f = super::admin::form(f)?;
    if !mail_enabled(&state) {
        // Not offered here (the page shows no form): a 404 rather than a 5xx, which would
        // signal a fault.
        return Ok(message(
            StatusCode::NOT_FOUND,
            "Subscriptions are not available",
            &["This server cannot send e-mail yet. Please try again later."],
            None,
        ));
    }
    let client =
        crate::auth::api::client_address(&state, &headers, peer.map(|Extension(ConnectInfo(a))| a));
    let links = links(&state).await?;
    let title = title(&state);
    let mailing = Mailing {
        links: &links,
        title: &title,
    };
    let now = OffsetDateTime::now_utc();
    match publication::request_subscription(
        state.store.as_ref(),
        &mailing,
        &f.email,
        &f.website,
        &client,
        now,
    )
    .await
    {
        Ok(outcome) => {
            if outcome == Subscribed::Queued {
                deliver_soon(&state, now);
            }
            Ok(Redirect::to("/subprocessors?notice=check-inbox").into_response())
        }
        Err(SubscribeError::Invalid) => {
            let form = SubscribeForm {
                action: "/subprocessors/subscribe".into(),
                email: f.email.clone(),
                error: Some("Enter a valid e-mail address.".into()),
            };
            page_with(&state, StatusCode::UNPROCESSABLE_ENTITY, Some(form), None).await
        }
        Err(SubscribeError::Limited) => {
            let mut r = message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                &[
                    "Too many subscription requests came from here or for this address. Please try again later.",
                ],
                None,
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            Ok(r)
        }
        Err(SubscribeError::Store(e)) => Err(e.into()),
        Err(e @ SubscribeError::Render(_)) => Err(PageError::Api(ApiError::internal(
            "rendering a confirmation request",
            &e,
        ))),
    }
}

/// Sends what was just queued in the background, so mail goes out now rather than at the
/// next scheduled pass (which sends it anyway if this fails).
pub fn deliver_soon(state: &AppState, now: OffsetDateTime) {
    if let Some(n) = state.notifier.clone() {
        tokio::spawn(async move {
            if let Err(e) = n.deliver(now).await {
                tracing::warn!(error = %e, "sending queued mail failed; the next pass retries");
            }
        });
    }
}

/// A signed link's fields from a query or a form.
fn signed_fields(fields: &[(String, String)], kind: &str) -> Option<(Signed, String)> {
    let s = get(fields, "s")?.to_string();
    let sig = get(fields, "sig")?.to_string();
    let signed = match kind {
        "confirm" => Signed::Confirm {
            subscriber: s,
            requested_us: get(fields, "r")?.parse().ok()?,
            expires: get(fields, "e")?.parse().ok()?,
        },
        "unsubscribe" => Signed::Unsubscribe { subscriber: s },
        _ => Signed::Object {
            subscriber: s,
            version: get(fields, "v")?.parse().ok()?,
        },
    };
    Some((signed, sig))
}

fn hidden(signed: &Signed, sig: &str) -> Vec<(String, String)> {
    let mut out = match signed {
        Signed::Confirm {
            subscriber,
            requested_us,
            expires,
        } => vec![
            ("s".to_string(), subscriber.clone()),
            ("r".to_string(), requested_us.to_string()),
            ("e".to_string(), expires.to_string()),
        ],
        Signed::Unsubscribe { subscriber } => vec![("s".to_string(), subscriber.clone())],
        Signed::Object {
            subscriber,
            version,
        } => vec![
            ("s".to_string(), subscriber.clone()),
            ("v".to_string(), version.to_string()),
        ],
    };
    out.push(("sig".to_string(), sig.to_string()));
    out
}

fn bad_link() -> Response {
    message(
        StatusCode::BAD_REQUEST,
        "This link does not work",
        &[
            "The link is incomplete or was changed. Open it from the e-mail again, or subscribe anew on the list's page.",
        ],
        None,
    )
}

/// Verifies a signed link of `kind` from `fields`.
async fn verified(
    state: &AppState,
    fields: &[(String, String)],
    kind: &str,
) -> Result<Option<Signed>, PageError> {
    let Some((signed, sig)) = signed_fields(fields, kind) else {
        return Ok(None);
    };
    Ok(links(state).await?.verify(&signed, &sig).then_some(signed))
}

fn query_fields(q: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn confirm_page(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let fields = query_fields(q.as_deref());
    let Some(signed) = verified(&state, &fields, "confirm").await? else {
        return Ok(bad_link());
    };
    if let Signed::Confirm { expires, .. } = &signed
        && *expires < OffsetDateTime::now_utc().unix_timestamp()
    {
        return Ok(expired());
    }
    let sig = get(&fields, "sig").unwrap_or_default();
    Ok(message(
        StatusCode::OK,
        "Confirm your subscription",
        &["Press the button to receive an e-mail whenever a change to the list is planned."],
        Some(PostButton {
            action: "/subprocessors/confirm".into(),
            hidden: hidden(&signed, sig),
            button: "Confirm subscription".into(),
        }),
    ))
}

fn expired() -> Response {
    message(
        StatusCode::GONE,
        "This link has expired",
        &[
            "Confirmation links work for 7 days. Subscribe again on the list's page to get a new one.",
        ],
        None,
    )
}

async fn confirm(
    State(state): State<AppState>,
    f: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = super::admin::form(f)?;
    let Some(Signed::Confirm {
        subscriber,
        requested_us,
        expires,
    }) = verified(&state, &fields, "confirm").await?
    else {
        return Ok(bad_link());
    };
    let now = OffsetDateTime::now_utc();
    if expires < now.unix_timestamp() {
        return Ok(expired());
    }
    let requested = OffsetDateTime::from_unix_timestamp_nanos(i128::from(requested_us) * 1_000)
        .map_err(|_| PageError::Api(ApiError::bad_parameter("r", "not a time")))?;
    match state
        .store
        .confirm_subscriber(&subscriber, requested, now)
        .await?
    {
        Some(s) if s.status == vetted_store::subprocessors::SubscriberStatus::Confirmed => {
            let links = links(&state).await?;
            let title = title(&state);
            let mailing = Mailing {
                links: &links,
                title: &title,
            };
            match publication::queue_pending_notice(state.store.as_ref(), &mailing, &s.id, now)
                .await
            {
                Ok(n) if n > 0 => deliver_soon(&state, now),
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "the pending change's notice could not be queued");
                }
            }
            Ok(message(
                StatusCode::OK,
                "You are subscribed",
                &[
                    "You will receive an e-mail whenever a change to the list is planned, before it takes effect. Every message has an unsubscribe link.",
                ],
                None,
            ))
        }
        _ => Ok(message(
            StatusCode::GONE,
            "This link is no longer valid",
            &[
                "A newer confirmation link was sent, or the address was unsubscribed. Subscribe again on the list's page.",
            ],
            None,
        )),
    }
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let fields = query_fields(q.as_deref());
    let Some(signed) = verified(&state, &fields, "unsubscribe").await? else {
        return Ok(bad_link());
    };
    let sig = get(&fields, "sig").unwrap_or_default();
    Ok(message(
        StatusCode::OK,
        "Unsubscribe",
        &["Press the button to stop receiving change notices of the list."],
        Some(PostButton {
            action: "/subprocessors/unsubscribe".into(),
            hidden: hidden(&signed, sig),
            button: "Unsubscribe".into(),
        }),
    ))
}

async fn unsubscribe(
    State(state): State<AppState>,
    f: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = super::admin::form(f)?;
    let Some(Signed::Unsubscribe { subscriber }) = verified(&state, &fields, "unsubscribe").await?
    else {
        return Ok(bad_link());
    };
    state
        .store
        .unsubscribe(&subscriber, OffsetDateTime::now_utc())
        .await?;
    Ok(message(
        StatusCode::OK,
        "You are unsubscribed",
        &[
            "You will receive no more change notices. You can subscribe again on the list's page at any time.",
        ],
        None,
    ))
}

/// The objection form for version `number` of `signed`, with what was typed.
#[allow(clippy::too_many_arguments)]
fn objection_form(
    p: &Publication,
    state: &AppState,
    signed: &Signed,
    sig: &str,
    number: i64,
    input: &ObjectionInput,
    errors: ObjectionErrors,
) -> Option<ObjectForm> {
    let (v, s) = p.version(number)?;
    let base = base_url(state);
    let org = state.config.organization.clone();
    let line = view(p, &base, org.as_deref(), "").version_line(v, s);
    Some(ObjectForm {
        stylesheet: hrefs().stylesheet,
        v: line,
        action: "/subprocessors/object".into(),
        hidden: hidden(signed, sig),
        customer: input.customer.clone(),
        contact: input.contact.clone(),
        grounds: input.grounds.clone(),
        errors,
    })
}

fn closed(e: &vetted_core::publication::ChangeClosed) -> Response {
    message(
        StatusCode::CONFLICT,
        "This change can no longer be objected to",
        &[
            &super::admin::sentence(&e.to_string()),
            "If you still have concerns, contact us directly.",
        ],
        None,
    )
}

async fn object_page(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let fields = query_fields(q.as_deref());
    let Some(signed) = verified(&state, &fields, "object").await? else {
        return Ok(bad_link());
    };
    let Signed::Object { version, .. } = &signed else {
        return Ok(bad_link());
    };
    let c = load(&state).await?;
    let p = &c.publication;
    if let Err(e) = p.may_object(*version) {
        return Ok(closed(&e));
    }
    let sig = get(&fields, "sig").unwrap_or_default();
    let form = objection_form(
        p,
        &state,
        &signed,
        sig,
        *version,
        &ObjectionInput::default(),
        ObjectionErrors::default(),
    )
    .ok_or_else(|| not_found(version))?;
    Ok(render(StatusCode::OK, &form))
}

async fn object(
    State(state): State<AppState>,
    f: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = super::admin::form(f)?;
    let Some(signed) = verified(&state, &fields, "object").await? else {
        return Ok(bad_link());
    };
    let Signed::Object {
        subscriber,
        version,
    } = &signed
    else {
        return Ok(bad_link());
    };
    let Some(sub) = state.store.find_subscriber(subscriber).await? else {
        return Ok(bad_link());
    };
    let input = ObjectionInput {
        customer: get(&fields, "customer").unwrap_or_default().to_string(),
        contact: get(&fields, "contact").unwrap_or_default().to_string(),
        email: Some(sub.email.clone()),
        grounds: get(&fields, "grounds").unwrap_or_default().to_string(),
    };
    let now = OffsetDateTime::now_utc();
    if !state
        .store
        .take_rate_slot(
            &format!("object:{subscriber}"),
            20,
            time::Duration::DAY,
            now,
        )
        .await?
    {
        return Ok(message(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            &["Too many objections came from this link today. Please contact us directly."],
            None,
        ));
    }
    let change = Change {
        actor: Actor::System,
        at: now,
    };
    match publication::object(
        state.store.as_ref(),
        *version,
        &input,
        now.date(),
        ObjectionVia::Link {
            subscriber: subscriber.clone(),
        },
        &change,
    )
    .await
    {
        Ok(o) => {
            tracing::info!(
                objection = o.id,
                version = o.version,
                "objection received through a notice link"
            );
            Ok(message(
                StatusCode::OK,
                "Your objection is recorded",
                &[
                    "Thank you. The change will not take effect before we have considered your objection; we will contact you about the outcome.",
                ],
                None,
            ))
        }
        Err(ObjectionError::Field { field, message: m }) => {
            let c = load(&state).await?;
            let p = &c.publication;
            let mut errors = ObjectionErrors::default();
            let text = Some(super::admin::sentence(m));
            match field {
                "customer" => errors.customer = text,
                "contact" => errors.contact = text,
                _ => errors.grounds = text,
            }
            let sig = get(&fields, "sig").unwrap_or_default();
            let form = objection_form(p, &state, &signed, sig, *version, &input, errors)
                .ok_or_else(|| not_found(version))?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &form))
        }
        Err(ObjectionError::Closed(e)) => Ok(closed(&e)),
        Err(ObjectionError::Store(e)) => Err(e.into()),
    }
}
