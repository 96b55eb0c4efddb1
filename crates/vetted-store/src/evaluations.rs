//! [`EvaluationStore`]: stored evaluations and the list query built on them.
//!
//! Each supplier row keeps its [`Projection`] (verdict, tier, next due date, countries, search
//! text) with the key of the date and policy it was computed for. Every write of a supplier
//! clears that key in its own transaction (the write methods do not know the policy or the
//! date); [`EvaluationStore::refresh_evaluations`] recomputes the rows whose key is not the
//! [`Evaluator`]'s, in batches, each row guarded by its version so a concurrent write wins; and
//! [`EvaluationStore::query_suppliers`] first makes sure (two index probes) that no row carries
//! another key, refreshing when needed, then answers one page with one SQL statement.
//!
//! [`EvaluationStore::query_summaries`] answers the same pages as summary rows (the narrow
//! table's columns only: no document, no JSON decoding) and keeps recent pages in memory,
//! reused while the database's change counter and the evaluation key are unchanged (see
//! [`crate::page_cache`]): a repeated page costs one tiny statement.

use std::cmp::Ordering;
use std::sync::Arc;

use async_trait::async_trait;
use time::Date;
use vetted_core::date::format_date;
use vetted_core::model::{Category, Status, Supplier, SupplierId, Tier, Verdict};
use vetted_core::policy::Policy;
use vetted_core::projection::{Projection, policy_fingerprint, project};

use crate::{StoreError, StoredSupplier};

/// The most suppliers one page holds.
pub const MAX_LIMIT: u32 = 1_000;

/// Rows recomputed per transaction by a refresh.
pub(crate) const REFRESH_BATCH: usize = 500;

/// The policy and the date evaluations are computed under.
#[derive(Clone, Debug)]
pub struct Evaluator {
    /// The active policy.
    pub policy: Arc<Policy>,
    /// [`policy_fingerprint`] of the policy's TOML text.
    pub fingerprint: String,
    /// The evaluation date (today, for a server).
    pub as_of: Date,
}

impl Evaluator {
    /// An evaluator of `policy`, whose text is `policy_toml`, on `as_of`.
    pub fn new(policy: Arc<Policy>, policy_toml: &str, as_of: Date) -> Evaluator {
        Evaluator {
            policy,
            fingerprint: policy_fingerprint(policy_toml),
            as_of,
        }
    }

    /// The key stored with each row evaluated by this evaluator.
    pub(crate) fn key(&self) -> String {
        format!("{} {}", format_date(self.as_of), self.fingerprint)
    }

    pub(crate) fn project(&self, supplier: &Supplier) -> Projection {
        project(supplier, &self.policy, self.as_of)
    }
}

/// How a page is sorted; ties are always broken by register order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Register order (first creation).
    #[default]
    Register,
    /// Name, by its bytes; suppliers without a name last.
    Name,
    /// Id, by its bytes.
    Id,
    /// Verdict, worst first ([`Verdict::WORST_FIRST`]) when ascending.
    Verdict,
    /// Tier, critical first when ascending; suppliers without a tier last.
    Tier,
    /// Next due date, earliest first when ascending; suppliers with nothing due last.
    NextDue,
    /// Last change, oldest first when ascending.
    Updated,
}

/// Which list [`EvaluationStore::query_suppliers`] answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierQuery {
    /// Any of these verdicts; all when empty.
    pub verdicts: Vec<Verdict>,
    /// Only this tier (`Some(Some(tier))`), or only suppliers without one, because a risk input
    /// is missing (`Some(None)`); every supplier when `None`.
    pub tier: Option<Option<Tier>>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only suppliers with a location in this country (ISO code, such as `DE`).
    pub country: Option<String>,
    /// Only suppliers whose id, name or one of whose services contains this text, ignoring case.
    pub search: Option<String>,
    /// Only suppliers with a `fail` or `warn` finding of this rule id (such as
    /// `review.overdue` or `agreement.clause.exit`).
    pub rule: Option<String>,
    /// Only the archived suppliers (`Some(true)`), only the others (`Some(false)`, the
    /// default), or both (`None`).
    pub archived: Option<bool>,
    /// The order.
    pub sort: SortKey,
    /// Descending instead of ascending (ties stay in register order).
    pub descending: bool,
    /// At most this many items, capped at [`MAX_LIMIT`].
    pub limit: u32,
    /// Items to skip.
    pub offset: u64,
}

