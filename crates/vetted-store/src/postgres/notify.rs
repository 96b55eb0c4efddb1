//! [`NotifyStore`] in `PostgreSQL`: the `deliveries` and `reminder_claims` tables (migration
//! 0008). Claims go in with one statement per digest (`UNNEST`); two servers claiming at once
//! meet on the primary key, and the second's insert does nothing. Leases skip rows another
//! server holds locked (`FOR UPDATE SKIP LOCKED`), so each delivery goes to one sender.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use time::{Duration, OffsetDateTime};

use super::PostgresStore;
use crate::StoreError;
use crate::error::context;
use crate::notify::{
    self, COLUMNS, Claim, Delivery, NewDelivery, NotifyStore, Outcome, Render, micros,
};

fn row_delivery(row: &PgRow) -> Result<Delivery, StoreError> {
    let g = |e| context("reading a delivery")(e);
    notify::delivery(
        row.try_get(0).map_err(g)?,
        &row.try_get::<String, _>(1).map_err(g)?,
        row.try_get(2).map_err(g)?,
        row.try_get(3).map_err(g)?,
        row.try_get(4).map_err(g)?,
        i64::from(row.try_get::<i32, _>(5).map_err(g)?),
        &row.try_get::<String, _>(6).map_err(g)?,
        i64::from(row.try_get::<i32, _>(7).map_err(g)?),
        row.try_get(8).map_err(g)?,
        row.try_get(9).map_err(g)?,
        row.try_get(10).map_err(g)?,
        row.try_get(11).map_err(g)?,
    )
}

async fn insert(
    conn: &mut sqlx::PgConnection,
    d: &NewDelivery,
    at: OffsetDateTime,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO deliveries (kind, recipient, subject, payload, items, status, attempts, \
         next_attempt_us, created_us) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
         RETURNING id",
    )
    .bind(d.kind.as_str())
    .bind(&d.recipient)
    .bind(&d.subject)
    .bind(&d.payload)
    .bind(i32::try_from(d.items).unwrap_or(i32::MAX))
    .bind(micros(at))
    .fetch_one(conn)
    .await
    .map_err(context(format!("queueing a message to {}", d.recipient)))
}

