//! [`SqliteStore`]: the [`Store`] in one `SQLite` file, the default for the CLI and small teams.
//!
//! The file is opened in WAL mode with foreign keys on, a 5 s busy timeout and `synchronous =
//! NORMAL` (durable at every checkpoint, safe against corruption; a power cut may lose the last
//! commits, never half of one). The schema lives in `migrations/sqlite/`, embedded and applied
//! on open. Every write takes the write lock up front (`BEGIN IMMEDIATE`) so that what it reads
//! (the supplier's version, the audit trail's head) cannot change before it writes; `audit.rs`
//! appends the audit entries in the same transaction.

mod audit;
mod backup;
mod documents;
mod evaluations;
mod notify;
mod policies;
mod subprocessors;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, SqliteConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::AuditKey;
use vetted_core::model::{Register, Supplier, SupplierId};

mod accounts;

use crate::decode;
use crate::error::context;
use crate::import::{self, Existing, Write};
use crate::page_cache::PageCache;
use crate::writes::{self, Current, Decision, Row as WriteRow};
use crate::{Change, ImportSummary, PlannedVersions, Store, StoreError, StoredSupplier, trail};

/// The schema, from `migrations/sqlite/`; files there are never edited once applied.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for another one's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in the pool: readers run side by side in WAL mode; writers queue on the lock.
const MAX_CONNECTIONS: u32 = 4;

/// Rows per `INSERT`: [`COLUMNS`] parameters each stays far below `SQLite`'s limit of 32,766.
const BATCH_ROWS: usize = 500;

/// The columns every supplier row is written with, in the order [`write_batch`] binds them.
const INSERT_COLUMNS: &str = "INSERT INTO suppliers \
    (created_at, updated_at, id, position, version, doc, name, category, status) VALUES ";

/// How many columns [`INSERT_COLUMNS`] names.
const COLUMNS: usize = 9;

/// A stored row is replaced only by its next version: a row changed since the import read it
/// is left alone, and the import notices from the count of rows written.
const ON_CONFLICT: &str = " ON CONFLICT (id) DO UPDATE SET \
    version = excluded.version, doc = excluded.doc, name = excluded.name, \
    category = excluded.category, status = excluded.status, updated_at = excluded.updated_at \
    WHERE suppliers.version = excluded.version - 1";

/// Rows the connection's thread may read ahead of the task consuming them. sqlx's default of
/// 50 makes the two threads hand over every few rows; listing 100,000 suppliers took half as
/// long again.
const ROW_BUFFER: usize = 1_000;

/// The [`Store`] backed by one `SQLite` file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    key: Option<AuditKey>,
    /// The list's recent pages, shared by clones (see [`crate::page_cache`]).
    cache: Arc<PageCache>,
}

