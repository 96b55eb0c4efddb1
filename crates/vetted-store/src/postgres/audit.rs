//! The audit trail in `PostgreSQL`: appending sealed entries inside a writing transaction
//! (which holds the writers' advisory lock, so the head read there is the head), and
//! [`AuditStore`] for reading and verifying them. Times travel as microseconds since the Unix
//! epoch, so `timestamptz` keeps exactly the instant that was sealed.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row};
use time::OffsetDateTime;
use vetted_core::audit::{AuditEntry, AuditKey, ChainHead, NewEntry, Verification};

use super::PostgresStore;
use crate::error::context;
use crate::trail::{self, EntryRow, Sealer};
use crate::{AuditQuery, AuditStore, StoreError};

/// Entry rows per `INSERT … SELECT FROM UNNEST`.
const BATCH_ROWS: usize = 1_000;

/// The columns read back, `at` as microseconds.
const SELECT: &str = "SELECT seq, (EXTRACT(EPOCH FROM at) * 1000000)::int8, actor, action, \
    subject, before, after, prev, mac FROM audit_entries";

/// The stored fingerprint, if any.
pub(super) async fn stored_fingerprint(
    conn: &mut PgConnection,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT value FROM audit_meta WHERE name = $1")
        .bind(trail::FINGERPRINT)
        .fetch_optional(conn)
        .await
        .map_err(context("reading the audit key's fingerprint"))
}

/// Checks `key` against the stored fingerprint, storing it if there is none yet; then the
/// sealer starting at the trail's head. Call with the writers' lock held.
pub(super) async fn start<'k>(
    conn: &mut PgConnection,
    key: &'k AuditKey,
) -> Result<Sealer<'k>, StoreError> {
    match stored_fingerprint(conn).await? {
        Some(stored) => trail::check_fingerprint(Some(&stored), key)?,
        None => {
            sqlx::query("INSERT INTO audit_meta (name, value) VALUES ($1, $2)")
                .bind(trail::FINGERPRINT)
                .bind(key.fingerprint().to_string())
                .execute(&mut *conn)
                .await
                .map_err(context("storing the audit key's fingerprint"))?;
        }
    }
    Ok(Sealer::new(key, head(conn).await?))
}

async fn head(conn: &mut PgConnection) -> Result<Option<ChainHead>, StoreError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, mac FROM audit_entries ORDER BY pos DESC LIMIT 1")
            .fetch_optional(conn)
            .await
            .map_err(context("reading the audit trail's head"))?;
    trail::head_of(row)
}

fn micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

/// Seals `entries` in order and appends them.
pub(super) async fn append(
    conn: &mut PgConnection,
    sealer: &mut Sealer<'_>,
    entries: impl IntoIterator<Item = NewEntry>,
) -> Result<(), StoreError> {
    let rows = entries
        .into_iter()
        .map(|e| sealer.seal(e))
        .collect::<Result<Vec<_>, _>>()?;
    for batch in rows.chunks(BATCH_ROWS) {
        sqlx::query(
            "INSERT INTO audit_entries (seq, at, actor, action, subject, before, after, prev, mac) \
             SELECT seq, TIMESTAMPTZ 'epoch' + us * INTERVAL '1 microsecond', actor, action, \
                    subject, before, after, prev, mac \
             FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], \
                         $7::text[], $8::text[], $9::text[]) \
                  WITH ORDINALITY AS e (seq, us, actor, action, subject, before, after, prev, mac, n) \
             ORDER BY n",
        )
        .bind(batch.iter().map(|r| r.seq).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| micros(r.at)).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.actor.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.action.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.subject.as_deref()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.before.as_deref()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.after.as_deref()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.prev.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|r| r.mac.as_str()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(context("writing audit entries"))?;
    }
    Ok(())
}

fn entry_row(row: &PgRow) -> Result<EntryRow, sqlx::Error> {
    let us: i64 = row.try_get(1)?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000).map_err(|e| {
        sqlx::Error::ColumnDecode {
            index: "at".into(),
            source: Box::new(e),
        }
    })?;
    Ok(EntryRow {
        seq: row.try_get(0)?,
        at,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        subject: row.try_get(4)?,
        before: row.try_get(5)?,
        after: row.try_get(6)?,
        prev: row.try_get(7)?,
        mac: row.try_get(8)?,
    })
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn audit_head(&self) -> Result<Option<ChainHead>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading the audit trail's head"))?;
        head(&mut conn).await
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let after = i64::try_from(query.after_seq.unwrap_or(0)).unwrap_or(i64::MAX);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE seq > $1 AND ($2::text IS NULL OR subject = $2) ORDER BY pos LIMIT $3"
        )))
        .bind(after)
        .bind(query.subject.as_deref())
        .bind(query.limit.map(i64::from))
        .fetch_all(&self.pool)
        .await
        .map_err(context("reading audit entries"))?;
        rows.iter()
            .map(|row| {
                let row = entry_row(row).map_err(context("reading an audit entry"))?;
                let seq = row.seq;
                row.into_entry().map_err(|why| {
                    StoreError::other(
                        "reading audit entries",
                        format!("entry {seq} cannot be read: {why}"),
                    )
                })
            })
            .collect()
    }

    async fn verify_audit(
        &self,
        key: &AuditKey,
        expected_head: Option<ChainHead>,
    ) -> Result<Verification, StoreError> {
        // One snapshot: the fingerprint and the trail are of the same moment.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(context("reading the audit trail"))?;
        let stored = stored_fingerprint(&mut tx).await?;
        trail::check_fingerprint(stored.as_deref(), key)?;
        let rows = sqlx::query(AssertSqlSafe(format!("{SELECT} ORDER BY pos")))
            .fetch_all(&mut *tx)
            .await
            .map_err(context("reading the audit trail"))?;
        tx.commit()
            .await
            .map_err(context("reading the audit trail"))?;
        let rows = rows
            .iter()
            .map(entry_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(context("reading the audit trail"))?;
        Ok(trail::verify_rows(key, rows, expected_head.as_ref()))
    }
}