/// The indexes of `claims` whose (key, window) is in `taken`, first occurrence only.
fn indexes(claims: &[Claim], taken: &[(String, String)]) -> Vec<usize> {
    let mut first: HashMap<(&str, &str), usize> = HashMap::with_capacity(claims.len());
    for (i, (k, w)) in claims.iter().enumerate() {
        first.entry((k.as_str(), w.as_str())).or_insert(i);
    }
    let mut out: Vec<usize> = taken
        .iter()
        .filter_map(|(k, w)| first.get(&(k.as_str(), w.as_str())).copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[async_trait]
impl NotifyStore for PostgresStore {
    async fn queue_digest(
        &self,
        recipient: &str,
        claims: &[Claim],
        at: OffsetDateTime,
        render: &Render<'_>,
    ) -> Result<Option<(i64, Vec<usize>)>, StoreError> {
        let what = || format!("queueing reminders to {recipient}");
        let mut tx = self.pool.begin().await.map_err(context(what()))?;
        let placeholder = NewDelivery {
            kind: notify::DeliveryKind::Digest,
            recipient: recipient.to_string(),
            subject: String::new(),
            payload: String::new(),
            items: 0,
        };
        let id = insert(&mut tx, &placeholder, at).await?;
        let keys: Vec<&str> = claims.iter().map(|(k, _)| k.as_str()).collect();
        let windows: Vec<&str> = claims.iter().map(|(_, w)| w.as_str()).collect();
        let rows = sqlx::query(
            "INSERT INTO reminder_claims (recipient, item_key, win, delivery_id) \
             SELECT $1, k, w, $2 FROM UNNEST($3::text[], $4::text[]) AS c(k, w) \
             ON CONFLICT DO NOTHING RETURNING item_key, win",
        )
        .bind(recipient)
        .bind(id)
        .bind(&keys)
        .bind(&windows)
        .fetch_all(&mut *tx)
        .await
        .map_err(context(what()))?;
        let taken = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>, sqlx::Error>>()
            .map_err(context(what()))?;
        let fresh = indexes(claims, &taken);
        if fresh.is_empty() {
            tx.rollback().await.map_err(context(what()))?;
            return Ok(None);
        }
        let d = render(&fresh).map_err(|e| StoreError::other(what(), e))?;
        sqlx::query("UPDATE deliveries SET subject = $1, payload = $2, items = $3 WHERE id = $4")
            .bind(&d.subject)
            .bind(&d.payload)
            .bind(i32::try_from(d.items).unwrap_or(i32::MAX))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(context(what()))?;
        tx.commit().await.map_err(context(what()))?;
        Ok(Some((id, fresh)))
    }

    async fn unclaimed(&self, recipient: &str, claims: &[Claim]) -> Result<Vec<usize>, StoreError> {
        let keys: Vec<&str> = claims.iter().map(|(k, _)| k.as_str()).collect();
        let windows: Vec<&str> = claims.iter().map(|(_, w)| w.as_str()).collect();
        let rows = sqlx::query(
            "SELECT k, w FROM UNNEST($2::text[], $3::text[]) AS c(k, w) WHERE NOT EXISTS \
             (SELECT 1 FROM reminder_claims r WHERE r.recipient = $1 AND r.item_key = c.k \
              AND r.win = c.w)",
        )
        .bind(recipient)
        .bind(&keys)
        .bind(&windows)
        .fetch_all(&self.pool)
        .await
        .map_err(context("reading reminder claims"))?;
        let free = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>, sqlx::Error>>()
            .map_err(context("reading reminder claims"))?;
        Ok(indexes(claims, &free))
    }

    async fn queue(&self, delivery: &NewDelivery, at: OffsetDateTime) -> Result<i64, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("queueing a message"))?;
        insert(&mut conn, delivery, at).await
    }

    async fn lease_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE deliveries SET status = 'sending', lease_until_us = $1, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM deliveries WHERE \
               (status = 'pending' AND next_attempt_us <= $2) \
               OR (status = 'sending' AND lease_until_us <= $2) \
             ORDER BY next_attempt_us, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        )))
        .bind(micros(now + lease))
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(context("leasing deliveries"))?;
        let mut out = rows
            .iter()
            .map(row_delivery)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|d| (d.next_attempt_at, d.id));
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        id: i64,
        outcome: &Outcome,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let q = match outcome {
            Outcome::Sent => sqlx::query(
                "UPDATE deliveries SET status = 'sent', sent_us = $2, lease_until_us = NULL, \
                 last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(micros(now)),
            Outcome::Retry { error, at } => sqlx::query(
                "UPDATE deliveries SET status = 'pending', next_attempt_us = $2, \
                 lease_until_us = NULL, last_error = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(micros(*at))
            .bind(error),
            Outcome::Failed { error } => sqlx::query(
                "UPDATE deliveries SET status = 'failed', lease_until_us = NULL, last_error = $2 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error),
        };
        q.execute(&self.pool)
            .await
            .map_err(context(format!("recording delivery {id}")))?;
        Ok(())
    }

    async fn retry_delivery(&self, id: i64, now: OffsetDateTime) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE deliveries SET status = 'pending', next_attempt_us = $2 \
             WHERE id = $1 AND status = 'failed'",
        )
        .bind(id)
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(context(format!("retrying delivery {id}")))?
        .rows_affected();
        Ok(n == 1)
    }

    async fn list_deliveries(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM deliveries WHERE id < $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(context("listing deliveries"))?;
        rows.iter().map(row_delivery).collect()
    }

    async fn find_delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM deliveries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(context(format!("reading delivery {id}")))?;
        row.as_ref().map(row_delivery).transpose()
    }
}
