//! Vetted's storage: the [`Store`] trait and its backends.
//!
//! - [`store`]: the trait, taking and returning domain types ([`vetted_core::model`]).
//! - [`accounts`]: [`AccountStore`], users, API tokens, sessions, login failures, setup tokens.
//! - [`audit`]: [`AuditStore`], the audit trail every write appends to, read and verified.
//! - [`backup`]: [`BackupStore`], a consistent copy of the database and its restore.
//! - [`documents`]: [`DocumentStore`], evidence files kept by the SHA-256 of their content.
//! - [`keyfile`]: the audit key file, created on first start.
//! - [`evaluations`]: [`EvaluationStore`], stored evaluations and the list query.
//! - [`notify`]: [`NotifyStore`], the reminders' delivery log and once-per-window claims.
//! - [`policies`]: [`PolicyStore`], the supplier policy's versions and their history.
//! - [`sqlite`]: [`SqliteStore`], one `SQLite` file (schema in `migrations/sqlite/`).
//! - [`postgres`]: [`PostgresStore`], a `PostgreSQL` database (schema in `migrations/postgres/`).
//! - [`url`]: [`DatabaseUrl`], how configuration names the database; [`open`] picks the backend.
//! - [`error`]: the [`StoreError`] type.
//!
//! The conformance suite in `tests/conformance/` is written against `&dyn Store`, so every
//! backend passes the same tests: `tests/sqlite.rs` and `tests/postgres.rs` run it.

pub mod accounts;
pub mod audit;
pub mod backup;
mod decode;
pub mod documents;
pub mod error;
pub mod evaluations;
mod import;
pub mod keyfile;
pub mod notify;
mod page_cache;
pub mod policies;
pub mod postgres;
pub mod sqlite;
pub mod store;
pub mod subprocessors;
mod trail;
pub mod url;
mod writes;

use std::sync::Arc;

pub use accounts::AccountStore;
pub use audit::{AuditQuery, AuditStore};
pub use backup::{BackupStore, BackupSummary};
pub use documents::{DocumentStore, PutDocument, StoredDocument};
pub use error::StoreError;
pub use evaluations::{
    EvaluationStore, Evaluator, ListedSupplier, SortKey, SummaryPage, SupplierPage, SupplierQuery,
    SupplierSummary,
};
pub use notify::NotifyStore;
pub use policies::{PolicyStore, PolicyVersion};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use store::{Change, ImportSummary, PlannedVersions, Store, StoredSupplier};
pub use subprocessors::SubprocessorStore;
pub use url::DatabaseUrl;

use url::Target;
use vetted_core::audit::AuditKey;

/// Opens the database that `url_or_path` names: `sqlite:PATH`, `sqlite://PATH` or a plain
/// path is a `SQLite` file (created on first use); `postgres://…` or `postgresql://…` is a
/// `PostgreSQL` database (which must exist). Both are migrated on open. Other schemes are
/// [`StoreError::Unsupported`] with a message that says why; passwords never appear in errors.
pub async fn open(url_or_path: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_url(&DatabaseUrl::new(url_or_path)).await
}

/// [`open`] for a [`DatabaseUrl`] from configuration. The store can read but not write: writes
/// need the audit key ([`open_with_audit_key`]).
pub async fn open_url(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    match url.target()? {
        Target::Sqlite(path) => Ok(Arc::new(SqliteStore::open(&path).await?)),
        Target::Postgres(url) => Ok(Arc::new(PostgresStore::connect(&url).await?)),
    }
}

/// [`open_url`], with the audit key every write seals its entries with (see [`keyfile`]). A
/// key that is not the one the database's trail was sealed with is [`StoreError::AuditKey`],
/// here rather than at the first write.
pub async fn open_with_audit_key(
    url: &DatabaseUrl,
    key: AuditKey,
) -> Result<Arc<dyn Store>, StoreError> {
    match url.target()? {
        Target::Sqlite(path) => {
            let store = SqliteStore::open(&path).await?.with_audit_key(key);
            store.check_audit_key().await?;
            Ok(Arc::new(store))
        }
        Target::Postgres(url) => {
            let store = PostgresStore::connect(&url).await?.with_audit_key(key);
            store.check_audit_key().await?;
            Ok(Arc::new(store))
        }
    }
}
