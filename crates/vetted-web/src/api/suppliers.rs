//! `/api/v1/suppliers/…`: one supplier with its version (and optionally its evaluation), its
//! findings, and each nested record of the register format; plus the query parameters of the
//! supplier list ([`SupplierListQuery`]), whose endpoint arrives with the store's list query.

use std::borrow::Cow;

use axum::Json;
use axum::extract::State;
use axum::http::header;
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
use vetted_core::report::Finding;
use vetted_core::section::Section;
use vetted_store::StoredSupplier;

use super::params::{parse_as_of, today};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, FromQuery, QueryParams, etag};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_supplier))
        .routes(routes!(get_findings))
        .routes(routes!(get_section))
        .routes(routes!(get_section_item))
}

/// A supplier as stored, with the version a write must carry (also sent as `ETag`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplierView {
    /// The supplier, in the register format.
    pub supplier: Supplier,
    /// 1 when created, one more on every change.
    pub version: i64,
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
        let e = evaluate(supplier, &state.policy().policy, as_of);
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

/// `?include=findings&as_of=…` of `GET /suppliers/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetSupplierQuery {
    /// `findings` adds the supplier's evaluation.
    #[param(inline, value_type = Option<String>, pattern = "^findings$")]
    pub include: Option<Include>,
    /// The day to evaluate on with `include=findings`, `YYYY-MM-DD` (default: today, UTC).
    pub as_of: Option<Date>,
}

/// What `?include=` adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Include {
    /// The evaluation.
    Findings,
}

impl FromQuery for GetSupplierQuery {
    const PARAMS: &'static [&'static str] = &["include", "as_of"];

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
        Ok(GetSupplierQuery { include, as_of })
    }
}

/// One supplier with its version.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}",
    tag = "suppliers",
    params(("id" = SupplierId, Path, description = "The supplier's id."), GetSupplierQuery),
    responses(
        (status = 200, description = "The supplier", body = SupplierView,
            headers(("ETag" = String, description = "The version, quoted: `\"3\"`."))),
        (status = 400, description = "A malformed id or query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_supplier(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GetSupplierQuery>,
) -> Result<Response, ApiError> {
    let stored = load(&state, &id).await?;
    let evaluation = q.include.map(|Include::Findings| {
        EvaluationView::of(&stored.supplier, &state, q.as_of.unwrap_or_else(today))
    });
    Ok(with_etag(
        stored.version,
        Json(SupplierView {
            supplier: stored.supplier,
            version: stored.version,
            evaluation,
        }),
    ))
}

/// A supplier's evaluation: verdict, tier and findings on a day.
#[utoipa::path(
    get,
    path = "/api/v1/suppliers/{id}/findings",
    tag = "suppliers",
    params(("id" = SupplierId, Path, description = "The supplier's id."), super::params::AsOfQuery),
    responses(
        (status = 200, description = "The evaluation", body = EvaluationView),
        (status = 400, description = "A malformed id or query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_findings(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<super::params::AsOfQuery>,
) -> Result<Json<EvaluationView>, ApiError> {
    let stored = load(&state, &id).await?;
    Ok(Json(EvaluationView::of(&stored.supplier, &state, q.date())))
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
    let index: usize = index.parse().map_err(|_| {
        ApiError::bad_parameter(
            "index",
            format!("`{index}` is not an index: expected 0, 1, 2 …"),
        )
    })?;
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
}

impl SortKey {
    const ALL: [(SortKey, &'static str); 6] = [
        (SortKey::Position, "position"),
        (SortKey::Id, "id"),
        (SortKey::Name, "name"),
        (SortKey::Verdict, "verdict"),
        (SortKey::Tier, "tier"),
        (SortKey::NextDue, "next_due"),
    ];

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

/// The query of `GET /api/v1/suppliers`: filters (all must hold; a repeated `verdict` matches
/// any of its values), search, sort and page. Validated here; the store's list query applies it.
#[derive(Clone, Debug, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierListQuery {
    /// Only suppliers with one of these verdicts (repeatable: `verdict=attention&verdict=non_compliant`).
    #[param(explode = true, style = Form)]
    pub verdict: Vec<Verdict>,
    /// Only suppliers of this tier.
    pub tier: Option<Tier>,
    /// Only suppliers of this category.
    pub category: Option<Category>,
    /// Only suppliers with this status.
    pub status: Option<Status>,
    /// Only suppliers with a location in this country (ISO 3166-1 alpha-2).
    pub country: Option<Country>,
    /// Search: suppliers whose id, name, owner or services contain this text (case-insensitive;
    /// at most 200 characters).
    pub q: Option<String>,
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
}

fn wire<T>(
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> impl Fn(&str) -> Result<T, String> {
    move |s| parse(s).ok_or_else(|| format!("unknown value `{s}`: expected {}", expected()))
}

impl FromQuery for SupplierListQuery {
    const PARAMS: &'static [&'static str] = &[
        "verdict", "tier", "category", "status", "country", "q", "sort", "order", "limit", "offset",
    ];

    fn from_query(q: &mut QueryParams) -> Result<SupplierListQuery, ApiError> {
        let verdict = q.parsed_all("verdict", wire(Verdict::parse, Verdict::expected))?;
        let tier = q.parsed("tier", wire(Tier::parse, Tier::expected))?;
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
        Ok(SupplierListQuery {
            verdict,
            tier,
            category,
            status,
            country,
            q: search.filter(|s| !s.is_empty()),
            sort,
            order,
            limit,
            offset,
        })
    }
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
        assert_eq!(q.tier, Some(Tier::High));
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
        assert_eq!(doc[8]["schema"]["maximum"], 1000);
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
    }
}
