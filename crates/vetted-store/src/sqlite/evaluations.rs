//! Stored evaluations and the list query on `SQLite` (see [`crate::evaluations`]).

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};
use vetted_core::model::Supplier;

use super::{SqliteStore, stored_supplier};
use crate::error::context;
use crate::evaluations::{
    EvaluationRow, Evaluator, Filters, REFRESH_BATCH, SupplierPage, SupplierQuery, listed,
    sort_column,
};
use crate::{EvaluationStore, StoreError};

/// The filters, parameters ?1 to ?7 (see [`Filters`]).
const FILTER: &str = "archived = ?1 \
    AND (?2 IS NULL OR verdict IN (SELECT value FROM json_each(?2))) \
    AND (?3 IS NULL OR tier = ?3) AND (?4 IS NULL OR category = ?4) \
    AND (?5 IS NULL OR status = ?5) AND (?6 IS NULL OR instr(countries, ?6) > 0) \
    AND (?7 IS NULL OR instr(search, ?7) > 0)";

/// Whether every row carries `key`: the smallest and largest keys are index probes.
const FRESH: &str = "SELECT (SELECT MIN(evaluation_key) FROM suppliers), \
    (SELECT MAX(evaluation_key) FROM suppliers), \
    EXISTS (SELECT 1 FROM suppliers WHERE evaluation_key IS NULL)";

impl SqliteStore {
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
impl EvaluationStore for SqliteStore {
    async fn refresh_evaluations(&self, evaluator: &Evaluator) -> Result<u64, StoreError> {
        let key = evaluator.key();
        let mut refreshed = 0;
        loop {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT id, version, doc FROM suppliers \
                 WHERE evaluation_key IS NULL OR evaluation_key <> ?1 LIMIT ?2",
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

            let mut tx = self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(context("storing evaluations"))?;
            for (id, version, row) in &evaluated {
                // A row written since it was read keeps the write (and no key): next round.
                refreshed += sqlx::query(
                    "UPDATE suppliers SET verdict = ?1, verdict_rank = ?2, tier = ?3, \
                     tier_rank = ?4, next_due = ?5, countries = ?6, search = ?7, \
                     evaluation_key = ?8 WHERE id = ?9 AND version = ?10",
                )
                .bind(row.verdict)
                .bind(row.verdict_rank)
                .bind(row.tier)
                .bind(row.tier_rank)
                .bind(row.next_due.as_deref())
                .bind(row.countries.as_str())
                .bind(row.search.as_str())
                .bind(&key)
                .bind(id.as_str())
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(context(format!("storing the evaluation of `{id}`")))?
                .rows_affected();
            }
            tx.commit().await.map_err(context("storing evaluations"))?;
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
        let column = sort_column(query.sort, "name");
        let sql = format!(
            "SELECT id, version, doc, archived, verdict, tier, next_due, \
             (SELECT COUNT(*) FROM suppliers WHERE {FILTER}) \
             FROM suppliers WHERE {FILTER} \
             ORDER BY {column} {direction} NULLS LAST, position {direction} LIMIT ?8 OFFSET ?9"
        );
        let verdicts = f
            .verdicts
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(context("encoding the verdicts"))?;
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(f.archived)
            .bind(verdicts)
            .bind(f.tier)
            .bind(f.category)
            .bind(f.status)
            .bind(f.country.as_deref())
            .bind(f.search.as_deref())
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
            None => sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM suppliers WHERE {FILTER}"
            )))
            .bind(f.archived)
            .bind(
                f.verdicts
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(context("encoding the verdicts"))?,
            )
            .bind(f.tier)
            .bind(f.category)
            .bind(f.status)
            .bind(f.country.as_deref())
            .bind(f.search.as_deref())
            .fetch_one(&self.pool)
            .await
            .map_err(context("counting suppliers"))?,
        };
        Ok(SupplierPage {
            items,
            total: u64::try_from(total).map_err(context("counting suppliers"))?,
        })
    }
}
