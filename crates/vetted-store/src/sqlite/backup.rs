//! [`BackupStore`] in `SQLite`: `VACUUM INTO` a new file, and restoring by attaching one.

use std::path::Path;

use async_trait::async_trait;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use super::SqliteStore;
use crate::backup::{self, BackupStore, BackupSummary, CONTENT, TABLES};
use crate::error::context;
use crate::{StoreError, trail};

/// Rows per table of the database `schema` (`main` or `backup`) on `conn`.
async fn count(conn: &mut SqliteConnection, schema: &str) -> Result<BackupSummary, StoreError> {
    let mut rows = Vec::with_capacity(TABLES.len());
    for (table, _) in TABLES {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {schema}.{table}"
        )))
        .fetch_one(&mut *conn)
        .await
        .map_err(context(format!("counting the rows of {table}")))?;
        rows.push((table.to_string(), u64::try_from(n).unwrap_or(0)));
    }
    Ok(BackupSummary { rows })
}

async fn migration(conn: &mut SqliteConnection, schema: &str) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT MAX(version) FROM {schema}._sqlx_migrations WHERE success"
    )))
    .fetch_one(conn)
    .await
    .map_err(context("reading the schema version"))
}

/// The restore itself, on a connection with the backup attached and the write lock held.
async fn copy(
    conn: &mut SqliteConnection,
    key: &vetted_core::audit::AuditKey,
    force: bool,
) -> Result<BackupSummary, StoreError> {
    let ours = migration(conn, "main").await?;
    let theirs = migration(conn, "backup").await?;
    if ours != theirs {
        return Err(StoreError::Unsupported(format!(
            "the backup's schema is at migration {theirs:?} and this database's at {ours:?}: \
             restore with the Vetted version that made the backup"
        )));
    }
    let fingerprint: Option<String> =
        sqlx::query_scalar("SELECT value FROM backup.audit_meta WHERE name = ?1")
            .bind(trail::FINGERPRINT)
            .fetch_optional(&mut *conn)
            .await
            .map_err(context("reading the backup's audit key fingerprint"))?;
    trail::check_fingerprint(fingerprint.as_deref(), key)?;
    if !force {
        for table in CONTENT {
            let any: bool = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT EXISTS (SELECT 1 FROM main.{table})"
            )))
            .fetch_one(&mut *conn)
            .await
            .map_err(context("checking that the database is empty"))?;
            if any {
                return Err(backup::not_empty(table));
            }
        }
    }
    sqlx::query("DELETE FROM main.supplier_evaluations")
        .execute(&mut *conn)
        .await
        .map_err(context("emptying the database"))?;
    for (table, _) in TABLES.iter().rev() {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM main.{table}")))
            .execute(&mut *conn)
            .await
            .map_err(context(format!("emptying {table}")))?;
    }
    let mut rows = Vec::with_capacity(TABLES.len());
    for (table, order) in TABLES {
        // The suppliers' triggers make their (unevaluated) evaluation rows.
        let done = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO main.{table} SELECT * FROM backup.{table} ORDER BY {order}"
        )))
        .execute(&mut *conn)
        .await
        .map_err(context(format!("restoring {table}")))?;
        rows.push((table.to_string(), done.rows_affected()));
    }
    Ok(BackupSummary { rows })
}

#[async_trait]
impl BackupStore for SqliteStore {
    async fn backup(&self, to: &Path) -> Result<BackupSummary, StoreError> {
        if to.exists() {
            return Err(backup::exists(to));
        }
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::other("backing up", "the file name is not UTF-8"))?;
        let written = sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(context(format!("backing up to {}", to.display())));
        if let Err(e) = written {
            let _ = std::fs::remove_file(to);
            return Err(e);
        }
        let options = SqliteConnectOptions::new().filename(to).read_only(true);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(context(format!("reading the backup {}", to.display())))?;
        let summary = count(&mut conn, "main").await;
        let _ = conn.close().await;
        summary
    }

    async fn restore(&self, from: &Path, force: bool) -> Result<BackupSummary, StoreError> {
        let key = trail::required(self.key.as_ref())?;
        if !from.is_file() {
            return Err(StoreError::NotFound {
                what: "backup file",
                id: from.display().to_string(),
            });
        }
        let source = from
            .to_str()
            .ok_or_else(|| StoreError::other("restoring", "the file name is not UTF-8"))?;
        // A connection of its own, out of the pool: it is closed (rolling back whatever is
        // left open) when this returns, so no pooled connection keeps the attachment.
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("restoring"))?
            .detach();
        sqlx::query("ATTACH DATABASE ?1 AS backup")
            .bind(source)
            .execute(&mut conn)
            .await
            .map_err(context(format!("opening the backup {}", from.display())))?;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .map_err(context("starting the restore"))?;
        let restored = copy(&mut conn, key, force).await;
        let end = if restored.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        sqlx::query(AssertSqlSafe(end))
            .execute(&mut conn)
            .await
            .map_err(context("finishing the restore"))?;
        let _ = conn.close().await;
        restored
    }
}