impl Default for SupplierQuery {
    fn default() -> SupplierQuery {
        SupplierQuery {
            verdicts: Vec::new(),
            tier: None,
            category: None,
            status: None,
            country: None,
            search: None,
            rule: None,
            archived: Some(false),
            sort: SortKey::Register,
            descending: false,
            limit: 100,
            offset: 0,
        }
    }
}

/// A supplier of a page, with its stored evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedSupplier {
    /// The supplier.
    pub stored: StoredSupplier,
    /// Its verdict on the evaluator's date.
    pub verdict: Verdict,
    /// Its tier.
    pub tier: Option<Tier>,
    /// The earliest date something falls due.
    pub next_due: Option<Date>,
}

/// One page of a query and how many suppliers match in all.
#[derive(Clone, Debug, PartialEq)]
pub struct SupplierPage {
    /// The page's suppliers, in order.
    pub items: Vec<ListedSupplier>,
    /// How many suppliers match the filters, on every page.
    pub total: u64,
}

/// One supplier of a list page as the narrow table holds it: what a table row shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierSummary {
    /// The supplier's id.
    pub id: SupplierId,
    /// Its name, if recorded.
    pub name: Option<String>,
    /// Its category, if recorded.
    pub category: Option<Category>,
    /// Its status, if recorded.
    pub status: Option<Status>,
    /// Its stored version.
    pub version: i64,
    /// Whether it is archived.
    pub archived: bool,
    /// Its verdict on the evaluator's date.
    pub verdict: Verdict,
    /// Its tier.
    pub tier: Option<Tier>,
    /// The earliest date something falls due.
    pub next_due: Option<Date>,
}

/// One page of summaries and how many suppliers match in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryPage {
    /// The page's suppliers, in order.
    pub items: Vec<SupplierSummary>,
    /// How many suppliers match the filters, on every page.
    pub total: u64,
}

/// Stored evaluations and the list query.
#[async_trait]
pub trait EvaluationStore: Send + Sync {
    /// Recomputes every row not evaluated by `evaluator` (a new day, a new policy, or written
    /// since), in batches; a row written meanwhile keeps the write and is picked up again.
    /// Returns how many rows were recomputed.
    async fn refresh_evaluations(&self, evaluator: &Evaluator) -> Result<u64, StoreError>;

    /// One page of suppliers, filtered and sorted on their evaluations by `evaluator` (rows
    /// of another date or policy are refreshed first), with the total that match.
    async fn query_suppliers(
        &self,
        query: &SupplierQuery,
        evaluator: &Evaluator,
    ) -> Result<SupplierPage, StoreError>;

    /// The page [`EvaluationStore::query_suppliers`] answers, as summary rows (no documents).
    /// Recent pages are kept in memory and answered again while nothing was written to the
    /// suppliers or their evaluations, by any process, and `evaluator`'s key is the same
    /// (shared, hence the `Arc`).
    async fn query_summaries(
        &self,
        query: &SupplierQuery,
        evaluator: &Evaluator,
    ) -> Result<Arc<SummaryPage>, StoreError>;

    /// The list's change counter (see [`crate::page_cache`]): it changes in the transaction of
    /// every write of a supplier or of a stored evaluation, by any process on the database.
    /// The same number read twice means nothing was written in between, so a cache of anything
    /// derived from the register can be keyed by it. One single-row read: cheap enough for
    /// every request. It only ever tells equal from different (a restored backup may bring
    /// back an older number).
    async fn list_generation(&self) -> Result<i64, StoreError>;
}

/// A projection as the row's columns hold it.
pub(crate) struct EvaluationRow {
    pub verdict: &'static str,
    pub verdict_rank: i64,
    pub tier: Option<&'static str>,
    pub tier_rank: Option<i64>,
    pub next_due: Option<String>,
    pub countries: String,
    pub search: String,
    pub rules: String,
}

impl From<Projection> for EvaluationRow {
    fn from(p: Projection) -> EvaluationRow {
        EvaluationRow {
            verdict: p.verdict.as_str(),
            verdict_rank: p.verdict.badness_rank() as i64,
            tier: p.tier.map(Tier::as_str),
            tier_rank: p
                .tier
                .and_then(|t| Tier::ALL.iter().position(|x| *x == t))
                .map(|r| r as i64),
            next_due: p.next_due.map(format_date),
            countries: format!(",{},", p.countries.join(",")),
            search: p.search,
            rules: format!(",{},", p.rules.join(",")),
        }
    }
}

