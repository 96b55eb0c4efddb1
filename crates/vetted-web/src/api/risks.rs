//! `/api/v1/risks…`: the risk register, every supplier's risk entries grouped by risk id
//! (`vetted_core::risks`). `GET /api/v1/risks` lists them with the filters of the risk register
//! page, `GET /api/v1/risks/{id}` gives one with the version of each linked supplier, and
//! `PUT /api/v1/risks/{id}` (editors) creates or replaces one: the risk is written into every
//! supplier of its `suppliers`, and removed from suppliers no longer listed, in one transaction.
//!
//! **Versions.** A risk has no version of its own: its copies live in its suppliers. A read
//! answers `versions`, the version of each linked supplier, and a write of an existing risk
//! sends them back in its body (`versions`; none: 428 `precondition_required`). A linked
//! supplier changed since (another version), or linked to the risk since (not in `versions`), is
//! 409 `conflict` with `current`, the risk as stored now. Suppliers the write newly links need
//! no version. The same rule as the supplier API's `If-Match`, per supplier.
//!
//! The page (`crate::ui::risks`) and this API share [`load_risk`], [`RiskQuery`] and [`save`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::risks::{RiskChange, RiskProblem, SaveError, prepare, save_risk};
use vetted_core::model::{RiskEntry, RiskStatus, Supplier, SupplierId, Treatment};
use vetted_core::risks::{Risk, RiskFilter, RiskRegister};
use vetted_core::section::{Record, RecordAt};
use vetted_store::{Change, StoredSupplier};

use super::params::{NoQuery, today};
use crate::AppState;
use crate::auth::{Editor, Principal, Viewer};
use crate::error::{ApiError, ErrorBody, Problem};
use crate::extract::{ApiPath, ApiQuery, FromQuery, JsonText, QueryParams, decode_record};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_risks))
        .routes(routes!(get_risk, put_risk))
}

/// One risk of the register on a day.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskView {
    /// The risk: its values, linked suppliers and the fields its copies disagree on.
    #[serde(flatten)]
    pub risk: Risk,
    /// Why it needs a decision today: `past_due` (open, past its due date) or
    /// `acceptance_expired`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub overdue: Option<&'static str>,
}

impl RiskView {
    /// The view of `risk` on `as_of`.
    pub fn of(risk: Risk, as_of: Date) -> RiskView {
        let overdue = risk.overdue(as_of).map(|o| match o {
            vetted_core::risks::Overdue::PastDue => "past_due",
            vetted_core::risks::Overdue::AcceptanceExpired => "acceptance_expired",
        });
        RiskView { risk, overdue }
    }
}

/// One risk with the version of each linked supplier (what a write sends back).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskDetailView {
    #[serde(flatten)]
    pub view: RiskView,
    /// The version of each linked supplier, by supplier id: send them back to write the risk.
    pub versions: BTreeMap<String, i64>,
}

/// The risk register, filtered.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskListView {
    /// The risks, in id order (`R-3` before `R-12`).
    pub items: Vec<RiskView>,
    /// How many.
    pub total: usize,
}

/// The filters of the risk register (`GET /api/v1/risks` and the page `/risks`): each given
/// one must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RiskQuery {
    /// Only risks of this status: open, treated, accepted or closed.
    #[param(value_type = Option<String>)]
    pub status: Option<RiskStatus>,
    /// Only risks treated this way: remediate, replace, escalate or accept.
    #[param(value_type = Option<String>)]
    pub treatment: Option<Treatment>,
    /// Only risks of this owner (any case).
    pub owner: Option<String>,
    /// `true`: only risks that need a decision today (open past their due date, or accepted
    /// with an expired acceptance; with `as_of` or `at`, on that day); `false`: only the
    /// others.
    pub overdue: Option<bool>,
    /// Only risks linked to this supplier.
    #[param(value_type = Option<String>)]
    pub supplier: Option<SupplierId>,
}

