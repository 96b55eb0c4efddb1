//! [`PostgresStore`]: the [`Store`] on a `PostgreSQL` server, for teams and for several
//! `vetted serve` processes sharing one database.
//!
//! Same rows and semantics as [`crate::sqlite`]; the schema lives in `migrations/postgres/`,
//! embedded and applied on connect (sqlx takes an advisory lock, so two processes starting at
//! once do not both migrate). `doc` is `jsonb`, which reorders keys: documents are compared by
//! decoding them ([`crate::import`] does), never by their text. Every write runs in one
//! transaction holding one transaction-scoped advisory lock shared by all writers, so writers
//! queue as they do on `SQLite`'s write lock and the audit trail's head they read (`audit.rs`)
//! is the head: two servers on one database extend one chain. Import rows go in batches of one `INSERT … SELECT FROM UNNEST(…)` with an array per
//! column, a handful of round trips for a large register.

mod audit;
mod backup;
mod documents;
mod evaluations;
mod notify;
mod policies;
mod subprocessors;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use vetted_core::audit::AuditKey;
use vetted_core::model::{Register, Supplier, SupplierId};

mod accounts;

use crate::decode;
use crate::error::context;
use crate::import::{self, Existing, Write};
use crate::page_cache::PageCache;
use crate::writes::{self, Current, Decision, Row as WriteRow};
use crate::{
    Change, DatabaseUrl, ImportSummary, PlannedVersions, Store, StoreError, StoredSupplier, trail,
};

/// The schema, from `migrations/postgres/`; files there are never edited once applied.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections in the pool: the server serves readers and writers side by side.
const MAX_CONNECTIONS: u32 = 8;

/// Rows per `INSERT`. One statement carries a batch as seven array parameters, so the size is
/// not bounded by a parameter limit; a thousand rows (about 1 MB of JSON) keeps each statement
/// short and lets progress be reported along the way.
const BATCH_ROWS: usize = 1_000;

/// The key of the advisory lock every write holds until its transaction ends ("vetted" in
/// ASCII): writers queue rather than race for positions, versions and the audit trail's head.
pub(crate) const WRITE_LOCK: i64 = 0x7665_7474_6564;

/// Writes a batch given as one array per column. A stored row is replaced only by its next
/// version: a row changed since the import read it is left alone, and the import notices from
/// the count of rows written. `now()` is the transaction's start, the same for every row.
const UPSERT: &str = "INSERT INTO suppliers \
    (id, position, version, doc, name, category, status, created_at, updated_at) \
    SELECT id, position, version, doc::jsonb, name, category, status, now(), now() \
    FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], \
                $7::text[]) AS w (id, position, version, doc, name, category, status) \
    ON CONFLICT (id) DO UPDATE SET \
    version = excluded.version, doc = excluded.doc, name = excluded.name, \
    category = excluded.category, status = excluded.status, updated_at = excluded.updated_at \
    WHERE suppliers.version = excluded.version - 1";