/// The connection settings in force, as `SQLite` reports them (see [`SqliteStore::settings`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SqliteSettings {
    /// `PRAGMA journal_mode`, such as `wal`.
    pub journal_mode: String,
    /// `PRAGMA foreign_keys`.
    pub foreign_keys: bool,
    /// `PRAGMA busy_timeout`, in milliseconds.
    pub busy_timeout_ms: i64,
    /// `PRAGMA synchronous`: 0 off, 1 normal, 2 full, 3 extra.
    pub synchronous: i64,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it and its parent directories on first
    /// use, and applies the migrations it has not seen yet.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(context(format!(
                "creating the directory {}",
                parent.display()
            )))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal)
            // 16 MiB of page cache per connection (the default is 2 MiB): the list query's
            // narrow table and its indexes stay in memory for 100,000 suppliers.
            .pragma("cache_size", "-16384")
            .row_buffer_size(ROW_BUFFER);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(context(format!("opening the database {}", path.display())))?;
        MIGRATOR.run(&pool).await.map_err(context(format!(
            "migrating the database {}",
            path.display()
        )))?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
            key: None,
            cache: Arc::default(),
        })
    }

    /// This store, sealing the audit entries of its writes with `key`; without a key it
    /// refuses to write.
    #[must_use]
    pub fn with_audit_key(mut self, key: AuditKey) -> SqliteStore {
        self.key = Some(key);
        self
    }

    /// Fails with [`StoreError::AuditKey`] if the database's trail was sealed with another key
    /// than this store's (or the store has none). Writes check too; this fails early.
    pub async fn check_audit_key(&self) -> Result<(), StoreError> {
        let key = trail::required(self.key.as_ref())?;
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading the audit key's fingerprint"))?;
        let stored = audit::stored_fingerprint(&mut conn).await?;
        trail::check_fingerprint(stored.as_deref(), key)
    }

    /// A write transaction holding the write lock, with the audit key.
    async fn begin_write(
        &self,
        what: &str,
    ) -> Result<(sqlx::Transaction<'static, sqlx::Sqlite>, &AuditKey), StoreError> {
        let key = trail::required(self.key.as_ref())?;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(context(format!("starting {what}")))?;
        Ok((tx, key))
    }

    /// Archives or restores, under the write lock.
    async fn set_archived(
        &self,
        id: &SupplierId,
        expected_version: i64,
        archive: bool,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError> {
        let (mut tx, key) = self.begin_write("archiving a supplier").await?;
        let current = current(&mut tx, id.as_str()).await?;
        let (result, entry) = writes::set_archived(
            id.as_str(),
            current.as_ref(),
            expected_version,
            archive,
            change,
        )?;
        let Some(entry) = entry else {
            return Ok(result);
        };
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "UPDATE suppliers SET archived = ?1, version = ?2, updated_at = ?3 \
             WHERE id = ?4 AND version = ?5",
        )
        .bind(archive)
        .bind(result.version)
        .bind(now_rfc3339()?)
        .bind(id.as_str())
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(context(format!("archiving supplier `{id}`")))?;
        audit::append(&mut tx, &mut sealer, [entry]).await?;
        tx.commit()
            .await
            .map_err(context(format!("archiving supplier `{id}`")))?;
        Ok(result)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings of a pooled connection, to check or report them.
    pub async fn settings(&self) -> Result<SqliteSettings, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("connecting to read the settings"))?;
        let conn: &mut SqliteConnection = &mut conn;
        Ok(SqliteSettings {
            journal_mode: pragma(conn, "journal_mode").await?,
            foreign_keys: pragma::<i64>(conn, "foreign_keys").await? == 1,
            busy_timeout_ms: pragma(conn, "busy_timeout").await?,
            synchronous: pragma(conn, "synchronous").await?,
        })
    }

    /// [`Store::upsert_register`], checking `planned` (if given) inside the transaction.
    async fn import(
        &self,
        register: &Register,
        planned: Option<&PlannedVersions>,
        change: &Change,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let total = register.suppliers.len();
        let incoming = import::encode(register)?;
        let now: Arc<str> = now_rfc3339()?.into();

        // Dropping the transaction on an error rolls it back: all or nothing.
        let (mut tx, key) = self.begin_write("the import").await?;
        let mut sealer = audit::start(&mut tx, key).await?;

        let ids = json_ids(incoming.iter().map(|i| i.supplier.id.as_str()))?;
        let existing: HashMap<String, Existing> = sqlx::query(
            "SELECT id, version, position, doc FROM suppliers \
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(context("reading the stored suppliers"))?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                Existing {
                    version: row.try_get(1)?,
                    position: row.try_get(2)?,
                    doc: row.try_get(3)?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(context("reading the stored suppliers"))?;
        let next_position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM suppliers")
                .fetch_one(&mut *tx)
                .await
                .map_err(context("reading the register order"))?;

        if let Some(planned) = planned {
            import::check_planned(&incoming, &existing, planned)?;
        }
        let plan = import::plan(incoming, &existing, next_position);
        drop(existing);

        let full_batch_sql = upsert_sql(BATCH_ROWS);
        let mut writes = plan.writes.into_iter().peekable();
        while writes.peek().is_some() {
            let batch: Vec<Write<'_>> = writes.by_ref().take(BATCH_ROWS).collect();
            let done = batch.last().map_or(0, |w| w.done);
            let last_batch_sql;
            let sql = if batch.len() == BATCH_ROWS {
                &full_batch_sql
            } else {
                last_batch_sql = upsert_sql(batch.len());
                &last_batch_sql
            };
            let entries = batch
                .iter()
                .map(|w| import::entry(w, change))
                .collect::<Result<Vec<_>, _>>()?;
            write_batch(&mut tx, sql, &now, batch).await?;
            audit::append(&mut tx, &mut sealer, entries).await?;
            progress(done);
        }

        tx.commit()
            .await
            .map_err(context("committing the import"))?;
        progress(total);
        Ok(plan.summary)
    }
}