impl RiskQuery {
    /// The parameters, in the order the page's form shows them.
    pub const PARAMS: [&'static str; 5] = ["status", "treatment", "owner", "overdue", "supplier"];

    /// Takes parameter `name` with value `v` (not blank): the error says what was expected.
    pub fn read(&mut self, name: &str, v: &str) -> Result<(), String> {
        match name {
            "status" => {
                self.status = Some(RiskStatus::parse(v).ok_or_else(|| {
                    format!("unknown value `{v}`: expected {}", RiskStatus::expected())
                })?);
            }
            "treatment" => {
                self.treatment = Some(Treatment::parse(v).ok_or_else(|| {
                    format!("unknown value `{v}`: expected {}", Treatment::expected())
                })?);
            }
            "owner" => self.owner = Some(v.trim().to_string()),
            "overdue" => {
                self.overdue = Some(match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("unknown value `{v}`: expected true or false")),
                });
            }
            "supplier" => {
                self.supplier =
                    Some(SupplierId::parse(v).map_err(|why| format!("a supplier id {why}"))?);
            }
            _ => {
                return Err(format!(
                    "unknown parameter: expected {}",
                    vetted_core::model::one_of(RiskQuery::PARAMS.iter().copied())
                ));
            }
        }
        Ok(())
    }

    /// The filter these parameters make.
    pub fn filter(&self) -> RiskFilter {
        RiskFilter {
            status: self.status,
            treatment: self.treatment,
            owner: self.owner.clone(),
            overdue: self.overdue,
            supplier: self.supplier.clone(),
        }
    }

    /// The parameters as given, canonical (for links).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(s) = self.status {
            out.push(("status", s.as_str().to_string()));
        }
        if let Some(t) = self.treatment {
            out.push(("treatment", t.as_str().to_string()));
        }
        if let Some(o) = &self.owner {
            out.push(("owner", o.clone()));
        }
        if let Some(o) = self.overdue {
            out.push(("overdue", o.to_string()));
        }
        if let Some(s) = &self.supplier {
            out.push(("supplier", s.to_string()));
        }
        out
    }
}

impl FromQuery for RiskQuery {
    const PARAMS: &'static [&'static str] = &RiskQuery::PARAMS;

    fn from_query(q: &mut QueryParams) -> Result<RiskQuery, ApiError> {
        let mut out = RiskQuery::default();
        for name in RiskQuery::PARAMS {
            if let Some(v) = q.one(name)?.filter(|v| !v.trim().is_empty()) {
                out.read(name, v.trim())
                    .map_err(|why| ApiError::bad_parameter(name, why))?;
            }
        }
        Ok(out)
    }
}

/// The query of `GET /api/v1/risks`: the filters, and the moment and day of the register read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskListQuery {
    /// The filters.
    pub filter: RiskQuery,
    /// `at` and `as_of`.
    pub at: super::params::AtQuery,
}

impl FromQuery for RiskListQuery {
    const PARAMS: &'static [&'static str] = &[
        "status",
        "treatment",
        "owner",
        "overdue",
        "supplier",
        "as_of",
        "at",
    ];

    fn from_query(q: &mut QueryParams) -> Result<RiskListQuery, ApiError> {
        Ok(RiskListQuery {
            filter: RiskQuery::from_query(q)?,
            at: super::params::AtQuery::from_query(q)?,
        })
    }
}

/// The risks of `register` that pass `query` on `day`, as views on that day.
pub fn pick(register: &RiskRegister, query: &RiskQuery, day: Date) -> Vec<RiskView> {
    let filter = query.filter();
    register
        .risks()
        .iter()
        .filter(|r| filter.matches(r, day))
        .map(|r| RiskView::of(r.clone(), day))
        .collect()
}

/// The risks that pass `query`, judged on `at.date()`: of the register now (its snapshot), or
/// with `at.at` of the register as recorded then.
pub async fn risks_of(
    state: &AppState,
    query: &RiskQuery,
    at: super::params::AtQuery,
) -> Result<Vec<RiskView>, ApiError> {
    let day = at.date();
    match at.at {
        None => {
            let snapshot = state.snapshots.get(state, today()).await?;
            Ok(pick(&snapshot.risks, query, day))
        }
        Some(moment) => {
            let then = super::params::then(state, moment).await?;
            let register = RiskRegister::of(then.held().map(|r| &r.supplier));
            Ok(pick(&register, query, day))
        }
    }
}

