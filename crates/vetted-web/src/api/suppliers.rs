//! `/api/v1/suppliers…`: the supplier list (filtered, searched, sorted and paged on the stored
//! evaluations), one supplier with its version (and optionally its evaluation), its findings,
//! each nested record of the register format, and the writes: create, replace, archive,
//! restore, and add/replace/delete a nested record.
//!
//! **The version rule.** Every write of an existing supplier must send the version it read as
//! `If-Match: "<version>"` (the `ETag` of the read; the supplier's `version` field is the same
//! number). Without it the write is refused with 428 `precondition_required`; with a version
//! that is no longer the stored one, 409 `conflict` whose `current` is the supplier as stored
//! now. Every write answers with the new `ETag`. Creating a supplier needs no version. A nested
//! record write is a whole-supplier update under that version: the index a client names is
//! the index in the version it read.

use std::borrow::Cow;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::Date;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_core::country::Country;
use vetted_core::engine::evaluate;
use vetted_core::model::{Category, Status, Supplier, SupplierId, Tier, Verdict};
use vetted_core::policy::Policy;
use vetted_core::report::Finding;
use vetted_core::section::{Record, RecordAt, Section, put_record};
use vetted_store::{Change, StoredSupplier, SupplierQuery};

use super::params::{NoQuery, parse_as_of, today};
use crate::AppState;
use crate::auth::{Editor, Principal, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{
    ApiPath, ApiQuery, FromQuery, IfMatch, JsonText, QueryParams, SupplierJson, decode_record,
    decode_supplier, etag,
};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppliers, create_supplier))
        .routes(routes!(get_supplier, replace_supplier))
        .routes(routes!(archive_supplier))
        .routes(routes!(restore_supplier))
        .routes(routes!(get_findings))
        .routes(routes!(get_section, put_section, append_record))
        .routes(routes!(get_section_item, replace_record, delete_record))
}

/// A supplier as stored, with the version a write must carry (also sent as `ETag`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplierView {
    /// The supplier, in the register format.
    pub supplier: Supplier,
    /// 1 when created, one more on every change (with `at`, the version it had then).
    pub version: i64,
    /// Archived: kept with its history, left out of the list, the export and the checks.
    pub archived: bool,
    /// Its evaluation, with `?include=findings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationView>,
}

/// A supplier's evaluation against the active policy on a day.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    /// The day evaluated on.
    #[serde(with = "vetted_core::date::serde_date")]
    pub as_of: Date,
    /// The supplier evaluated.
    pub supplier: SupplierId,
    /// Its risk tier; absent when a risk input is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The one verdict.
    pub verdict: Verdict,
    /// Every rule that does not hold (and `info` facts), in the policy's order: rule id,
    /// severity, a message naming the values and what to do, and the ISO/IEC 27001:2022
    /// Annex A controls the rule serves.
    pub findings: Vec<Finding>,
}

impl EvaluationView {
    /// Evaluates `supplier` against the active policy on `as_of`.
    pub fn of(supplier: &Supplier, state: &AppState, as_of: Date) -> EvaluationView {
        EvaluationView::under(supplier, &state.policy().policy, as_of)
    }

    /// Evaluates `supplier` against `policy` (the policy in force at a past moment) on `as_of`.
    pub fn under(supplier: &Supplier, policy: &Policy, as_of: Date) -> EvaluationView {
        let e = evaluate(supplier, policy, as_of);
        EvaluationView {
            as_of,
            supplier: supplier.id.clone(),
            tier: e.tier,
            verdict: e.verdict,
            findings: e.findings,
        }
    }
}

/// The stored supplier named by the path's `id`: 400 for an id that cannot exist, 404 for one
/// that does not.
pub async fn load(state: &AppState, id: &str) -> Result<StoredSupplier, ApiError> {
    let id = SupplierId::parse(id)
        .map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")))?;
    Ok(state.store.get_supplier(&id).await?)
}

/// `ETag: "<version>"`.
fn with_etag(version: i64, body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::ETAG, etag(version));
    res
}

/// `?include=findings&as_of=…&at=…` of `GET /suppliers/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetSupplierQuery {
    /// `findings` adds the supplier's evaluation.
    #[param(inline, value_type = Option<String>, pattern = "^findings$")]
    pub include: Option<Include>,
    /// The day to evaluate on with `include=findings`, `YYYY-MM-DD` (default: the date of
    /// `at`, else today, UTC).
    pub as_of: Option<Date>,
    /// The supplier as recorded at this moment, rebuilt from the audit trail (and evaluated
    /// under the policy version in force then): RFC 3339 (`2026-03-01T12:00:00Z`) or a date
    /// (the end of that day, UTC). 404 when the register did not hold it then (not created
    /// yet, or archived). Such a read answers no `ETag`: it is no version to write against.
    #[param(value_type = Option<String>)]
    pub at: Option<time::OffsetDateTime>,
}

impl GetSupplierQuery {
    /// The day to evaluate on.
    fn date(self) -> Date {
        super::params::AtQuery {
            as_of: self.as_of,
            at: self.at,
        }
        .date()
    }
}

/// What `?include=` adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Include {
    /// The evaluation.
    Findings,
}

