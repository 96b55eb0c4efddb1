//! Stored evaluations and the list query on `PostgreSQL` (see [`crate::evaluations`]).

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};
use vetted_core::model::Supplier;

use super::{PostgresStore, stored_supplier};
use crate::error::context;
use crate::evaluations::{
    EvaluationRow, Evaluator, Filters, REFRESH_BATCH, SupplierPage, SupplierQuery, listed,
    sort_column,
};
use crate::{EvaluationStore, StoreError};

/// The filters, parameters $1 to $7 (see [`Filters`]).
const FILTER: &str = "archived = $1 \
    AND ($2::text[] IS NULL OR verdict = ANY($2)) \
    AND ($3::text IS NULL OR tier = $3) AND ($4::text IS NULL OR category = $4) \
    AND ($5::text IS NULL OR status = $5) AND ($6::text IS NULL OR strpos(countries, $6) > 0) \
    AND ($7::text IS NULL OR strpos(search, $7) > 0)";

/// Whether every row carries `key`: the smallest and largest keys are index probes.
const FRESH: &str = "SELECT (SELECT MIN(evaluation_key) FROM suppliers), \
    (SELECT MAX(evaluation_key) FROM suppliers), \
    EXISTS (SELECT 1 FROM suppliers WHERE evaluation_key IS NULL)";

impl PostgresStore {
    async fn is_fresh(&self, key: &str) -> Result<bool, StoreError> {
        let (min, max, stale): (Option<String>, Option<String>, bool) = sqlx::query_as(FRESH)
            .fetch_one(&self.pool)
            .await
            .map_err(context("checking the stored evaluations"))?;
        Ok(!stale
            && min.as_deref().is_none_or(|m| m == key)
            && max.as_deref().is_none_or(|m| m == key))
    }
}

#[async_trait]
impl EvaluationStore for PostgresStore {
    async fn refresh_evaluations(&self, evaluator: &Evaluator) -> Result<u64, StoreError> {
        let key = evaluator.key();
        let mut refreshed = 0;
        loop {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT id, version, doc::text FROM suppliers \
                 WHERE evaluation_key IS NULL OR evaluation_key <> $1 LIMIT $2",
            )
            .bind(&key)
            .bind(REFRESH_BATCH as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(context("reading suppliers to evaluate"))?;
            if rows.is_empty() {
                return Ok(refreshed);
            }
            let owned = evaluator.clone();
            let evaluated = tokio::task::spawn_blocking(move || {
                rows.into_iter()
                    .map(|(id, version, doc)| {
                        let supplier: Supplier = serde_json::from_str(&doc)
                            .map_err(context(format!("decoding stored supplier `{id}`")))?;
                        Ok((id, version, EvaluationRow::from(owned.project(&supplier))))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await
            .map_err(context("evaluating suppliers"))??;
            // One statement per batch; a row written since it was read keeps the write (and
            // no key) and comes back next round.
            refreshed += sqlx::query(
                "UPDATE suppliers AS s SET verdict = e.verdict, verdict_rank = e.verdict_rank, \
                 tier = e.tier, tier_rank = e.tier_rank, next_due = e.next_due, \
                 countries = e.countries, search = e.search, evaluation_key = $10 \
                 FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], \
                             $6::int4[], $7::text[], $8::text[], $9::text[]) \
                      AS e (id, version, verdict, verdict_rank, tier, tier_rank, next_due, \
                            countries, search) \
                 WHERE s.id = e.id AND s.version = e.version",
            )
            .bind(
                evaluated
                    .iter()
                    .map(|(id, _, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(evaluated.iter().map(|(_, v, _)| *v).collect::<Vec<_>>())
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.verdict)
                    .collect::<Vec<_>>(),
            )
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.verdict_rank as i32)
                    .collect::<Vec<_>>(),
            )
            .bind(evaluated.iter().map(|(_, _, r)| r.tier).collect::<Vec<_>>())
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.tier_rank.map(|t| t as i32))
                    .collect::<Vec<_>>(),
            )
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.next_due.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.countries.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.search.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(&key)
            .execute(&self.pool)
            .await
            .map_err(context("storing evaluations"))?
            .rows_affected();
        }
    }

    async fn query_suppliers(
        &self,
        query: &SupplierQuery,
        evaluator: &Evaluator,
    ) -> Result<SupplierPage, StoreError> {
        if !self.is_fresh(&evaluator.key()).await? {
            self.refresh_evaluations(evaluator).await?;
        }
        let f = Filters::of(query);
        let direction = if query.descending { "DESC" } else { "ASC" };
        let column = sort_column(query.sort, "(name COLLATE \"C\")");
        let count = format!("SELECT COUNT(*) FROM suppliers WHERE {FILTER}");
        let sql = format!(
            "SELECT id, version, doc::text, archived, verdict, tier, next_due, ({count}) \
             FROM suppliers WHERE {FILTER} \
             ORDER BY {column} {direction} NULLS LAST, position {direction} LIMIT $8 OFFSET $9"
        );
        let bind = |q: sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments>| {
            q.bind(f.archived)
                .bind(f.verdicts.clone())
                .bind(f.tier)
                .bind(f.category)
                .bind(f.status)
                .bind(f.country.clone())
                .bind(f.search.clone())
        };
        let rows = bind(sqlx::query(AssertSqlSafe(sql)))
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(context("listing suppliers"))?;
        let mut total = None;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let read = |e| context("reading a supplier row")(e);
            total = Some(row.try_get::<i64, _>(7).map_err(read)?);
            items.push(listed(
                stored_supplier(row)?,
                row.try_get(4).map_err(read)?,
                row.try_get(5).map_err(read)?,
                row.try_get(6).map_err(read)?,
            )?);
        }
        let total = match total {
            Some(total) => total,
            // A page past the end: count on its own.
            None => bind(sqlx::query(AssertSqlSafe(count)))
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get::<i64, _>(0))
                .map_err(context("counting suppliers"))?,
        };
        Ok(SupplierPage {
            items,
            total: u64::try_from(total).map_err(context("counting suppliers"))?,
        })
    }
}
