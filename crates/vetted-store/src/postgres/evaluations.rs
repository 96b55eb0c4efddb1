//! Stored evaluations and the list query on `PostgreSQL` (see [`crate::evaluations`]).

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, Postgres, Row};
use vetted_core::model::Supplier;

use super::{PostgresStore, WRITE_LOCK, stored_supplier};
use crate::error::context;
use crate::evaluations::{
    EvaluationRow, Evaluator, Param, REFRESH_BATCH, SummaryPage, SupplierPage, SupplierQuery,
    Where, count_sql, limit_offset, listed, page_key, page_sql, summary, summary_sql,
};
use crate::page_cache::{ListState, REFRESH_ROUNDS, STATE_SQL};
use crate::{EvaluationStore, StoreError};

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

fn bind<'q>(mut query: Query<'q>, params: &'q [Param]) -> Query<'q> {
    for param in params {
        query = match param {
            Param::Bool(b) => query.bind(*b),
            Param::Text(t) => query.bind(t.as_str()),
            Param::Texts(list) => query.bind(list.clone()),
        };
    }
    query
}

fn filters(query: &SupplierQuery) -> Where {
    Where::of(
        query,
        |n| format!("${n}"),
        |p| format!("e.verdict = ANY({p}::text[])"),
        |column, p| format!("strpos({column}, {p}) > 0"),
    )
}

impl PostgresStore {
    /// The change counter and the evaluation keys' freshness, in one statement.
    async fn list_state(&self) -> Result<ListState, StoreError> {
        sqlx::query_as(STATE_SQL)
            .fetch_one(&self.pool)
            .await
            .map(ListState::from_row)
            .map_err(context("checking the stored evaluations"))
    }

    /// The state once every row carries `evaluator`'s key, refreshing as needed; a state that
    /// is still not fresh after [`REFRESH_ROUNDS`] (a writer keeps writing) is answered as is.
    async fn fresh_state(&self, evaluator: &Evaluator) -> Result<ListState, StoreError> {
        let key = evaluator.key();
        let mut state = self.list_state().await?;
        for _ in 0..REFRESH_ROUNDS {
            if state.is_fresh(&key) {
                break;
            }
            self.refresh_evaluations(evaluator).await?;
            state = self.list_state().await?;
        }
        Ok(state)
    }

    /// A summary page from the database; `known_total` spares the count.
    async fn read_summaries(
        &self,
        query: &SupplierQuery,
        filters: &Where,
        known_total: Option<u64>,
    ) -> Result<SummaryPage, StoreError> {
        let (limit, offset) = limit_offset(query);
        let n = filters.params.len();
        let sql = summary_sql(
            query,
            filters,
            known_total.is_none(),
            &format!("${}", n + 1),
            &format!("${}", n + 2),
        );
        let rows = bind(sqlx::query(AssertSqlSafe(sql)), &filters.params)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .map_err(context("listing suppliers"))?;
        let read = |e| context("reading a supplier row")(e);
        let mut total = known_total.map(|t| i64::try_from(t).unwrap_or(i64::MAX));
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            if known_total.is_none() {
                total = Some(row.try_get::<i64, _>(9).map_err(read)?);
            }
            items.push(summary(
                row.try_get(0).map_err(read)?,
                row.try_get(1).map_err(read)?,
                row.try_get(2).map_err(read)?,
                row.try_get(3).map_err(read)?,
                row.try_get(4).map_err(read)?,
                row.try_get(5).map_err(read)?,
                row.try_get(6).map_err(read)?,
                row.try_get(7).map_err(read)?,
                row.try_get(8).map_err(read)?,
            )?);
        }
        let total = match total {
            Some(total) => total,
            // A page past the end: count on its own.
            None => bind(
                sqlx::query(AssertSqlSafe(count_sql(filters))),
                &filters.params,
            )
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .map_err(context("counting suppliers"))?,
        };
        Ok(SummaryPage {
            items,
            total: u64::try_from(total).map_err(context("counting suppliers"))?,
        })
    }
}

#[async_trait]
impl EvaluationStore for PostgresStore {
    async fn refresh_evaluations(&self, evaluator: &Evaluator) -> Result<u64, StoreError> {
        let key = evaluator.key();
        let mut refreshed = 0;
        loop {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT s.id, s.version, s.doc::text FROM supplier_evaluations e \
                 JOIN suppliers s ON s.id = e.id \
                 WHERE e.evaluation_key IS NULL OR e.evaluation_key <> $1 LIMIT $2",
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

            // One statement per batch; a supplier written since it was read keeps the write
            // (and no key) and is evaluated again next round. It holds the writers' lock: its
            // statement trigger raises the list's change counter, whose row lock a writer
            // holds to its end, so the two must queue in one order or they could deadlock.
            let mut tx = self
                .pool
                .begin()
                .await
                .map_err(context("storing evaluations"))?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(context("waiting for writers to finish"))?;
            refreshed += sqlx::query(
                "UPDATE supplier_evaluations AS s SET verdict = e.verdict, \
                 verdict_rank = e.verdict_rank, tier = e.tier, tier_rank = e.tier_rank, \
                 next_due = e.next_due, countries = e.countries, search = e.search, \
                 rules = e.rules, evaluation_key = $11 \
                 FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], \
                             $6::int4[], $7::text[], $8::text[], $9::text[], $10::text[]) \
                      AS e (id, version, verdict, verdict_rank, tier, tier_rank, next_due, \
                            countries, search, rules) \
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
            .bind(
                evaluated
                    .iter()
                    .map(|(_, _, r)| r.rules.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(&key)
            .execute(&mut *tx)
            .await
            .map_err(context("storing evaluations"))?
            .rows_affected();
            tx.commit().await.map_err(context("storing evaluations"))?;
        }
    }

    async fn query_suppliers(
        &self,
        query: &SupplierQuery,
        evaluator: &Evaluator,
    ) -> Result<SupplierPage, StoreError> {
        self.fresh_state(evaluator).await?;
        let filters = filters(query);
        let (limit, offset) = limit_offset(query);
        let n = filters.params.len();
        let sql = page_sql(
            query,
            &filters,
            "s.doc::text",
            &format!("${}", n + 1),
            &format!("${}", n + 2),
        );
        let count = count_sql(&filters);
        let rows = bind(sqlx::query(AssertSqlSafe(sql)), &filters.params)
            .bind(limit)
            .bind(offset)
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
            None => bind(sqlx::query(AssertSqlSafe(count)), &filters.params)
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

    async fn list_generation(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT generation FROM list_generation WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(context("reading the list's change counter"))
    }

    async fn query_summaries(
        &self,
        query: &SupplierQuery,
        evaluator: &Evaluator,
    ) -> Result<Arc<SummaryPage>, StoreError> {
        let state = self.fresh_state(evaluator).await?;
        let key = evaluator.key();
        let filters = filters(query);
        if !state.is_fresh(&key) {
            return Ok(Arc::new(self.read_summaries(query, &filters, None).await?));
        }
        let page_key = page_key(query, &filters);
        if let Some(page) = self.cache.page(state.generation, &key, &page_key) {
            return Ok(page);
        }
        let total_key = filters.cache_key();
        let known_total = self.cache.total(state.generation, &key, &total_key);
        let page = Arc::new(self.read_summaries(query, &filters, known_total).await?);
        self.cache.keep(
            state.generation,
            &key,
            page_key,
            total_key,
            Arc::clone(&page),
        );
        Ok(page)
    }
}
