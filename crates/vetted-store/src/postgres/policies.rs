//! [`PolicyStore`] in `PostgreSQL`: the `policy_versions` table (migration 0004).

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::{PostgresStore, audit};
use crate::error::context;
use crate::policies::{self, PolicyStore, PolicyVersion};
use crate::{Change, StoreError};

const SELECT: &str = "SELECT number, toml, fingerprint, uploaded_by, \
    (EXTRACT(EPOCH FROM uploaded_at) * 1000000)::int8 FROM policy_versions";

fn version(row: &PgRow) -> Result<PolicyVersion, StoreError> {
    let get = |i: usize| {
        row.try_get::<String, _>(i)
            .map_err(context("reading a policy version"))
    };
    let us: i64 = row
        .try_get(4)
        .map_err(context("reading a policy version"))?;
    Ok(PolicyVersion {
        number: row
            .try_get(0)
            .map_err(context("reading a policy version"))?,
        toml: get(1)?,
        fingerprint: get(2)?,
        uploaded_by: policies::decode_actor(&get(3)?)?,
        uploaded_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
            .map_err(context("reading a policy version's upload time"))?,
    })
}

async fn latest(conn: &mut PgConnection) -> Result<Option<PolicyVersion>, StoreError> {
    let sql = format!("{SELECT} ORDER BY number DESC LIMIT 1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(conn)
        .await
        .map_err(context("reading the active policy"))?
        .as_ref()
        .map(version)
        .transpose()
}

fn micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

#[async_trait]
impl PolicyStore for PostgresStore {
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
             VALUES ($1, $2, $3, $4, TIMESTAMPTZ 'epoch' + $5 * INTERVAL '1 microsecond')",
        )
        .bind(version.number)
        .bind(&version.toml)
        .bind(&version.fingerprint)
        .bind(policies::encode_actor(&version.uploaded_by)?)
        .bind(micros(version.uploaded_at))
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
        let sql = format!("{SELECT} WHERE number = $1");
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