impl FromQuery for GetSupplierQuery {
    const PARAMS: &'static [&'static str] = &["include", "as_of", "at"];

    fn from_query(q: &mut QueryParams) -> Result<GetSupplierQuery, ApiError> {
        let include = q.parsed("include", |s| match s {
            "findings" => Ok(Include::Findings),
            _ => Err(format!("unknown value `{s}`: expected findings")),
        })?;
        let as_of = q.parsed("as_of", parse_as_of)?;
        if as_of.is_some() && include.is_none() {
            return Err(ApiError::bad_parameter(
                "as_of",
                "only meaningful with include=findings",
            ));
        }
        let at = q.parsed("at", super::params::parse_at)?;
        Ok(GetSupplierQuery { include, as_of, at })
    }
}

/// One supplier with its version; with `at`, as recorded at that moment.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}",
    tag = "suppliers",
    params(("id" = SupplierId, Path, description = "The supplier's id."), GetSupplierQuery),
    responses(
        (status = 200, description = "The supplier", body = SupplierView,
            headers(("ETag" = String, description = "The version, quoted: `\"3\"` (not sent with `at`)."))),
        (status = 400, description = "A malformed id or query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier (with `at`: not created by then, or archived then; the message says which)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_supplier(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GetSupplierQuery>,
) -> Result<Response, ApiError> {
    if let Some(at) = q.at {
        let id = parse_id(&id)?;
        let (supplier, version) = match super::params::supplier_then(&state, &id, at).await? {
            super::params::SupplierThen::Held(s, v) => (*s, v),
            other => return Ok(super::params::not_held_then(&id, at, &other)),
        };
        let evaluation = match q.include {
            Some(Include::Findings) => {
                let (_, policy) = super::params::past(&state, at).await?;
                Some(EvaluationView::under(&supplier, &policy, q.date()))
            }
            None => None,
        };
        // No ETag: a past record is not a version a write can be based on.
        return Ok(Json(SupplierView {
            supplier,
            version,
            archived: false,
            evaluation,
        })
        .into_response());
    }
    let stored = load(&state, &id).await?;
    let evaluation = q.include.map(|Include::Findings| {
        EvaluationView::of(&stored.supplier, &state, q.as_of.unwrap_or_else(today))
    });
    Ok(with_etag(
        stored.version,
        Json(SupplierView {
            supplier: stored.supplier,
            version: stored.version,
            archived: stored.archived,
            evaluation,
        }),
    ))
}

/// A supplier's evaluation: verdict, tier and findings on a day; with `at`, of the supplier as
/// recorded then, under the policy version in force then.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}/findings",
    tag = "suppliers",
    params(("id" = SupplierId, Path, description = "The supplier's id."), super::params::AtQuery),
    responses(
        (status = 200, description = "The evaluation", body = EvaluationView),
        (status = 400, description = "A malformed id or query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier (with `at`: not created by then, or archived then; the message says which)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_findings(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<super::params::AtQuery>,
) -> Result<Response, ApiError> {
    if let Some(at) = q.at {
        let id = parse_id(&id)?;
        let supplier = match super::params::supplier_then(&state, &id, at).await? {
            super::params::SupplierThen::Held(s, _) => s,
            other => return Ok(super::params::not_held_then(&id, at, &other)),
        };
        let (_, policy) = super::params::past(&state, at).await?;
        return Ok(Json(EvaluationView::under(&supplier, &policy, q.date())).into_response());
    }
    let stored = load(&state, &id).await?;
    Ok(Json(EvaluationView::of(&stored.supplier, &state, q.date())).into_response())
}

/// The name of a nested section in a path: `locations`, `data` ….
#[derive(Clone, Copy, Debug)]
pub struct SectionName;

impl PartialSchema for SectionName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A nested list or record of a supplier, named as in the register format. The lists (locations, assurance, agreements, assessments, reviews, events, risks, and the `list` of subprocessors) have items by index.",
            ))
            .enum_values(Some(Section::ALL.iter().map(|s| s.as_str())))
            .into()
    }
}

impl ToSchema for SectionName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Section")
    }
}

fn section(name: &str) -> Result<Section, ApiError> {
    Section::parse(name).ok_or_else(|| ApiError::NotFound {
        what: "section",
        id: name.to_string(),
    })
}

/// One nested section of a supplier: a list, or an object for `data`, `inference`, `risk`,
/// `subprocessors` and `public_listing`; empty (`[]`, or the object's defaults) when absent.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}/{section}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "The section."),
    ),
    responses(
        (status = 200, description = "The section, as in the register format", body = Object,
            headers(("ETag" = String, description = "The supplier's version, quoted."))),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier or section", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_section(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath((id, name)): ApiPath<(String, String)>,
    ApiQuery(_): ApiQuery<super::params::NoQuery>,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    let stored = load(&state, &id).await?;
    Ok(with_etag(
        stored.version,
        Json(section.view(&stored.supplier)),
    ))
}

