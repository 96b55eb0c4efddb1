//! [`BackupStore`] in `PostgreSQL`: JSON lines from one `REPEATABLE READ` transaction, and
//! restoring them in one transaction under the writers' lock.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgConnection};

use super::{PostgresStore, WRITE_LOCK};
use crate::backup::{self, BackupStore, BackupSummary, CONTENT, FORMAT, TABLES};
use crate::error::context;
use crate::{StoreError, trail};

/// Rows inserted per statement on restore.
const BATCH_ROWS: usize = 500;

/// Identity columns whose sequences must move past the restored ids.
const IDENTITIES: [(&str, &str); 4] = [
    ("audit_entries", "pos"),
    ("login_failures", "id"),
    ("deliveries", "id"),
    ("objections", "id"),
];

async fn migration(conn: &mut PgConnection) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(conn)
        .await
        .map_err(context("reading the schema version"))
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::other(what.to_string(), e)
}

async fn write_all(
    conn: &mut PgConnection,
    out: &mut impl Write,
) -> Result<BackupSummary, StoreError> {
    let header =
        json!({"format": FORMAT, "backend": "postgres", "migration": migration(conn).await?});
    writeln!(out, "{header}").map_err(io("writing the backup"))?;
    let mut rows = Vec::with_capacity(TABLES.len());
    for (table, order) in TABLES {
        let mut n = 0;
        let sql = format!("SELECT row_to_json(t)::text FROM {table} t ORDER BY {order}");
        let mut stream = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch(&mut *conn);
        while let Some(row) = stream
            .try_next()
            .await
            .map_err(context(format!("reading {table}")))?
        {
            // `row` is JSON from the server; embedded as is.
            writeln!(out, "{{\"table\":\"{table}\",\"row\":{row}}}")
                .map_err(io("writing the backup"))?;
            n += 1;
        }
        rows.push((table.to_string(), n));
    }
    out.flush().map_err(io("writing the backup"))?;
    Ok(BackupSummary { rows })
}

async fn insert(
    conn: &mut PgConnection,
    table: &str,
    batch: &mut Vec<Value>,
) -> Result<u64, StoreError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let rows = Value::Array(std::mem::take(batch)).to_string();
    let done = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} OVERRIDING SYSTEM VALUE \
         SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)"
    )))
    .bind(rows)
    .execute(&mut *conn)
    .await
    .map_err(context(format!("restoring {table}")))?;
    Ok(done.rows_affected())
}

/// The restore itself, in a transaction holding the writers' lock.
async fn read_all(
    conn: &mut PgConnection,
    input: impl BufRead,
    key: &vetted_core::audit::AuditKey,
    force: bool,
) -> Result<BackupSummary, StoreError> {
    let not_ours = |why: &str| {
        StoreError::Unsupported(format!(
            "this is not a Vetted PostgreSQL backup ({why}); a SQLite backup restores into SQLite"
        ))
    };
    let mut lines = input.lines();
    let header: Value = lines
        .next()
        .transpose()
        .map_err(io("reading the backup"))?
        .and_then(|l| serde_json::from_str(&l).ok())
        .ok_or_else(|| not_ours("no header line"))?;
    if header["format"] != FORMAT || header["backend"] != "postgres" {
        return Err(not_ours("its header is another format's"));
    }
    let ours = migration(conn).await?;
    if header["migration"].as_i64() != ours {
        return Err(StoreError::Unsupported(format!(
            "the backup's schema is at migration {} and this database's at {ours:?}: restore \
             with the Vetted version that made the backup",
            header["migration"]
        )));
    }
    if !force {
        for table in CONTENT {
            let any: bool = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT EXISTS (SELECT 1 FROM {table})"
            )))
            .fetch_one(&mut *conn)
            .await
            .map_err(context("checking that the database is empty"))?;
            if any {
                return Err(backup::not_empty(table));
            }
        }
    }
    let all: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
    sqlx::query(AssertSqlSafe(format!(
        "TRUNCATE supplier_evaluations, {} RESTART IDENTITY",
        all.join(", ")
    )))
    .execute(&mut *conn)
    .await
    .map_err(context("emptying the database"))?;

    let mut counts: Vec<(String, u64)> =
        TABLES.iter().map(|(t, _)| ((*t).to_string(), 0)).collect();
    let mut current: Option<usize> = None;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    for (number, line) in lines.enumerate() {
        let line = line.map_err(io("reading the backup"))?;
        let mut record: Value = serde_json::from_str(&line)
            .map_err(|e| not_ours(&format!("line {} is not JSON: {e}", number + 2)))?;
        let index = record["table"]
            .as_str()
            .and_then(|t| TABLES.iter().position(|(name, _)| *name == t))
            .ok_or_else(|| not_ours(&format!("line {} names no known table", number + 2)))?;
        if current != Some(index) {
            if let Some(i) = current {
                counts[i].1 += insert(conn, TABLES[i].0, &mut batch).await?;
            }
            current = Some(index);
        }
        batch.push(record["row"].take());
        if batch.len() == BATCH_ROWS {
            counts[index].1 += insert(conn, TABLES[index].0, &mut batch).await?;
        }
    }
    if let Some(i) = current {
        counts[i].1 += insert(conn, TABLES[i].0, &mut batch).await?;
    }
    for (table, column) in IDENTITIES {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        )))
        .execute(&mut *conn)
        .await
        .map_err(context(format!("moving the ids of {table} on")))?;
    }
    let fingerprint: Option<String> =
        sqlx::query_scalar("SELECT value FROM audit_meta WHERE name = $1")
            .bind(trail::FINGERPRINT)
            .fetch_optional(&mut *conn)
            .await
            .map_err(context("reading the backup's audit key fingerprint"))?;
    trail::check_fingerprint(fingerprint.as_deref(), key)?;
    Ok(BackupSummary { rows: counts })
}

#[async_trait]
impl BackupStore for PostgresStore {
    async fn backup(&self, to: &Path) -> Result<BackupSummary, StoreError> {
        let file = std::fs::File::create_new(to).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => backup::exists(to),
            _ => StoreError::other(format!("creating {}", to.display()), e),
        })?;
        let mut out = BufWriter::new(file);
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context("starting the backup"))?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(context("starting the backup"))?;
        let written = write_all(&mut tx, &mut out).await;
        drop(out);
        let _ = tx.rollback().await;
        if written.is_err() {
            let _ = std::fs::remove_file(to);
        }
        written
    }

    async fn restore(&self, from: &Path, force: bool) -> Result<BackupSummary, StoreError> {
        let key = trail::required(self.key.as_ref())?;
        let file = std::fs::File::open(from).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound {
                what: "backup file",
                id: from.display().to_string(),
            },
            _ => StoreError::other(format!("opening {}", from.display()), e),
        })?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context("starting the restore"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(context("waiting for other writers to finish"))?;
        let summary = read_all(&mut tx, BufReader::new(file), key, force).await?;
        tx.commit()
            .await
            .map_err(context("finishing the restore"))?;
        Ok(summary)
    }
}