/// The risk register, filtered: every supplier's risk entries grouped by risk id; with `at`,
/// as recorded then (rebuilt from the audit trail).
#[utoipa::path(
    get,
    path = "/api/v1/risks",
    tag = "risks",
    params(RiskQuery, super::params::AtQuery),
    responses(
        (status = 200, description = "The risks that pass the filters, in id order", body = RiskListView),
        (status = 400, description = "A malformed, repeated or unknown query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_risks(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RiskListQuery>,
) -> Result<Json<RiskListView>, ApiError> {
    let items = risks_of(&state, &query.filter, query.at).await?;
    Ok(Json(RiskListView {
        total: items.len(),
        items,
    }))
}

/// A risk id from a path: 400 when it cannot be one.
pub fn parse_risk_id(id: &str) -> Result<String, ApiError> {
    vetted_core::risks::check_id(id)
        .map(|()| id.to_string())
        .map_err(|why| ApiError::bad_parameter("id", why))
}

/// Risk `id` as stored now, with the version of each linked supplier: the register's snapshot
/// says which suppliers hold it, and they are read again so the values and versions belong
/// together. `None`: no supplier holds it.
pub async fn load_risk(
    state: &AppState,
    id: &str,
) -> Result<Option<(Risk, Vec<StoredSupplier>)>, ApiError> {
    let snapshot = state.snapshots.get(state, today()).await?;
    let Some(risk) = snapshot.risks.get(id) else {
        return Ok(None);
    };
    let mut stored = Vec::with_capacity(risk.suppliers.len());
    for linked in &risk.suppliers {
        if let Some(s) = state.store.find_supplier(&linked.id).await?
            && !s.archived
        {
            stored.push(s);
        }
    }
    let suppliers: Vec<&Supplier> = stored.iter().map(|s| &s.supplier).collect();
    let register = RiskRegister::of(suppliers);
    let risk = register.get(id).cloned();
    stored.retain(|s| risk.as_ref().is_some_and(|r| r.links(&s.supplier.id)));
    Ok(risk.map(|r| (r, stored)))
}

/// The versions of `stored`, by supplier id.
pub fn versions_of(stored: &[StoredSupplier]) -> BTreeMap<SupplierId, i64> {
    stored
        .iter()
        .map(|s| (s.supplier.id.clone(), s.version))
        .collect()
}

/// One risk of the register, with the version of each linked supplier; with `at`, as
/// recorded then, with the versions its suppliers had then.
#[utoipa::path(
    get,
    path = "/api/v1/risks/{id}",
    tag = "risks",
    params(("id" = String, Path, description = "The risk's id, such as R-12."), super::params::AtQuery),
    responses(
        (status = 200, description = "The risk", body = RiskDetailView),
        (status = 400, description = "A malformed id or query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No supplier holds this risk (with `at`: none held it then)", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_risk(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<super::params::AtQuery>,
) -> Result<Response, ApiError> {
    let id = parse_risk_id(&id)?;
    if let Some(at) = q.at {
        let then = super::params::then(&state, at).await?;
        let register = RiskRegister::of(then.held().map(|r| &r.supplier));
        let Some(risk) = register.get(&id).cloned() else {
            return Ok(not_held_then(&id, at));
        };
        let versions = then
            .held()
            .filter(|r| risk.links(&r.supplier.id))
            .map(|r| (r.supplier.id.to_string(), r.version))
            .collect();
        return Ok(Json(RiskDetailView {
            view: RiskView::of(risk, q.date()),
            versions,
        })
        .into_response());
    }
    let (risk, stored) = load_risk(&state, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(detail(risk, &stored, q.date())).into_response())
}

/// The 404 of a risk read with `at` that no supplier of the register held then.
fn not_held_then(id: &str, at: time::OffsetDateTime) -> Response {
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody {
            error: "not_found",
            message: format!("no supplier of the register held risk `{id}` at {at}"),
            problems: Vec::new(),
            current: None,
        }),
    )
        .into_response()
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        what: "risk",
        id: id.to_string(),
    }
}