/// One item of a nested list: `locations/0`; for `subprocessors`, an item of its `list`.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}/{section}/{index}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "A section that holds a list."),
        ("index" = usize, Path, description = "The item's position, from 0."),
    ),
    responses(
        (status = 200, description = "The item, as in the register format", body = Object,
            headers(("ETag" = String, description = "The supplier's version, quoted."))),
        (status = 400, description = "A malformed id or index", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier, section or item", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_section_item(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath((id, name, index)): ApiPath<(String, String, String)>,
    ApiQuery(_): ApiQuery<super::params::NoQuery>,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    let index = parse_index(&index)?;
    let Some(at) = section.item(index) else {
        return Err(ApiError::NotFound {
            // `data`, `risk` … are one object each: they have no items.
            what: "record",
            id: format!("{section}[{index}]"),
        });
    };
    let stored = load(&state, &id).await?;
    let item = section
        .item_view(&stored.supplier, index)
        .ok_or_else(|| ApiError::NotFound {
            what: "record",
            id: format!("{}.{at}", stored.supplier.id),
        })?;
    Ok(with_etag(stored.version, Json(item)))
}

/// How the supplier list is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SortKey {
    /// Register order (the order suppliers were created).
    #[default]
    Position,
    /// By id.
    Id,
    /// By name (suppliers without one last).
    Name,
    /// Worst verdict first (ineligible, non-compliant, attention, compliant, out of scope,
    /// inactive).
    Verdict,
    /// Highest tier first.
    Tier,
    /// Earliest next due date first (suppliers with nothing due last).
    NextDue,
    /// Least recently changed first.
    Updated,
}

impl SortKey {
    const ALL: [(SortKey, &'static str); 7] = [
        (SortKey::Position, "position"),
        (SortKey::Id, "id"),
        (SortKey::Name, "name"),
        (SortKey::Verdict, "verdict"),
        (SortKey::Tier, "tier"),
        (SortKey::NextDue, "next_due"),
        (SortKey::Updated, "updated"),
    ];

    /// The wire value, as `sort=` takes it.
    pub fn as_str(self) -> &'static str {
        SortKey::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("position", |(_, name)| name)
    }

    fn parse(s: &str) -> Result<SortKey, String> {
        SortKey::ALL
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                format!(
                    "unknown value `{s}`: expected {}",
                    vetted_core::model::one_of(SortKey::ALL.iter().map(|(_, n)| *n))
                )
            })
    }
}

/// The direction of the sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Order {
    /// Ascending (in the sort key's own sense: worst verdict first, highest tier first).
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// The largest page of the supplier list.
pub const MAX_LIMIT: u32 = 1000;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;
/// The longest search text accepted.
pub const MAX_Q_CHARS: usize = 200;
/// The longest rule id accepted (`agreement.clause.` and a clause key of the policy).
pub const MAX_RULE_CHARS: usize = 100;

/// The query of `GET /api/v1/suppliers`: filters (all must hold; a repeated `verdict` matches
/// any of its values), search, sort and page. Validated here; the store's list query applies it.
#[derive(Clone, Debug, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierListQuery {
    /// Only suppliers with one of these verdicts (repeatable: `verdict=attention&verdict=non_compliant`).
    #[param(explode = true, style = Form)]
    pub verdict: Vec<Verdict>,
    /// Only suppliers of this tier; `none`: only those without one (a risk input is missing).
    #[param(inline)]
    pub tier: Option<TierFilter>,
    /// Only suppliers of this category.
    pub category: Option<Category>,
    /// Only suppliers with this status.
    pub status: Option<Status>,
    /// Only suppliers with a location in this country (ISO 3166-1 alpha-2).
    pub country: Option<Country>,
    /// Search: suppliers whose id, name, owner or services contain this text (case-insensitive;
    /// at most 200 characters).
    pub q: Option<String>,
    /// Only suppliers with a `fail` or `warn` finding of this rule, by its id (such as
    /// `review.overdue` or `agreement.clause.exit`; see the policy's rule table).
    #[param(pattern = "^[A-Za-z0-9._-]{1,100}$", example = "review.overdue")]
    pub rule: Option<String>,
    /// The sort key (default `position`, register order).
    #[param(inline)]
    pub sort: Option<SortKey>,
    /// The direction (default `asc`).
    #[param(inline)]
    pub order: Option<Order>,
    /// Suppliers per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Suppliers to skip (default 0).
    pub offset: Option<u64>,
    /// `true` lists the archived suppliers instead of the others, `all` lists both (default
    /// `false`: the suppliers not archived).
    #[param(inline)]
    pub archived: Option<Archived>,
    /// The register as recorded at this moment, rebuilt from the audit trail, and evaluated
    /// under the policy version in force then (the filters, sort and page apply to it; each
    /// item's `version` is the one it had then, `archived` whether it was archived then):
    /// RFC 3339 (`2026-03-01T12:00:00Z`) or a date (the end of that day, UTC). Default: now.
    #[param(value_type = Option<String>)]
    pub at: Option<time::OffsetDateTime>,
    /// With `at`: the day to evaluate on, `YYYY-MM-DD` (default: the date of `at`). Without
    /// `at` the list is evaluated today.
    pub as_of: Option<Date>,
}

/// The `tier` filter of the supplier list: one tier, or no tier at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierFilter {
    /// Suppliers of this tier.
    Is(Tier),
    /// Suppliers without a tier (`none`): a risk input is missing.
    Untiered,
}

impl TierFilter {
    /// The wire value: a tier's name, or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            TierFilter::Is(tier) => tier.as_str(),
            TierFilter::Untiered => "none",
        }
    }

    fn parse(s: &str) -> Result<TierFilter, String> {
        match s {
            "none" => Ok(TierFilter::Untiered),
            _ => Tier::parse(s).map(TierFilter::Is).ok_or_else(|| {
                format!(
                    "unknown value `{s}`: expected {}",
                    vetted_core::model::one_of(
                        Tier::ALL.iter().map(|t| t.as_str()).chain(["none"])
                    )
                )
            }),
        }
    }
}