/// The [`Store`] on a `PostgreSQL` database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    url: DatabaseUrl,
    key: Option<AuditKey>,
    /// The list's recent pages, shared by clones (see [`crate::page_cache`]).
    cache: Arc<PageCache>,
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`) and
    /// applies the migrations it has not seen yet. The database must exist. Errors name the
    /// database with its password redacted.
    pub async fn connect(url: &DatabaseUrl) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(context(format!("reading the database URL {url}")))?
            .application_name("vetted");
        // One direct attempt first: the pool retries a refused connection until its acquire
        // timeout (30 s), but a wrong host or port at start-up should fail at once.
        PgConnection::connect_with(&options)
            .await
            .map_err(context(format!("connecting to the database {url}")))?
            .close()
            .await
            .map_err(context(format!("connecting to the database {url}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_lazy_with(options);
        MIGRATOR
            .run(&pool)
            .await
            .map_err(context(format!("migrating the database {url}")))?;
        Ok(PostgresStore {
            pool,
            url: url.clone(),
            key: None,
            cache: Arc::default(),
        })
    }

    /// This store, sealing the audit entries of its writes with `key`; without a key it
    /// refuses to write.
    #[must_use]
    pub fn with_audit_key(mut self, key: AuditKey) -> PostgresStore {
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

    /// A write transaction holding the writers' lock, with the audit key.
    async fn begin_write(
        &self,
        what: &str,
    ) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, &AuditKey), StoreError> {
        let key = trail::required(self.key.as_ref())?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context(format!("starting {what}")))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(context("waiting for other writers to finish"))?;
        Ok((tx, key))
    }

    /// Archives or restores, under the writers' lock.
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
            "UPDATE suppliers SET archived = $1, version = $2, updated_at = now() \
             WHERE id = $3 AND version = $4",
        )
        .bind(archive)
        .bind(result.version)
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

    /// The database, as given to [`PostgresStore::connect`] (its `Display` is redacted).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
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

        // Dropping the transaction on an error rolls it back: all or nothing.
        let (mut tx, key) = self.begin_write("the import").await?;
        let mut sealer = audit::start(&mut tx, key).await?;

        let ids: Vec<&str> = incoming.iter().map(|i| i.supplier.id.as_str()).collect();
        let existing: HashMap<String, Existing> = sqlx::query(
            "SELECT id, version, position, doc::text FROM suppliers WHERE id = ANY($1)",
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

        for batch in plan.writes.chunks(BATCH_ROWS) {
            let entries = batch
                .iter()
                .map(|w| import::entry(w, change))
                .collect::<Result<Vec<_>, _>>()?;
            write_batch(&mut tx, batch).await?;
            audit::append(&mut tx, &mut sealer, entries).await?;
            progress(batch.last().map_or(0, |w| w.done));
        }

        tx.commit()
            .await
            .map_err(context("committing the import"))?;
        progress(total);
        Ok(plan.summary)
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .field("audit_key", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

/// A row of `SELECT id, version, doc::text, archived`.
fn stored_supplier(row: &PgRow) -> Result<StoredSupplier, StoreError> {
    let id: &str = row.try_get(0).map_err(context("reading a supplier row"))?;
    let version: i64 = row.try_get(1).map_err(context("reading a supplier row"))?;
    let doc: &str = row.try_get(2).map_err(context("reading a supplier row"))?;
    let archived: bool = row.try_get(3).map_err(context("reading a supplier row"))?;
    let mut stored = decode::stored_supplier(id, version, doc)?;
    stored.archived = archived;
    Ok(stored)
}

/// The stored row of supplier `id`, read inside a writing transaction.
async fn current(conn: &mut PgConnection, id: &str) -> Result<Option<Current>, StoreError> {
    let row: Option<(i64, bool, String)> =
        sqlx::query_as("SELECT version, archived, doc::text FROM suppliers WHERE id = $1")
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
    conn: &mut PgConnection,
    row: &WriteRow<'_>,
    position: Option<i64>,
) -> Result<(), StoreError> {
    let sql = if position.is_some() {
        "INSERT INTO suppliers (id, position, version, doc, name, category, status, archived, \
         created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, now(), now())"
    } else {
        "UPDATE suppliers SET version = $3, doc = $4::jsonb, name = $5, category = $6, \
         status = $7, archived = $8, updated_at = now() \
         WHERE id = $1 AND version = $3 - 1 AND $2::int8 IS NULL"
    };
    let written = sqlx::query(sql)
        .bind(row.id)
        .bind(position)
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
            "the row changed under the writers' lock",
        ))
    }
}

/// Writes one batch; a row not written means it changed since the import read it.
async fn write_batch(conn: &mut PgConnection, batch: &[Write<'_>]) -> Result<(), StoreError> {
    let written = sqlx::query(UPSERT)
        .bind(batch.iter().map(|w| w.id).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.position).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.version).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.doc.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.name).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.category).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.status).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(context("writing suppliers"))?
        .rows_affected();
    if written == batch.len() as u64 {
        return Ok(());
    }
    let stored: HashMap<String, i64> =
        sqlx::query_as("SELECT id, version FROM suppliers WHERE id = ANY($1)")
            .bind(batch.iter().map(|w| w.id).collect::<Vec<_>>())
            .fetch_all(&mut *conn)
            .await
            .map_err(context("reading the versions of conflicting suppliers"))?
            .into_iter()
            .collect();
    Err(import::stale_write(
        batch.iter().map(|w| (w.id, w.version)),
        &stored,
    ))
}

#[async_trait]
impl Store for PostgresStore {
    async fn list_suppliers(&self) -> Result<Vec<StoredSupplier>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, version, doc::text, archived FROM suppliers WHERE NOT archived \
             ORDER BY position",
        )
        .fetch(&self.pool);
        decode::decode_all(rows, stored_supplier).await
    }

    async fn find_supplier(&self, id: &SupplierId) -> Result<Option<StoredSupplier>, StoreError> {
        sqlx::query("SELECT id, version, doc::text, archived FROM suppliers WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(context(format!("finding supplier `{id}`")))?
            .as_ref()
            .map(stored_supplier)
            .transpose()
    }

    async fn count_suppliers(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppliers WHERE NOT archived")
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