fn detail(risk: Risk, stored: &[StoredSupplier], day: Date) -> RiskDetailView {
    RiskDetailView {
        view: RiskView::of(risk, day),
        versions: versions_of(stored)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// Why a save through [`save`] did not happen, as the API and the page answer it.
pub enum SaveFailure {
    /// Problems by field (`title`, `rules[1]`, `suppliers[0]`).
    Invalid(Vec<RiskProblem>),
    /// Refused for a change the editor has not seen: the message, and the risk as it is now
    /// (`None`: it no longer exists) with its suppliers.
    Conflict(String, Option<(Risk, Vec<StoredSupplier>)>),
    /// The risk exists and no versions were sent.
    VersionsRequired,
    /// Anything else.
    Api(ApiError),
}

impl From<ApiError> for SaveFailure {
    fn from(e: ApiError) -> SaveFailure {
        SaveFailure::Api(e)
    }
}

/// Checks `change` ([`prepare`], by the signed-in user `who`) and writes it into every supplier
/// it touches ([`save_risk`]), by `principal`. `creating`: the editor meant a new risk (an id
/// already in use is then a conflict). Returns the suppliers as stored now.
pub async fn save(
    state: &AppState,
    mut change: RiskChange,
    creating: bool,
    principal: &Principal,
    who: &str,
) -> Result<Vec<StoredSupplier>, SaveFailure> {
    let id = change.entry.id.clone().unwrap_or_default();
    let current = if vetted_core::risks::check_id(&id).is_ok() {
        load_risk(state, &id).await?
    } else {
        None
    };
    let problems = prepare(
        &mut change,
        current.as_ref().map(|(r, _)| r),
        &state.policy().policy,
        today(),
        who,
    );
    if !problems.is_empty() {
        return Err(SaveFailure::Invalid(problems));
    }
    let by = Change::now(principal.actor());
    match save_risk(
        state.store.as_ref(),
        &change,
        current.as_ref().map(|(r, _)| r),
        creating,
        &by,
    )
    .await
    {
        Ok(written) => Ok(written),
        Err(SaveError::Invalid(problems)) => Err(SaveFailure::Invalid(problems)),
        Err(SaveError::VersionsRequired) => Err(SaveFailure::VersionsRequired),
        Err(SaveError::Exists(id)) => Err(SaveFailure::Conflict(
            format!(
                "risk {id} exists already: someone created it meanwhile, or the id was taken; choose another id or edit that risk"
            ),
            current,
        )),
        Err(SaveError::LinkedSince(s)) => Err(SaveFailure::Conflict(
            format!("risk {id} was linked to supplier {s} since it was read: nothing was saved"),
            current,
        )),
        Err(SaveError::Stale(s)) => {
            let now = load_risk(state, &id).await?;
            Err(SaveFailure::Conflict(
                format!(
                    "supplier {} was changed by someone else since the risk was read (it is at version {}): nothing was saved",
                    s.supplier.id, s.version
                ),
                now,
            ))
        }
        Err(SaveError::Store(e)) => Err(SaveFailure::Api(e.into())),
    }
}

/// The body of `PUT /api/v1/risks/{id}`: the risk's fields as in the register format
/// (`title`, `status`, `treatment`, `owner`, `due`, `description`, `rules`, `opened`,
/// `accepted_until`; `id` optional, the path's), the suppliers to link and the versions read.
#[derive(Clone, Debug, serde::Deserialize, ToSchema)]
#[allow(dead_code, reason = "the schema of a body read by hand (`read_body`)")]
pub struct RiskBody {
    #[serde(flatten)]
    risk: RiskEntry,
    /// The suppliers to link the risk to (at least one); suppliers linked now and not listed
    /// are unlinked.
    suppliers: Vec<String>,
    /// The version of each supplier linked when the risk was read (`versions` of the read);
    /// required when the risk exists.
    versions: Option<BTreeMap<String, i64>>,
}

/// Reads the body of a risk write into a change for risk `id`.
fn read_body(text: &str, id: &str, state: &AppState) -> Result<RiskChange, ApiError> {
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(text) else {
        return Err(ApiError::invalid("", "expected a JSON object: the risk"));
    };
    let mut problems = Vec::new();
    let suppliers = match map.remove("suppliers") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let parsed = v
                    .as_str()
                    .ok_or_else(|| "expected a supplier id (a string)".to_string())
                    .and_then(|s| SupplierId::parse(s).map_err(|why| format!("supplier id {why}")));
                parsed
                    .map_err(|m| problems.push(Problem::at(format!("suppliers[{i}]"), m)))
                    .ok()
            })
            .collect(),
        None | Some(Value::Null) => {
            problems.push(Problem::at(
                "suppliers",
                "missing required field \"suppliers\": the ids of the suppliers the risk is linked to",
            ));
            Vec::new()
        }
        Some(_) => {
            problems.push(Problem::at("suppliers", "expected a list of supplier ids"));
            Vec::new()
        }
    };
    let mut versions = BTreeMap::new();
    match map.remove("versions") {
        None | Some(Value::Null) => {}
        Some(Value::Object(v)) => {
            for (k, n) in v {
                match (SupplierId::parse(&k), n.as_i64()) {
                    (Ok(sid), Some(n)) => {
                        versions.insert(sid, n);
                    }
                    (Err(why), _) => problems.push(Problem::at(
                        format!("versions.{k}"),
                        format!("supplier id {why}"),
                    )),
                    (_, None) => problems.push(Problem::at(
                        format!("versions.{k}"),
                        "expected a version (a whole number)",
                    )),
                }
            }
        }
        Some(_) => problems.push(Problem::at(
            "versions",
            "expected an object of supplier ids and the versions read",
        )),
    }
    match map.get("id") {
        None | Some(Value::Null) => {
            map.insert("id".into(), Value::String(id.to_string()));
        }
        Some(Value::String(s)) if s == id => {}
        Some(other) => problems.push(Problem::at(
            "id",
            format!("{other} is not the risk of the path, `{id}`: ids cannot be changed"),
        )),
    }
    if map.contains_key("accepted_by") {
        problems.push(Problem::at(
            "accepted_by",
            "set by the server: whoever accepts the risk (the caller) is recorded",
        ));
        map.remove("accepted_by");
    }
    let entry = match decode_record(
        &Value::Object(map).to_string(),
        RecordAt::RiskEntry(0),
        &state.policy().policy,
    ) {
        Ok(Record::RiskEntry(e)) => Some(e),
        Ok(_) => return Err(ApiError::Internal),
        Err(ApiError::Invalid(found)) => {
            // The record was decoded as `risks[0]` of a supplier: its paths are the body's.
            problems.extend(found.into_iter().map(|p| {
                Problem {
                    path: p
                        .path
                        .strip_prefix("risks[0]")
                        .map(|r| r.trim_start_matches('.').to_string())
                        .unwrap_or(p.path),
                    message: p.message,
                    line: None,
                    column: None,
                }
            }));
            None
        }
        Err(e) => return Err(e),
    };
    match entry {
        Some(entry) if problems.is_empty() => Ok(RiskChange {
            entry,
            suppliers,
            versions,
        }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

/// Creates or replaces a risk (editor): written into every supplier of `suppliers` and removed
/// from suppliers no longer listed, in one transaction (one audit entry per supplier changed).
/// Accepting a risk needs `accepted_until` and records the caller as `accepted_by`.
#[utoipa::path(
    put,
    path = "/api/v1/risks/{id}",
    tag = "risks",
    params(("id" = String, Path, description = "The risk's id, such as R-12.")),
    request_body(content = RiskBody, description = "The risk, the suppliers to link and the versions read", content_type = "application/json"),
    responses(
        (status = 200, description = "Written: the risk as stored now", body = RiskDetailView),
        (status = 400, description = "A malformed id or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 409, description = "A linked supplier changed, or was linked, since the read: `current` holds the risk now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The risk breaks the register format or the policy's rules: every problem with its path", body = ErrorBody),
        (status = 428, description = "The risk exists and the body has no `versions`", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn put_risk(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    let id = parse_risk_id(&id)?;
    let change = read_body(&text, &id, &state)?;
    // Who accepts a risk is recorded by e-mail address, as the pages record it; a principal
    // without a stored user (none in practice) is named by its id.
    let email = match state.store.find_user(&who.user_id).await? {
        Some(user) => user.email,
        None => format!("user {}", who.user_id),
    };
    match save(&state, change, false, &who, &email).await {
        Ok(_) => {
            let (risk, stored) = load_risk(&state, &id)
                .await?
                .ok_or_else(|| not_found(&id))?;
            Ok((StatusCode::OK, Json(detail(risk, &stored, today()))).into_response())
        }
        Err(SaveFailure::Invalid(problems)) => Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| Problem::at(p.field, p.message))
                .collect(),
        )),
        Err(SaveFailure::VersionsRequired) => Err(ApiError::PreconditionRequired),
        Err(SaveFailure::Conflict(message, now)) => Err(ApiError::Conflict {
            message,
            current: now
                .map(|(r, s)| serde_json::to_value(detail(r, &s, today())).unwrap_or(Value::Null)),
        }),
        Err(SaveFailure::Api(e)) => Err(e),
    }
}