impl PartialSchema for TierFilter {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A risk tier, or `none` for the suppliers without one (a risk input is missing).",
            ))
            .enum_values(Some(Tier::ALL.iter().map(|t| t.as_str()).chain(["none"])))
            .into()
    }
}

impl ToSchema for TierFilter {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TierFilter")
    }
}

/// Which suppliers the list shows by their archived flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Archived {
    /// Only those not archived (`false`, the default).
    #[default]
    Exclude,
    /// Only the archived ones (`true`).
    Only,
    /// Both (`all`).
    Include,
}

impl Archived {
    /// The wire value: `false`, `true` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Archived::Exclude => "false",
            Archived::Only => "true",
            Archived::Include => "all",
        }
    }

    fn parse(s: &str) -> Result<Archived, String> {
        match s {
            "false" => Ok(Archived::Exclude),
            "true" => Ok(Archived::Only),
            "all" => Ok(Archived::Include),
            _ => Err(format!("unknown value `{s}`: expected false, true or all")),
        }
    }
}

impl PartialSchema for Archived {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "`false`: the suppliers not archived; `true`: the archived ones; `all`: both.",
            ))
            .enum_values(Some(["false", "true", "all"]))
            .into()
    }
}

impl ToSchema for Archived {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ArchivedFilter")
    }
}

impl SupplierListQuery {
    /// The page size asked for, or the default.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// The offset asked for, or 0.
    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }

    /// The day evaluated on: `as_of`, else the date of `at`, else today.
    pub fn date(&self) -> Date {
        super::params::AtQuery {
            as_of: self.as_of,
            at: self.at,
        }
        .date()
    }
}

/// The page of `query` (with its own page size, `query.limit`): from the store's evaluations
/// today, or with `list.at` from the register recorded then ([`super::params::then`]),
/// evaluated in memory under the policy then on `list.date()`
/// ([`vetted_store::evaluations::summaries_in_memory`]). The UI's register page reads it too.
///
/// # Errors
/// A future `at`, the store's, or a trail that does not read.
pub async fn summaries(
    state: &AppState,
    list: &SupplierListQuery,
    query: &SupplierQuery,
) -> Result<std::sync::Arc<vetted_store::SummaryPage>, ApiError> {
    let Some(at) = list.at else {
        return Ok(state
            .store
            .query_summaries(query, &state.evaluator(today()))
            .await?);
    };
    let then = super::params::then(state, at).await?;
    Ok(std::sync::Arc::new(
        summaries_then(then, query.clone(), list.date()).await?,
    ))
}

/// The page of `query` of the register as recorded at a past moment (`then`), evaluated
/// under the policy then on `as_of`, off the async threads.
///
/// # Errors
/// A failed evaluation task (a logged 500).
pub async fn summaries_then(
    then: super::params::Then,
    query: SupplierQuery,
    as_of: Date,
) -> Result<vetted_store::SummaryPage, ApiError> {
    tokio::task::spawn_blocking(move || {
        vetted_store::evaluations::summaries_in_memory(&then.records, &query, &then.policy, as_of)
    })
    .await
    .map_err(|e| ApiError::internal("evaluating the register as it was", &e))
}

fn wire<T>(
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> impl Fn(&str) -> Result<T, String> {
    move |s| parse(s).ok_or_else(|| format!("unknown value `{s}`: expected {}", expected()))
}

impl FromQuery for SupplierListQuery {
    const PARAMS: &'static [&'static str] = &[
        "verdict", "tier", "category", "status", "country", "q", "rule", "sort", "order", "limit",
        "offset", "archived", "at", "as_of",
    ];

    fn from_query(q: &mut QueryParams) -> Result<SupplierListQuery, ApiError> {
        let verdict = q.parsed_all("verdict", wire(Verdict::parse, Verdict::expected))?;
        let tier = q.parsed("tier", TierFilter::parse)?;
        let category = q.parsed("category", wire(Category::parse, Category::expected))?;
        let status = q.parsed("status", wire(Status::parse, Status::expected))?;
        let country = q.parsed("country", |s| {
            Country::parse(s).ok_or_else(|| match Country::hint(s) {
                Some(hint) => format!("`{s}` is not a country code: {hint}"),
                None => {
                    format!("`{s}` is not a country code: expected ISO 3166-1 alpha-2, such as DE")
                }
            })
        })?;
        let search = q.parsed("q", |s| {
            let s = s.trim();
            if s.chars().count() > MAX_Q_CHARS {
                Err(format!("longer than {MAX_Q_CHARS} characters"))
            } else {
                Ok(s.to_string())
            }
        })?;
        let rule = q.parsed("rule", |s| {
            let s = s.trim();
            if s.is_empty() || s.len() > MAX_RULE_CHARS {
                Err(format!("expected a rule id of 1 to {MAX_RULE_CHARS} characters"))
            } else if s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "`{s}` is not a rule id: expected letters, digits, `.`, `_` and `-`, such as review.overdue"
                ))
            }
        })?;
        let sort = q.parsed("sort", SortKey::parse)?;
        let order = q.parsed("order", |s| match s {
            "asc" => Ok(Order::Asc),
            "desc" => Ok(Order::Desc),
            _ => Err(format!("unknown value `{s}`: expected asc or desc")),
        })?;
        let limit = q.parsed("limit", |s| match s.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!(
                "`{s}` is not a page size: expected 1 to {MAX_LIMIT}"
            )),
        })?;
        let offset = q.parsed("offset", |s| {
            s.parse::<u64>()
                .map_err(|_| format!("`{s}` is not an offset: expected 0 or more"))
        })?;
        let archived = q.parsed("archived", Archived::parse)?;
        let at = q.parsed("at", super::params::parse_at)?;
        let as_of = q.parsed("as_of", parse_as_of)?;
        if as_of.is_some() && at.is_none() {
            return Err(ApiError::bad_parameter(
                "as_of",
                "only meaningful with at: the register now is evaluated today",
            ));
        }
        Ok(SupplierListQuery {
            at,
            as_of,
            archived,
            verdict,
            tier,
            category,
            status,
            country,
            q: search.filter(|s| !s.is_empty()),
            rule,
            sort,
            order,
            limit,
            offset,
        })
    }
}

