//! [`PolicyStore`] in `SQLite`: the `policy_versions` table (migration 0004).

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{SqliteStore, audit};
use crate::error::context;
use crate::policies::{self, PolicyStore, PolicyVersion};
use crate::{Change, StoreError};

const SELECT: &str =
    "SELECT number, toml, fingerprint, uploaded_by, uploaded_at FROM policy_versions";

fn version(row: &SqliteRow) -> Result<PolicyVersion, StoreError> {
    let read = context("reading a policy version");
    let get = |i: usize| {
        row.try_get::<String, _>(i)
            .map_err(context("reading a policy version"))
    };
    let at = get(4)?;
    Ok(PolicyVersion {
        number: row.try_get(0).map_err(read)?,
        toml: get(1)?,
        fingerprint: get(2)?,
        uploaded_by: policies::decode_actor(&get(3)?)?,
        uploaded_at: OffsetDateTime::parse(&at, &Rfc3339)
            .map_err(context("reading a policy version's upload time"))?,
    })
}

async fn latest(conn: &mut SqliteConnection) -> Result<Option<PolicyVersion>, StoreError> {
    let sql = format!("{SELECT} ORDER BY number DESC LIMIT 1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(conn)
        .await
        .map_err(context("reading the active policy"))?
        .as_ref()
        .map(version)
        .transpose()
}

#[async_trait]
impl PolicyStore for SqliteStore {
    async fn add_policy_version(
        &self,
        toml: &str,
        change: &Change,
    ) -> Result<PolicyVersion, StoreError> {
        let (mut tx, key) = self.begin_write("uploading a policy").await?;
        let previous = latest(&mut tx).await?;
        let (version, entry) = policies::next_version(previous.as_ref(), toml, change);
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "INSERT INTO policy_versions (number, toml, fingerprint, uploaded_by, uploaded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(version.number)
        .bind(&version.toml)
        .bind(&version.fingerprint)
        .bind(policies::encode_actor(&version.uploaded_by)?)
        .bind(
            version
                .uploaded_at
                .format(&Rfc3339)
                .map_err(context("formatting a policy's upload time"))?,
        )
        .execute(&mut *tx)
        .await
        .map_err(context("storing a policy version"))?;
        audit::append(&mut tx, &mut sealer, [entry]).await?;
        tx.commit()
            .await
            .map_err(context("storing a policy version"))?;
        Ok(version)
    }

    async fn latest_policy_number(&self) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT MAX(number) FROM policy_versions")
            .fetch_one(&self.pool)
            .await
            .map_err(context("reading the active policy's number"))
    }

    async fn latest_policy(&self) -> Result<Option<PolicyVersion>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading the active policy"))?;
        latest(&mut conn).await
    }

    async fn policy_version(&self, number: i64) -> Result<Option<PolicyVersion>, StoreError> {
        let sql = format!("{SELECT} WHERE number = ?1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .map_err(context("reading a policy version"))?
            .as_ref()
            .map(version)
            .transpose()
    }

    async fn policy_versions(&self) -> Result<Vec<PolicyVersion>, StoreError> {
        let sql = format!("{SELECT} ORDER BY number");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(context("reading the policy's versions"))?
            .iter()
            .map(version)
            .collect()
    }
}