async fn pragma<T>(conn: &mut SqliteConnection, name: &'static str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + Unpin,
{
    sqlx::query_scalar(AssertSqlSafe(format!("PRAGMA {name}")))
        .fetch_one(conn)
        .await
        .map_err(context(format!("reading PRAGMA {name}")))
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("audit_key", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

/// A row of `SELECT id, version, doc, archived`.
fn stored_supplier(row: &SqliteRow) -> Result<StoredSupplier, StoreError> {
    let id: &str = row.try_get(0).map_err(context("reading a supplier row"))?;
    let version: i64 = row.try_get(1).map_err(context("reading a supplier row"))?;
    let doc: &str = row.try_get(2).map_err(context("reading a supplier row"))?;
    let archived: bool = row.try_get(3).map_err(context("reading a supplier row"))?;
    let mut stored = decode::stored_supplier(id, version, doc)?;
    stored.archived = archived;
    Ok(stored)
}

/// The stored row of supplier `id`, read inside a writing transaction.
async fn current(conn: &mut SqliteConnection, id: &str) -> Result<Option<Current>, StoreError> {
    let row: Option<(i64, bool, String)> =
        sqlx::query_as("SELECT version, archived, doc FROM suppliers WHERE id = ?1")
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(context(format!("reading supplier `{id}`")))?;
    Ok(row.map(|(version, archived, doc)| Current {
        version,
        archived,
        doc,
    }))
}

/// Writes a supplier's row: a new one at `position`, or (`None`) the next version of the
/// stored one, projection columns with it.
async fn write_row(
    conn: &mut SqliteConnection,
    row: &WriteRow<'_>,
    position: Option<i64>,
) -> Result<(), StoreError> {
    let now = now_rfc3339()?;
    let query = match position {
        Some(position) => sqlx::query(
            "INSERT INTO suppliers (created_at, updated_at, id, position, version, doc, name, \
             category, status, archived) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(now)
        .bind(row.id)
        .bind(position),
        None => sqlx::query(
            "UPDATE suppliers SET updated_at = ?1, version = ?4, doc = ?5, name = ?6, \
             category = ?7, status = ?8, archived = ?9 WHERE id = ?2 AND version = ?4 - 1 \
             AND ?3 IS NULL",
        )
        .bind(now)
        .bind(row.id)
        .bind(Option::<i64>::None),
    };
    let written = query
        .bind(row.version)
        .bind(row.doc.as_str())
        .bind(row.name)
        .bind(row.category)
        .bind(row.status)
        .bind(row.archived)
        .execute(conn)
        .await
        .map_err(context(format!("writing supplier `{}`", row.id)))?
        .rows_affected();
    if written == 1 {
        Ok(())
    } else {
        Err(StoreError::other(
            format!("writing supplier `{}`", row.id),
            "the row changed under the write lock",
        ))
    }
}

/// `(?, ?, ?, ?, ?, ?, ?, ?, ?), …` for `rows` rows.
///
/// Anonymous parameters on purpose: with numbered ones (`?NNN`), binding each parameter looks
/// its name up in a list as long as the statement's parameters, which made batches quadratic.
fn row_values(rows: usize) -> String {
    let row = format!("({})", ["?"; COLUMNS].join(", "));
    vec![row; rows].join(", ")
}

fn upsert_sql(rows: usize) -> String {
    format!("{INSERT_COLUMNS}{}{ON_CONFLICT}", row_values(rows))
}

/// Now, in UTC to the second, as RFC 3339.
fn now_rfc3339() -> Result<String, StoreError> {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .map_err(context("formatting the current time"))
}

/// The ids as a JSON array, for `IN (SELECT value FROM json_each(?))`: one parameter however
/// many ids.
fn json_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Result<String, StoreError> {
    serde_json::to_string(&ids.collect::<Vec<_>>()).map_err(context("encoding supplier ids"))
}

/// Writes one batch; a row not written means it changed since the import read it.
async fn write_batch(
    conn: &mut SqliteConnection,
    sql: &str,
    now: &Arc<str>,
    batch: Vec<Write<'_>>,
) -> Result<(), StoreError> {
    let expected: Vec<(&str, i64)> = batch.iter().map(|w| (w.id, w.version)).collect();
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for w in batch {
        query = query
            .bind(Arc::clone(now))
            .bind(Arc::clone(now))
            .bind(w.id)
            .bind(w.position)
            .bind(w.version)
            .bind(w.doc)
            .bind(w.name)
            .bind(w.category)
            .bind(w.status);
    }
    let written = query
        .execute(&mut *conn)
        .await
        .map_err(context("writing suppliers"))?
        .rows_affected();
    if written == expected.len() as u64 {
        return Ok(());
    }
    let stored: HashMap<String, i64> = sqlx::query_as(
        "SELECT id, version FROM suppliers WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .bind(json_ids(expected.iter().map(|(id, _)| *id))?)
    .fetch_all(&mut *conn)
    .await
    .map_err(context("reading the versions of conflicting suppliers"))?
    .into_iter()
    .collect();
    Err(import::stale_write(expected.iter().copied(), &stored))
}

#[async_trait]
impl Store for SqliteStore {
    async fn list_suppliers(&self) -> Result<Vec<StoredSupplier>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, version, doc, archived FROM suppliers WHERE archived = 0 \
             ORDER BY position",
        )
        .fetch(&self.pool);
        decode::decode_all(rows, stored_supplier).await
    }

    async fn find_supplier(&self, id: &SupplierId) -> Result<Option<StoredSupplier>, StoreError> {
        sqlx::query("SELECT id, version, doc, archived FROM suppliers WHERE id = ?1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(context(format!("finding supplier `{id}`")))?
            .as_ref()
            .map(stored_supplier)
            .transpose()
    }

    async fn count_suppliers(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppliers WHERE archived = 0")
            .fetch_one(&self.pool)
            .await
            .map_err(context("counting suppliers"))?;
        u64::try_from(count).map_err(context("counting suppliers"))
    }

    async fn upsert_register(
        &self,
        register: &Register,
        change: &Change,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        self.import(register, None, change, progress).await
    }

    async fn upsert_register_as_planned(
        &self,
        register: &Register,
        planned: &PlannedVersions,
        change: &Change,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        self.import(register, Some(planned), change, progress).await
    }

    async fn create_supplier(
        &self,
        supplier: &Supplier,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError> {
        let (mut tx, key) = self.begin_write("creating a supplier").await?;
        let exists = current(&mut tx, supplier.id.as_str()).await?.is_some();
        let Decision::Write { row, entry, result } = writes::create(supplier, exists, change)?
        else {
            unreachable!("a creation always writes");
        };
        let mut sealer = audit::start(&mut tx, key).await?;
        let position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM suppliers")
                .fetch_one(&mut *tx)
                .await
                .map_err(context("reading the register order"))?;
        write_row(&mut tx, &row, Some(position)).await?;
        audit::append(&mut tx, &mut sealer, [entry]).await?;
        tx.commit()
            .await
            .map_err(context(format!("creating supplier `{}`", supplier.id)))?;
        Ok(result)
    }

    async fn update_supplier(
        &self,
        supplier: &Supplier,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError> {
        let (mut tx, key) = self.begin_write("updating a supplier").await?;
        let current = current(&mut tx, supplier.id.as_str()).await?;
        match writes::update(supplier, current.as_ref(), expected_version, change)? {
            Decision::Unchanged(stored) => Ok(stored),
            Decision::Write { row, entry, result } => {
                let mut sealer = audit::start(&mut tx, key).await?;
                write_row(&mut tx, &row, None).await?;
                audit::append(&mut tx, &mut sealer, [entry]).await?;
                tx.commit()
                    .await
                    .map_err(context(format!("updating supplier `{}`", supplier.id)))?;
                Ok(result)
            }
        }
    }

    async fn update_suppliers(
        &self,
        updates: &[(Supplier, i64)],
        change: &Change,
    ) -> Result<Vec<StoredSupplier>, StoreError> {
        writes::distinct(updates)?;
        let (mut tx, key) = self.begin_write("updating suppliers").await?;
        // Every decision first: a stale or missing supplier refuses the whole write before
        // anything is written (dropping the transaction rolls back).
        let mut decisions = Vec::with_capacity(updates.len());
        for (supplier, expected) in updates {
            let current = current(&mut tx, supplier.id.as_str()).await?;
            decisions.push(writes::update(
                supplier,
                current.as_ref(),
                *expected,
                change,
            )?);
        }
        let mut results = Vec::with_capacity(decisions.len());
        let mut sealer = None;
        for decision in decisions {
            match decision {
                Decision::Unchanged(stored) => results.push(stored),
                Decision::Write { row, entry, result } => {
                    if sealer.is_none() {
                        sealer = Some(audit::start(&mut tx, key).await?);
                    }
                    write_row(&mut tx, &row, None).await?;
                    if let Some(sealer) = sealer.as_mut() {
                        audit::append(&mut tx, sealer, [entry]).await?;
                    }
                    results.push(result);
                }
            }
        }
        if sealer.is_some() {
            tx.commit().await.map_err(context("updating suppliers"))?;
        }
        Ok(results)
    }

    async fn archive_supplier(
        &self,
        id: &SupplierId,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError> {
        self.set_archived(id, expected_version, true, change).await
    }

    async fn restore_supplier(
        &self,
        id: &SupplierId,
        expected_version: i64,
        change: &Change,
    ) -> Result<StoredSupplier, StoreError> {
        self.set_archived(id, expected_version, false, change).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sql_has_a_parameter_for_every_column_of_every_row() {
        let sql = upsert_sql(2);
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
        assert!(
            sql.contains(&format!("VALUES {row}, {row} ON CONFLICT")),
            "{sql}"
        );
        assert_eq!(INSERT_COLUMNS.matches(',').count() + 1, COLUMNS);
        assert!(sql.ends_with("WHERE suppliers.version = excluded.version - 1"));
        // The largest batch stays within SQLite's limit on parameters.
        const { assert!(BATCH_ROWS * COLUMNS < 32_766) };
    }
}