fn parse_index(index: &str) -> Result<usize, ApiError> {
    index.parse().map_err(|_| {
        ApiError::bad_parameter(
            "index",
            format!("`{index}` is not an index: expected 0, 1, 2 …"),
        )
    })
}

impl SupplierListQuery {
    /// The store's query for these parameters.
    pub fn to_store(&self) -> SupplierQuery {
        use vetted_store::SortKey as Store;
        SupplierQuery {
            verdicts: self.verdict.clone(),
            tier: self.tier.map(|t| match t {
                TierFilter::Is(tier) => Some(tier),
                TierFilter::Untiered => None,
            }),
            category: self.category,
            status: self.status,
            country: self.country.map(|c| c.as_str().to_string()),
            search: self.q.clone(),
            rule: self.rule.clone(),
            archived: match self.archived.unwrap_or_default() {
                Archived::Exclude => Some(false),
                Archived::Only => Some(true),
                Archived::Include => None,
            },
            sort: match self.sort.unwrap_or_default() {
                SortKey::Position => Store::Register,
                SortKey::Id => Store::Id,
                SortKey::Name => Store::Name,
                SortKey::Verdict => Store::Verdict,
                SortKey::Tier => Store::Tier,
                SortKey::NextDue => Store::NextDue,
                SortKey::Updated => Store::Updated,
            },
            descending: self.order == Some(Order::Desc),
            limit: self.limit(),
            offset: self.offset(),
        }
    }
}

/// One supplier of the list: what a table row shows, without the full document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplierListItem {
    /// The supplier's id.
    pub id: SupplierId,
    /// Its name, if recorded.
    pub name: Option<String>,
    /// Its category, if recorded.
    pub category: Option<Category>,
    /// Its status, if recorded.
    pub status: Option<Status>,
    /// The version a write must send in `If-Match` (with `at`, the version it had then).
    pub version: i64,
    /// Whether it is archived (with `at`, whether it was then).
    pub archived: bool,
    /// Its verdict today under the active policy (with `at`, on `as_of` under the policy then).
    pub verdict: Verdict,
    /// Its tier; absent when a risk input is missing.
    pub tier: Option<Tier>,
    /// The earliest date something falls due, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub next_due: Option<String>,
}

/// One page of the supplier list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplierListView {
    /// The page's suppliers, in order.
    pub items: Vec<SupplierListItem>,
    /// How many suppliers match the filters (on every page).
    pub total: u64,
    /// The page size used.
    pub limit: u32,
    /// The suppliers skipped.
    pub offset: u64,
}

/// The supplier list: filters, search, sort and pages, on each supplier's stored evaluation
/// (today, under the active policy); with `at`, on the register as recorded then, evaluated
/// under the policy version in force then.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers",
    tag = "suppliers",
    params(SupplierListQuery),
    responses(
        (status = 200, description = "One page of suppliers and the total that match", body = SupplierListView),
        (status = 400, description = "A malformed, repeated or unknown query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_suppliers(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SupplierListQuery>,
) -> Result<Json<SupplierListView>, ApiError> {
    let query = q.to_store();
    let page = summaries(&state, &q, &query).await?;
    Ok(Json(SupplierListView {
        items: page
            .items
            .iter()
            .map(|s| SupplierListItem {
                id: s.id.clone(),
                name: s.name.clone(),
                category: s.category,
                status: s.status,
                version: s.version,
                archived: s.archived,
                verdict: s.verdict,
                tier: s.tier,
                next_due: s.next_due.map(vetted_core::date::format_date),
            })
            .collect(),
        total: page.total,
        limit: query.limit,
        offset: query.offset,
    }))
}

/// The version `If-Match` carries: 428 when it is absent.
fn required(IfMatch(version): IfMatch) -> Result<i64, ApiError> {
    version.ok_or(ApiError::PreconditionRequired)
}

fn parse_id(id: &str) -> Result<SupplierId, ApiError> {
    SupplierId::parse(id).map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")))
}

/// The answer of a supplier write: the supplier as stored now, with its new `ETag`.
fn written(status: StatusCode, stored: StoredSupplier) -> Response {
    with_etag(
        stored.version,
        (
            status,
            Json(SupplierView {
                supplier: stored.supplier,
                version: stored.version,
                archived: stored.archived,
                evaluation: None,
            }),
        ),
    )
}

fn location(res: &mut Response, uri: &str) {
    if let Ok(v) = HeaderValue::from_str(uri) {
        res.headers_mut().insert(header::LOCATION, v);
    }
}

/// Creates a supplier (no version needed: nothing was read).
#[utoipa::path(
    post,
    path = "/api/v1/suppliers",
    tag = "suppliers",
    request_body(content = Supplier, description = "The supplier, in the register format", content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = SupplierView,
            headers(("ETag" = String, description = "The version, quoted: `\"1\"`."),
                    ("Location" = String, description = "The supplier's URL."))),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 409, description = "A supplier with this id exists (perhaps archived)", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The supplier breaks the register format: every problem with its path", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_supplier(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiQuery(_): ApiQuery<NoQuery>,
    SupplierJson(supplier): SupplierJson,
) -> Result<Response, ApiError> {
    let stored = state
        .store
        .create_supplier(&supplier, &Change::now(who.actor()))
        .await?;
    let uri = format!("/api/v1/suppliers/{}", stored.supplier.id);
    let mut res = written(StatusCode::CREATED, stored);
    location(&mut res, &uri);
    Ok(res)
}

