//! [`NotifyStore`] in `SQLite`: the `deliveries` and `reminder_claims` tables (migration 0008).
//! Writes take the write lock up front (`BEGIN IMMEDIATE`), so a claim read and a claim written
//! are one step for every process on the file.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};
use time::{Duration, OffsetDateTime};

use super::SqliteStore;
use crate::StoreError;
use crate::error::context;
use crate::notify::{
    self, COLUMNS, Claim, Delivery, NewDelivery, NotifyStore, Outcome, Render, micros,
};

fn row_delivery(row: &SqliteRow) -> Result<Delivery, StoreError> {
    let what = || "reading a delivery";
    let g = |e| context(what())(e);
    notify::delivery(
        row.try_get(0).map_err(g)?,
        &row.try_get::<String, _>(1).map_err(g)?,
        row.try_get(2).map_err(g)?,
        row.try_get(3).map_err(g)?,
        row.try_get(4).map_err(g)?,
        row.try_get(5).map_err(g)?,
        &row.try_get::<String, _>(6).map_err(g)?,
        row.try_get(7).map_err(g)?,
        row.try_get(8).map_err(g)?,
        row.try_get(9).map_err(g)?,
        row.try_get(10).map_err(g)?,
        row.try_get(11).map_err(g)?,
    )
}

async fn insert(
    conn: &mut sqlx::SqliteConnection,
    d: &NewDelivery,
    at: OffsetDateTime,
) -> Result<i64, StoreError> {
    let at = micros(at);
    sqlx::query_scalar(
        "INSERT INTO deliveries (kind, recipient, subject, payload, items, status, attempts, \
         next_attempt_us, created_us) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6) \
         RETURNING id",
    )
    .bind(d.kind.as_str())
    .bind(&d.recipient)
    .bind(&d.subject)
    .bind(&d.payload)
    .bind(i64::from(d.items))
    .bind(at)
    .fetch_one(conn)
    .await
    .map_err(context(format!("queueing a message to {}", d.recipient)))
}

#[async_trait]
impl NotifyStore for SqliteStore {
    async fn queue_digest(
        &self,
        recipient: &str,
        claims: &[Claim],
        at: OffsetDateTime,
        render: &Render<'_>,
    ) -> Result<Option<(i64, Vec<usize>)>, StoreError> {
        let what = || format!("queueing reminders to {recipient}");
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(context(what()))?;
        // The delivery first, so that the claims can name it; rolled back when nothing is new.
        let placeholder = NewDelivery {
            kind: notify::DeliveryKind::Digest,
            recipient: recipient.to_string(),
            subject: String::new(),
            payload: String::new(),
            items: 0,
        };
        let id = insert(&mut tx, &placeholder, at).await?;
        let mut fresh = Vec::new();
        for (i, (key, window)) in claims.iter().enumerate() {
            let n = sqlx::query(
                "INSERT INTO reminder_claims (recipient, item_key, win, delivery_id) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )
            .bind(recipient)
            .bind(key)
            .bind(window)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(context(what()))?
            .rows_affected();
            if n == 1 {
                fresh.push(i);
            }
        }
        if fresh.is_empty() {
            tx.rollback().await.map_err(context(what()))?;
            return Ok(None);
        }
        let d = render(&fresh).map_err(|e| StoreError::other(what(), e))?;
        sqlx::query("UPDATE deliveries SET subject = ?1, payload = ?2, items = ?3 WHERE id = ?4")
            .bind(&d.subject)
            .bind(&d.payload)
            .bind(i64::from(d.items))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(context(what()))?;
        tx.commit().await.map_err(context(what()))?;
        Ok(Some((id, fresh)))
    }

    async fn unclaimed(&self, recipient: &str, claims: &[Claim]) -> Result<Vec<usize>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading reminder claims"))?;
        let mut out = Vec::new();
        for (i, (key, window)) in claims.iter().enumerate() {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM reminder_claims WHERE recipient = ?1 AND item_key = ?2 AND win = ?3",
            )
            .bind(recipient)
            .bind(key)
            .bind(window)
            .fetch_optional(&mut *conn)
            .await
            .map_err(context("reading reminder claims"))?;
            if taken.is_none() {
                out.push(i);
            }
        }
        Ok(out)
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
        let now_us = micros(now);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "UPDATE deliveries SET status = 'sending', lease_until_us = ?1, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM deliveries WHERE \
               (status = 'pending' AND next_attempt_us <= ?2) \
               OR (status = 'sending' AND lease_until_us <= ?2) \
             ORDER BY next_attempt_us, id LIMIT ?3) \
             RETURNING {COLUMNS}"
        )))
        .bind(micros(now + lease))
        .bind(now_us)
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
                "UPDATE deliveries SET status = 'sent', sent_us = ?2, lease_until_us = NULL, \
                 last_error = NULL WHERE id = ?1",
            )
            .bind(id)
            .bind(micros(now)),
            Outcome::Retry { error, at } => sqlx::query(
                "UPDATE deliveries SET status = 'pending', next_attempt_us = ?2, \
                 lease_until_us = NULL, last_error = ?3 WHERE id = ?1",
            )
            .bind(id)
            .bind(micros(*at))
            .bind(error),
            Outcome::Failed { error } => sqlx::query(
                "UPDATE deliveries SET status = 'failed', lease_until_us = NULL, last_error = ?2 \
                 WHERE id = ?1",
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
            "UPDATE deliveries SET status = 'pending', next_attempt_us = ?2 \
             WHERE id = ?1 AND status = 'failed'",
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
            "SELECT {COLUMNS} FROM deliveries WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
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
            "SELECT {COLUMNS} FROM deliveries WHERE id = ?1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(context(format!("reading delivery {id}")))?;
        row.as_ref().map(row_delivery).transpose()
    }
}