/// The column a page sorts by (of `supplier_evaluations e`), and whether it can be NULL (then
/// NULLs go last, which costs `SQLite` its index order).
pub(crate) fn sort_column(sort: SortKey) -> (&'static str, bool) {
    match sort {
        SortKey::Register => ("e.position", false),
        SortKey::Name => ("e.name", true),
        SortKey::Id => ("e.id", false),
        SortKey::Verdict => ("e.verdict_rank", false),
        SortKey::Tier => ("e.tier_rank", true),
        SortKey::NextDue => ("e.next_due", true),
        SortKey::Updated => ("e.updated_at", false),
    }
}

/// `ORDER BY …` of a page over `alias`'s columns `sort_key` and `position`: the sort key,
/// then register order, both in the query's direction (so one index serves each sort).
pub(crate) fn order_by(query: &SupplierQuery, sort_key: &str, position: &str) -> String {
    let direction = if query.descending { "DESC" } else { "ASC" };
    let (_, nullable) = sort_column(query.sort);
    if query.sort == SortKey::Register {
        return format!("ORDER BY {position} {direction}");
    }
    let nulls = if nullable { " NULLS LAST" } else { "" };
    format!("ORDER BY {sort_key} {direction}{nulls}, {position} {direction}")
}

/// The page's one statement: the page is chosen on the narrow `supplier_evaluations e` (so
/// skipping `offset` rows never touches a supplier document), then joined to `suppliers s`
/// for its documents. Selects `id, version, doc, archived, verdict, tier, next_due, total`;
/// `doc` is `doc_column` (`s.doc`, or `s.doc::text`), the limit and offset are the parameters
/// `limit` and `offset`.
pub(crate) fn page_sql(
    query: &SupplierQuery,
    filters: &Where,
    doc_column: &str,
    limit: &str,
    offset: &str,
) -> String {
    let (column, _) = sort_column(query.sort);
    let where_ = &filters.sql;
    format!(
        "SELECT s.id, s.version, {doc_column}, s.archived, p.verdict, p.tier, p.next_due, \
         p.total FROM (SELECT e.id, e.verdict, e.tier, e.next_due, e.position, \
         {column} AS sort_key, \
         (SELECT COUNT(*) FROM supplier_evaluations e WHERE {where_}) AS total \
         FROM supplier_evaluations e WHERE {where_} {inner} LIMIT {limit} OFFSET {offset}) p \
         JOIN suppliers s ON s.id = p.id {outer}",
        inner = order_by(query, column, "e.position"),
        outer = order_by(query, "p.sort_key", "p.position"),
    )
}

/// The statement of a summary page, on `supplier_evaluations e` alone: selects `id, name,
/// category, status, version, archived, verdict, tier, next_due`, then `total` (the count as a
/// scalar sub-query) when `with_total`; the limit and offset are the parameters `limit` and
/// `offset`.
pub(crate) fn summary_sql(
    query: &SupplierQuery,
    filters: &Where,
    with_total: bool,
    limit: &str,
    offset: &str,
) -> String {
    let (column, _) = sort_column(query.sort);
    let where_ = &filters.sql;
    let total = if with_total {
        format!(", (SELECT COUNT(*) FROM supplier_evaluations e WHERE {where_}) AS total")
    } else {
        String::new()
    };
    format!(
        "SELECT e.id, e.name, e.category, e.status, e.version, e.archived, e.verdict, e.tier, \
         e.next_due{total} FROM supplier_evaluations e WHERE {where_} {order} \
         LIMIT {limit} OFFSET {offset}",
        order = order_by(query, column, "e.position"),
    )
}

/// Counts what `filters` select, for a page past the end.
pub(crate) fn count_sql(filters: &Where) -> String {
    format!(
        "SELECT COUNT(*) FROM supplier_evaluations e WHERE {}",
        filters.sql
    )
}