/// `text` with `"id": id` added when its top-level object has no `id`, so a replacement body
/// may leave the id to the path. The key goes right after the opening brace: lines keep
/// their numbers (only columns on that line shift).
fn with_id(text: &str, id: &SupplierId) -> String {
    let has_id = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map.contains_key("id"),
        // Not an object: the decoder says so.
        _ => true,
    };
    let Some(brace) = text.find('{').filter(|_| !has_id) else {
        return text.to_string();
    };
    let (head, rest) = text.split_at(brace + 1);
    let comma = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    let quoted = serde_json::to_string(id.as_str()).unwrap_or_default();
    format!("{head}\"id\":{quoted}{comma}{rest}")
}

/// Replaces a supplier with the body (the whole record; its `id` must be the path's, or
/// absent).
#[utoipa::path(
    put,
    path = "/api/v1/suppliers/{id}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("If-Match" = String, Header, description = "The version read, quoted: the `ETag` of the read (`\"3\"`)."),
    ),
    request_body(content = Supplier, description = "The whole supplier, in the register format", content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced (or unchanged)", body = SupplierView,
            headers(("ETag" = String, description = "The new version, quoted."))),
        (status = 400, description = "A malformed id, `If-Match` or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
        (status = 409, description = "Stale: the supplier changed since the version sent; `current` holds it now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The supplier breaks the register format, or its id is not the path's", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn replace_supplier(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = required(if_match)?;
    let supplier = decode_supplier(&with_id(&text, &id), &state.policy().policy)?;
    if supplier.id != id {
        return Err(ApiError::invalid(
            "id",
            format!(
                "`{}` is not the supplier of the path, `{id}`: ids cannot be changed",
                supplier.id
            ),
        ));
    }
    let stored = state
        .store
        .update_supplier(&supplier, expected, &Change::now(who.actor()))
        .await?;
    Ok(written(StatusCode::OK, stored))
}

/// Archives a supplier: kept with its history, left out of the list, export and checks.
#[utoipa::path(
    post,
    path = "/api/v1/suppliers/{id}/archive",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    responses(
        (status = 200, description = "Archived", body = SupplierView,
            headers(("ETag" = String, description = "The new version, quoted."))),
        (status = 400, description = "A malformed id or `If-Match`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
        (status = 409, description = "Stale, or already archived; `current` holds the supplier when stale", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn archive_supplier(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = required(if_match)?;
    let stored = state
        .store
        .archive_supplier(&id, expected, &Change::now(who.actor()))
        .await?;
    Ok(written(StatusCode::OK, stored))
}

/// Restores an archived supplier.
#[utoipa::path(
    post,
    path = "/api/v1/suppliers/{id}/restore",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    responses(
        (status = 200, description = "Restored", body = SupplierView,
            headers(("ETag" = String, description = "The new version, quoted."))),
        (status = 400, description = "A malformed id or `If-Match`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
        (status = 409, description = "Stale, or not archived; `current` holds the supplier when stale", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn restore_supplier(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = required(if_match)?;
    let stored = state
        .store
        .restore_supplier(&id, expected, &Change::now(who.actor()))
        .await?;
    Ok(written(StatusCode::OK, stored))
}

// ---------------------------------------------------------------------------------------------
// Nested records
// ---------------------------------------------------------------------------------------------

/// Puts a decoded record where it was decoded for (the caller checked the index).
fn put(s: &mut Supplier, at: RecordAt, record: Record) -> Result<(), ApiError> {
    put_record(s, at, record).map_err(|_| {
        tracing::error!(record.at = %at, "the decoder returned another kind of record");
        ApiError::Internal
    })
}

/// Reads the supplier at the version the client read ([`vetted_store::StoreError::Stale`] with the current
/// one otherwise: the indexes it names are those of its version), lets `edit` change it, and
/// stores it as the next version with one audit entry (the shared write path of
/// [`vetted_app::suppliers::edit_supplier`], which the browser's forms use too). Generic over
/// the error so the pages (`crate::ui::evidence`) can tell a stale version apart to show their
/// form again; the API's is [`ApiError`] (409 with `current`).
pub(crate) async fn edit_supplier<T, E>(
    state: &AppState,
    who: &Principal,
    id: &str,
    expected: i64,
    edit: impl FnOnce(&mut Supplier) -> Result<T, E>,
) -> Result<(StoredSupplier, T), E>
where
    E: From<ApiError> + From<vetted_store::StoreError>,
{
    let id = parse_id(id)?;
    vetted_app::suppliers::edit_supplier(
        state.store.as_ref(),
        &id,
        expected,
        &Change::now(who.actor()),
        edit,
    )
    .await
}

/// The answer of a nested record write.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordWritten {
    /// The record's path inside the supplier: `locations[3]`, `data`.
    pub path: String,
    /// Its index, for a list item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The supplier's new version (also the `ETag`).
    pub version: i64,
    /// The record as stored.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

fn record_written(status: StatusCode, stored: &StoredSupplier, at: RecordAt) -> Response {
    let record = match at.index() {
        Some(i) => at.section().item_view(&stored.supplier, i),
        None => Some(at.section().view(&stored.supplier)),
    };
    with_etag(
        stored.version,
        (
            status,
            Json(RecordWritten {
                path: at.path(),
                index: at.index(),
                version: stored.version,
                record: record.unwrap_or(serde_json::Value::Null),
            }),
        ),
    )
}

/// Replaces a one-object section (`data`, `inference`, `risk`, `subprocessors`,
/// `public_listing`) with the body. A list section answers 405: add, replace or delete its
/// items one by one.
#[utoipa::path(
    put,
    path = "/api/v1/suppliers/{id}/{section}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "A one-object section: data, inference, risk, subprocessors or public_listing."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    request_body(content = Object, description = "The section, in the register format", content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = RecordWritten,
            headers(("ETag" = String, description = "The supplier's new version, quoted."))),
        (status = 400, description = "A malformed id, `If-Match` or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier or section", body = ErrorBody),
        (status = 405, description = "The section is a list", body = ErrorBody),
        (status = 409, description = "Stale: `current` holds the supplier now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The record breaks the register format: every problem with its path in the supplier", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn put_section(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath((id, name)): ApiPath<(String, String)>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    let at = section.whole().ok_or(ApiError::MethodNotAllowed)?;
    let expected = required(if_match)?;
    let record = decode_record(&text, at, &state.policy().policy)?;
    let (stored, ()) =
        edit_supplier::<_, ApiError>(&state, &who, &id, expected, |s| put(s, at, record)).await?;
    Ok(record_written(StatusCode::OK, &stored, at))
}

/// Appends an item to a list section (for `subprocessors`, to its `list`).
#[utoipa::path(
    post,
    path = "/api/v1/suppliers/{id}/{section}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "A section that holds a list."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    request_body(content = Object, description = "The item, in the register format", content_type = "application/json"),
    responses(
        (status = 201, description = "Added at the end; `index` is its place", body = RecordWritten,
            headers(("ETag" = String, description = "The supplier's new version, quoted."),
                    ("Location" = String, description = "The item's URL."))),
        (status = 400, description = "A malformed id, `If-Match` or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier or section", body = ErrorBody),
        (status = 405, description = "The section is one object: PUT it", body = ErrorBody),
        (status = 409, description = "Stale: `current` holds the supplier now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The item breaks the register format: every problem with its path in the supplier (`locations[3].country`)", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn append_record(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath((id, name)): ApiPath<(String, String)>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    if section.whole().is_some() && section != Section::Subprocessors {
        return Err(ApiError::MethodNotAllowed);
    }
    let expected = required(if_match)?;
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let (stored, at) = edit_supplier::<_, ApiError>(&state, &who, &id, expected, |s| {
        let len = section.len(s).ok_or(ApiError::MethodNotAllowed)?;
        let at = section.item(len).ok_or(ApiError::MethodNotAllowed)?;
        let record = decode_record(&text, at, &policy)?;
        put(s, at, record)?;
        Ok(at)
    })
    .await?;
    let index = at.index().unwrap_or_default();
    let mut res = record_written(StatusCode::CREATED, &stored, at);
    location(
        &mut res,
        &format!("/api/v1/suppliers/{}/{section}/{index}", stored.supplier.id),
    );
    Ok(res)
}

/// Replaces item `index` of a list section.
#[utoipa::path(
    put,
    path = "/api/v1/suppliers/{id}/{section}/{index}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "A section that holds a list."),
        ("index" = usize, Path, description = "The item's position, from 0, in the version read."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    request_body(content = Object, description = "The item, in the register format", content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = RecordWritten,
            headers(("ETag" = String, description = "The supplier's new version, quoted."))),
        (status = 400, description = "A malformed id, index, `If-Match` or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier, section or item", body = ErrorBody),
        (status = 409, description = "Stale: `current` holds the supplier now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The item breaks the register format: every problem with its path in the supplier", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn replace_record(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath((id, name, index)): ApiPath<(String, String, String)>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    let index = parse_index(&index)?;
    let at = section.item(index).ok_or_else(|| ApiError::NotFound {
        what: "record",
        id: format!("{section}[{index}]"),
    })?;
    let expected = required(if_match)?;
    let record = decode_record(&text, at, &state.policy().policy)?;
    let (stored, ()) = edit_supplier::<_, ApiError>(&state, &who, &id, expected, |s| {
        if section.len(s).is_none_or(|len| index >= len) {
            return Err(ApiError::NotFound {
                what: "record",
                id: format!("{}.{at}", s.id),
            });
        }
        put(s, at, record)
    })
    .await?;
    Ok(record_written(StatusCode::OK, &stored, at))
}

/// Deletes item `index` of a list section; the items after it move up by one.
#[utoipa::path(
    delete,
    path = "/api/v1/suppliers/{id}/{section}/{index}",
    tag = "suppliers",
    params(
        ("id" = SupplierId, Path, description = "The supplier's id."),
        ("section" = SectionName, Path, description = "A section that holds a list."),
        ("index" = usize, Path, description = "The item's position, from 0, in the version read."),
        ("If-Match" = String, Header, description = "The version read, quoted (`\"3\"`)."),
    ),
    responses(
        (status = 204, description = "Deleted",
            headers(("ETag" = String, description = "The supplier's new version, quoted."))),
        (status = 400, description = "A malformed id, index or `If-Match`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 404, description = "No such supplier, section or item", body = ErrorBody),
        (status = 409, description = "Stale: `current` holds the supplier now", body = ErrorBody),
        (status = 428, description = "No `If-Match`: the version read is required", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn delete_record(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath((id, name, index)): ApiPath<(String, String, String)>,
    if_match: IfMatch,
    ApiQuery(_): ApiQuery<NoQuery>,
) -> Result<Response, ApiError> {
    let section = section(&name)?;
    let index = parse_index(&index)?;
    let at = section.item(index).ok_or_else(|| ApiError::NotFound {
        what: "record",
        id: format!("{section}[{index}]"),
    })?;
    let expected = required(if_match)?;
    let (stored, ()) = edit_supplier::<_, ApiError>(&state, &who, &id, expected, |s| {
        if section.len(s).is_none_or(|len| index >= len) {
            return Err(ApiError::NotFound {
                what: "record",
                id: format!("{}.{at}", s.id),
            });
        }
        section.remove(s, index);
        Ok(())
    })
    .await?;
    Ok(with_etag(stored.version, StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(query: &str) -> Result<SupplierListQuery, ApiError> {
        let mut q = QueryParams::parse(query);
        let v = SupplierListQuery::from_query(&mut q)?;
        q.finish(SupplierListQuery::PARAMS)?;
        Ok(v)
    }

    fn bad(query: &str) -> (String, String) {
        match list(query) {
            Err(ApiError::BadParameter(p)) => (p.path, p.message),
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn the_list_query_reads_every_parameter() {
        let q = list("verdict=attention&verdict=non_compliant&tier=high&category=saas&status=active&country=DE&q=%20acme%20&sort=next_due&order=desc&limit=1000&offset=20").unwrap();
        assert_eq!(q.verdict, [Verdict::Attention, Verdict::NonCompliant]);
        assert_eq!(q.tier, Some(TierFilter::Is(Tier::High)));
        assert_eq!(q.category, Some(Category::Saas));
        assert_eq!(q.status, Some(Status::Active));
        assert_eq!(
            q.country.map(|c| c.as_str().to_string()).as_deref(),
            Some("DE")
        );
        assert_eq!(q.q.as_deref(), Some("acme"));
        assert_eq!(
            (q.sort, q.order),
            (Some(SortKey::NextDue), Some(Order::Desc))
        );
        assert_eq!((q.limit(), q.offset()), (1000, 20));
        let q = list("").unwrap();
        assert_eq!((q.limit(), q.offset(), q.sort), (100, 0, None));
        assert_eq!(q.to_store().archived, Some(false));
        let q = list("tier=none&rule=agreement.clause.exit&archived=all").unwrap();
        let store = q.to_store();
        assert_eq!(store.tier, Some(None));
        assert_eq!(store.rule.as_deref(), Some("agreement.clause.exit"));
        assert_eq!(store.archived, None);
        assert_eq!(
            list("archived=true").unwrap().to_store().archived,
            Some(true)
        );
    }

    #[test]
    fn the_list_parameters_are_documented() {
        let params = SupplierListQuery::into_params(|| None);
        let doc = serde_json::to_value(&params).unwrap();
        let names: Vec<&str> = doc
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, SupplierListQuery::PARAMS);
        for p in doc.as_array().unwrap() {
            assert_eq!(p["in"], "query");
            assert!(p["description"].is_string(), "{p}");
        }
        assert_eq!(doc[0]["schema"]["type"], "array", "{}", doc[0]);
        assert_eq!(doc[0]["explode"], true);
        assert_eq!(doc[9]["schema"]["maximum"], 1000);
    }

    #[test]
    fn bad_list_parameters_name_the_parameter_and_why() {
        assert_eq!(
            bad("limit=1001"),
            (
                "limit".into(),
                "`1001` is not a page size: expected 1 to 1000".into()
            )
        );
        assert_eq!(bad("limit=0").0, "limit");
        assert_eq!(bad("offset=-1").0, "offset");
        assert_eq!(
            bad("verdict=fine").1,
            "unknown value `fine`: expected inactive, out_of_scope, ineligible, non_compliant, attention or compliant"
        );
        assert_eq!(
            bad("country=UK").1,
            "`UK` is not a country code: the United Kingdom is GB"
        );
        assert_eq!(bad("sort=size").0, "sort");
        assert_eq!(bad("order=up").0, "order");
        assert_eq!(
            bad("tier=high&tier=low"),
            ("tier".into(), "given more than once".into())
        );
        assert_eq!(bad(&format!("q={}", "x".repeat(201))).0, "q");
        assert_eq!(bad("page=2").0, "page");
        assert_eq!(
            bad("tier=severe").1,
            "unknown value `severe`: expected critical, high, medium, low or none"
        );
        assert_eq!(bad("archived=yes").0, "archived");
        assert_eq!(bad("rule=review%20overdue").0, "rule");
        assert_eq!(bad("rule=").0, "rule");
    }
}
