//! The audit trail in `SQLite`: appending sealed entries inside a writing transaction (which
//! holds the write lock, so the head read there is the head), and [`AuditStore`] for reading
//! and verifying them.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row, SqliteConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::{AuditEntry, AuditKey, ChainHead, NewEntry, Verification};

use super::SqliteStore;
use crate::error::context;
use crate::trail::{self, EntryRow, Sealer};
use crate::{AuditQuery, AuditStore, StoreError};

/// Entry rows per `INSERT`: 10 parameters each, far below `SQLite`'s limit.
const BATCH_ROWS: usize = 500;

const COLUMNS: &str = "seq, at, actor, action, subject, before, after, prev, mac";

/// The stored fingerprint, if any.
pub(super) async fn stored_fingerprint(
    conn: &mut SqliteConnection,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar("SELECT value FROM audit_meta WHERE name = ?1")
        .bind(trail::FINGERPRINT)
        .fetch_optional(conn)
        .await
        .map_err(context("reading the audit key's fingerprint"))
}

/// Checks `key` against the stored fingerprint, storing it if there is none yet; then the
/// sealer starting at the trail's head. Call with the write lock held.
pub(super) async fn start<'k>(
    conn: &mut SqliteConnection,
    key: &'k AuditKey,
) -> Result<Sealer<'k>, StoreError> {
    match stored_fingerprint(conn).await? {
        Some(stored) => trail::check_fingerprint(Some(&stored), key)?,
        None => {
            sqlx::query("INSERT INTO audit_meta (name, value) VALUES (?1, ?2)")
                .bind(trail::FINGERPRINT)
                .bind(key.fingerprint().to_string())
                .execute(&mut *conn)
                .await
                .map_err(context("storing the audit key's fingerprint"))?;
        }
    }
    Ok(Sealer::new(key, head(conn).await?))
}

async fn head(conn: &mut SqliteConnection) -> Result<Option<ChainHead>, StoreError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, mac FROM audit_entries ORDER BY pos DESC LIMIT 1")
            .fetch_optional(conn)
            .await
            .map_err(context("reading the audit trail's head"))?;
    trail::head_of(row)
}

fn rfc3339(at: OffsetDateTime) -> Result<String, StoreError> {
    at.format(&Rfc3339)
        .map_err(context("formatting an audit entry's time"))
}

/// Seals `entries` in order and appends them.
pub(super) async fn append(
    conn: &mut SqliteConnection,
    sealer: &mut Sealer<'_>,
    entries: impl IntoIterator<Item = NewEntry>,
) -> Result<(), StoreError> {
    let rows = entries
        .into_iter()
        .map(|e| sealer.seal(e))
        .collect::<Result<Vec<_>, _>>()?;
    for batch in rows.chunks(BATCH_ROWS) {
        let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; batch.len()].join(", ");
        let sql = format!("INSERT INTO audit_entries ({COLUMNS}) VALUES {values}");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in batch {
            query = query
                .bind(row.seq)
                .bind(rfc3339(row.at)?)
                .bind(row.actor.as_str())
                .bind(row.action.as_str())
                .bind(row.subject.as_deref())
                .bind(row.before.as_deref())
                .bind(row.after.as_deref())
                .bind(row.prev.as_str())
                .bind(row.mac.as_str());
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(context("writing audit entries"))?;
    }
    Ok(())
}

fn entry_row(row: &SqliteRow) -> Result<EntryRow, sqlx::Error> {
    let at: String = row.try_get(1)?;
    let at = OffsetDateTime::parse(&at, &Rfc3339).map_err(|e| sqlx::Error::ColumnDecode {
        index: "at".into(),
        source: Box::new(e),
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
impl AuditStore for SqliteStore {
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
        let limit = query.limit.map_or(-1, i64::from);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_entries \
             WHERE seq > ?1 AND (?2 IS NULL OR subject = ?2) ORDER BY pos LIMIT ?3"
        )))
        .bind(after)
        .bind(query.subject.as_deref())
        .bind(limit)
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
        // One read transaction: the fingerprint and the trail are of the same moment.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context("reading the audit trail"))?;
        let stored = stored_fingerprint(&mut tx).await?;
        trail::check_fingerprint(stored.as_deref(), key)?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_entries ORDER BY pos"
        )))
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