/// A bound value of a [`Where`].
#[derive(Debug)]
pub(crate) enum Param {
    Bool(bool),
    Text(String),
    Texts(Vec<&'static str>),
}

/// The conditions of the active filters only (so the planner sees no dead `OR`s), with their
/// parameters in order; `placeholder(n)` writes the `n`th (from 1), `any_of(p)` tests
/// `e.verdict` against a list parameter, `contains(column, p)` tests for a substring.
pub(crate) struct Where {
    pub sql: String,
    pub params: Vec<Param>,
}

impl Where {
    pub fn of(
        q: &SupplierQuery,
        placeholder: impl Fn(usize) -> String,
        any_of: impl Fn(&str) -> String,
        contains: impl Fn(&str, &str) -> String,
    ) -> Where {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        let mut add = |template: &dyn Fn(&str) -> String, param: Param| {
            params.push(param);
            conditions.push(template(&placeholder(params.len())));
        };
        if let Some(archived) = q.archived {
            add(&|p| format!("e.archived = {p}"), Param::Bool(archived));
        }
        if !q.verdicts.is_empty() {
            add(
                &|p| any_of(p),
                Param::Texts(q.verdicts.iter().map(|v| v.as_str()).collect()),
            );
        }
        if let Some(Some(tier)) = q.tier {
            add(
                &|p| format!("e.tier = {p}"),
                Param::Text(tier.as_str().into()),
            );
        }
        if let Some(category) = q.category {
            add(
                &|p| format!("e.category = {p}"),
                Param::Text(category.as_str().into()),
            );
        }
        if let Some(status) = q.status {
            add(
                &|p| format!("e.status = {p}"),
                Param::Text(status.as_str().into()),
            );
        }
        if let Some(country) = &q.country {
            let code = format!(",{},", country.trim().to_ascii_uppercase());
            add(&|p| contains("e.countries", p), Param::Text(code));
        }
        if let Some(search) = q.search.as_ref().map(|s| s.trim().to_lowercase())
            && !search.is_empty()
        {
            add(&|p| contains("e.search", p), Param::Text(search));
        }
        if let Some(rule) = q.rule.as_ref().map(|r| r.trim())
            && !rule.is_empty()
        {
            add(
                &|p| contains("e.rules", p),
                Param::Text(format!(",{rule},")),
            );
        }
        if q.tier == Some(None) {
            conditions.push("e.tier IS NULL".to_string());
        }
        // Both archived and not, without another filter: every row.
        if conditions.is_empty() {
            conditions.push("1 = 1".to_string());
        }
        Where {
            sql: conditions.join(" AND "),
            params,
        }
    }
}

impl Where {
    /// What selects the same rows in the same statement text: the page cache's key of the
    /// total (the backend's `Where` and its parameters; one cache per backend store).
    pub fn cache_key(&self) -> String {
        format!("{}\u{0}{:?}", self.sql, self.params)
    }
}

/// The page cache's key of a page: its statement's filters and parameters, order and bounds.
pub(crate) fn page_key(query: &SupplierQuery, filters: &Where) -> String {
    let (limit, offset) = limit_offset(query);
    format!(
        "{}\u{0}{}\u{0}{limit}\u{0}{offset}",
        filters.cache_key(),
        order_by(query, sort_column(query.sort).0, "e.position")
    )
}

/// `LIMIT` and `OFFSET` of a query, capped.
pub(crate) fn limit_offset(q: &SupplierQuery) -> (i64, i64) {
    (
        i64::from(q.limit.min(MAX_LIMIT)),
        i64::try_from(q.offset).unwrap_or(i64::MAX),
    )
}

/// A listed supplier from its stored supplier and evaluation columns.
pub(crate) fn listed(
    stored: StoredSupplier,
    verdict: &str,
    tier: Option<&str>,
    next_due: Option<&str>,
) -> Result<ListedSupplier, StoreError> {
    let id = stored.supplier.id.to_string();
    let bad = |what: &str| {
        StoreError::other(
            format!("reading the evaluation of supplier `{id}`"),
            format!("the stored {what} is not one"),
        )
    };
    Ok(ListedSupplier {
        verdict: Verdict::parse(verdict).ok_or_else(|| bad("verdict"))?,
        tier: tier
            .map(|t| Tier::parse(t).ok_or_else(|| bad("tier")))
            .transpose()?,
        next_due: next_due
            .map(|d| vetted_core::date::parse_date(d).ok_or_else(|| bad("due date")))
            .transpose()?,
        stored,
    })
}

/// A summary from the narrow table's columns, as the page statements select them.
#[expect(clippy::too_many_arguments, reason = "one argument per column")]
pub(crate) fn summary(
    id: &str,
    name: Option<String>,
    category: Option<&str>,
    status: Option<&str>,
    version: i64,
    archived: bool,
    verdict: &str,
    tier: Option<&str>,
    next_due: Option<&str>,
) -> Result<SupplierSummary, StoreError> {
    let bad = |what: &str| {
        StoreError::other(
            format!("reading the summary of supplier `{id}`"),
            format!("the stored {what} is not one"),
        )
    };
    Ok(SupplierSummary {
        id: SupplierId::parse(id).map_err(|_| bad("id"))?,
        name,
        category: category
            .map(|c| Category::parse(c).ok_or_else(|| bad("category")))
            .transpose()?,
        status: status
            .map(|s| Status::parse(s).ok_or_else(|| bad("status")))
            .transpose()?,
        version,
        archived,
        verdict: Verdict::parse(verdict).ok_or_else(|| bad("verdict"))?,
        tier: tier
            .map(|t| Tier::parse(t).ok_or_else(|| bad("tier")))
            .transpose()?,
        next_due: next_due
            .map(|d| vetted_core::date::parse_date(d).ok_or_else(|| bad("due date")))
            .transpose()?,
    })
}

/// `a` against `b` in the direction `directed` gives, missing values last whichever the
/// direction (`NULLS LAST`).
fn present_first<T: Ord>(
    a: Option<T>,
    b: Option<T>,
    directed: impl Fn(Ordering) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => directed(a.cmp(&b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The page [`EvaluationStore::query_summaries`] answers, for a register held in memory rather
/// than stored: `records` (register order, archived ones included; the register as recorded
/// at a past moment, `vetted_core::history`), each evaluated under `policy` on `as_of`
/// ([`project`], as the stored rows are), then filtered, sorted and paged by the rules of the
/// stores' statements (any of the verdicts, tier `None` for none, the country among the
/// locations', search in the projection's lower-case text, the rule among the failing or
/// warning ones; the sort key with missing values last in either direction, ties in register
/// order in the query's direction). CPU-bound: call it off the async threads.
pub fn summaries_in_memory(
    records: &[vetted_core::history::RecordedSupplier],
    query: &SupplierQuery,
    policy: &Policy,
    as_of: Date,
) -> SummaryPage {
    let all = matching_in_memory(records, query, policy, as_of);
    let total = all.len() as u64;
    let (limit, offset) = limit_offset(query);
    let items = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    SummaryPage { items, total }
}

/// Every supplier of `records` that [`summaries_in_memory`] pages, in its order (the query's
/// `limit` and `offset` are not applied): what an export of the view holds.
pub fn matching_in_memory(
    records: &[vetted_core::history::RecordedSupplier],
    query: &SupplierQuery,
    policy: &Policy,
    as_of: Date,
) -> Vec<SupplierSummary> {
    let search = query
        .search
        .as_ref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let rule = query
        .rule
        .as_ref()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty());
    let country = query
        .country
        .as_ref()
        .map(|c| c.trim().to_ascii_uppercase());
    let mut rows: Vec<(usize, &vetted_core::history::RecordedSupplier, Projection)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| query.archived.is_none_or(|a| r.archived == a))
        .filter(|(_, r)| {
            query
                .category
                .is_none_or(|c| r.supplier.category == Some(c))
                && query.status.is_none_or(|s| r.supplier.status == Some(s))
        })
        .map(|(i, r)| (i, r, project(&r.supplier, policy, as_of)))
        .filter(|(_, _, p)| {
            (query.verdicts.is_empty() || query.verdicts.contains(&p.verdict))
                && query.tier.is_none_or(|t| p.tier == t)
                && country
                    .as_ref()
                    .is_none_or(|c| p.countries.iter().any(|x| x == c))
                && search
                    .as_ref()
                    .is_none_or(|s| p.search.contains(s.as_str()))
                && rule.is_none_or(|rule| p.rules.iter().any(|x| x == rule))
        })
        .collect();
    let descending = query.descending;
    let directed = |o: Ordering| if descending { o.reverse() } else { o };
    let tier_rank = |p: &Projection| p.tier.and_then(|t| Tier::ALL.iter().position(|x| *x == t));
    rows.sort_by(|(ia, ra, pa), (ib, rb, pb)| {
        let by_key = match query.sort {
            SortKey::Register => Ordering::Equal,
            SortKey::Name => present_first(
                ra.supplier.name.as_deref(),
                rb.supplier.name.as_deref(),
                directed,
            ),
            SortKey::Id => directed(ra.supplier.id.as_str().cmp(rb.supplier.id.as_str())),
            SortKey::Verdict => directed(pa.verdict.badness_rank().cmp(&pb.verdict.badness_rank())),
            SortKey::Tier => present_first(tier_rank(pa), tier_rank(pb), directed),
            SortKey::NextDue => present_first(pa.next_due, pb.next_due, directed),
            // The time the trail recorded (the stores keep their own clock's, to the second
            // on SQLite: the same moments, but changes within one second may order apart).
            SortKey::Updated => directed(ra.updated.cmp(&rb.updated)),
        };
        by_key.then_with(|| directed(ia.cmp(ib)))
    });
    rows.into_iter()
        .map(|(_, r, p)| SupplierSummary {
            id: r.supplier.id.clone(),
            name: r.supplier.name.clone(),
            category: r.supplier.category,
            status: r.supplier.status,
            version: r.version,
            archived: r.archived,
            verdict: p.verdict,
            tier: p.tier,
            next_due: p.next_due,
        })
        .collect()
}
