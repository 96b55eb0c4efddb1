//! The [`AccountStore`] on `PostgreSQL`: the queries of `sqlite/accounts.rs`. The setup holds a
//! transaction-scoped advisory lock, so of two concurrent setups the second waits, then finds
//! the token used; disabling a user and ending their sessions is one transaction.

use async_trait::async_trait;
use time::OffsetDateTime;
use vetted_core::role::Role;

use super::{PostgresStore, audit};
use crate::accounts::{
    AccountStore, ApiToken, FailureScope, Failures, NewSession, NewToken, NewUser, Session, User,
    UserChange, email_taken, from_secs, parse_role, setup_refused, setup_user_created, to_secs,
    token_created, token_revoked, user_changed, user_created,
};
use crate::error::context;
use crate::{Change, StoreError};

type Conn = sqlx::PgConnection;

const USER_COLUMNS: &str = "SELECT id, email, role, password_hash, totp_secret, disabled, created_at, updated_at FROM users";
type UserRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    i64,
    i64,
);

const TOKEN_COLUMNS: &str = "SELECT id, user_id, name, created_at, expires_at, revoked_at, \
     last_used_at FROM api_tokens";
type TokenRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

const SESSION_COLUMNS: &str = "SELECT id, user_id, csrf_token, created_at, last_seen_at, \
     expires_at, revoked_at FROM sessions";
type SessionRow = (String, String, String, i64, i64, i64, Option<i64>);

fn user(row: UserRow) -> Result<User, StoreError> {
    let (id, email, role, password_hash, totp_secret, disabled, created, updated) = row;
    Ok(User {
        id,
        email,
        role: parse_role(&role)?,
        password_hash,
        totp_secret,
        disabled,
        created_at: from_secs(created)?,
        updated_at: from_secs(updated)?,
    })
}

fn token(row: TokenRow) -> Result<ApiToken, StoreError> {
    let (id, user_id, name, created, expires, revoked, used) = row;
    Ok(ApiToken {
        id,
        user_id,
        name,
        created_at: from_secs(created)?,
        expires_at: expires.map(from_secs).transpose()?,
        revoked_at: revoked.map(from_secs).transpose()?,
        last_used_at: used.map(from_secs).transpose()?,
    })
}

fn session(row: SessionRow) -> Result<Session, StoreError> {
    let (id, user_id, csrf_token, created, seen, expires, revoked) = row;
    Ok(Session {
        id,
        user_id,
        csrf_token,
        created_at: from_secs(created)?,
        last_seen_at: from_secs(seen)?,
        expires_at: from_secs(expires)?,
        revoked_at: revoked.map(from_secs).transpose()?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

async fn insert_user(conn: &mut Conn, new: &NewUser) -> Result<User, StoreError> {
    let email = new.email.to_lowercase();
    sqlx::query(
        "INSERT INTO users (id, email, role, password_hash, totp_secret, disabled, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, NULL, FALSE, $5, $5)",
    )
    .bind(&new.id)
    .bind(&email)
    .bind(new.role.as_str())
    .bind(&new.password_hash)
    .bind(to_secs(new.now))
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            email_taken(&email)
        } else {
            StoreError::other("creating a user", e)
        }
    })?;
    select_user(conn, &new.id)
        .await?
        .ok_or_else(|| StoreError::other("creating a user", "the new user is missing"))
}

async fn select_user(conn: &mut Conn, id: &str) -> Result<Option<User>, StoreError> {
    sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!("{USER_COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(context("finding a user"))?
        .map(user)
        .transpose()
}

async fn select_token(conn: &mut Conn, id: &str) -> Result<Option<ApiToken>, StoreError> {
    sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(format!(
        "{TOKEN_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(context("finding an API token"))?
    .map(token)
    .transpose()
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn count_users(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(context("counting users"))?;
        u64::try_from(n).map_err(context("counting users"))
    }

    async fn create_user(&self, new: &NewUser, change: &Change) -> Result<User, StoreError> {
        let (mut tx, key) = self.begin_write("creating a user").await?;
        let mut sealer = audit::start(&mut tx, key).await?;
        let created = insert_user(&mut tx, new).await?;
        audit::append(&mut tx, &mut sealer, [user_created(change, &created)]).await?;
        tx.commit().await.map_err(context("creating a user"))?;
        Ok(created)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("finding a user"))?;
        select_user(&mut conn, id).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!(
            "{USER_COLUMNS} WHERE lower(email) = $1"
        )))
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(context("finding a user"))?
        .map(user)
        .transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!(
            "{USER_COLUMNS} ORDER BY email"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(context("listing users"))?
        .into_iter()
        .map(user)
        .collect()
    }

    async fn update_user(
        &self,
        id: &str,
        change: &UserChange,
        by: &Change,
    ) -> Result<User, StoreError> {
        let now = by.at;
        let (mut tx, key) = self.begin_write("updating a user").await?;
        let before = select_user(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                id: id.to_string(),
            })?;
        let (set_totp, totp) = match &change.totp_secret {
            None => (false, None),
            Some(secret) => (true, secret.clone()),
        };
        let updated = sqlx::query(
            "UPDATE users SET role = COALESCE($2::text, role), disabled = COALESCE($3::boolean, disabled), \
             password_hash = COALESCE($4::text, password_hash), \
             totp_last_step = CASE WHEN $5::boolean THEN NULL ELSE totp_last_step END, \
             totp_secret = CASE WHEN $5::boolean THEN $6::text ELSE totp_secret END, updated_at = $7 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(change.role.map(Role::as_str))
        .bind(change.disabled)
        .bind(change.password_hash.as_deref())
        .bind(set_totp)
        .bind(totp)
        .bind(to_secs(now))
        .execute(&mut *tx)
        .await
        .map_err(context("updating a user"))?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound {
                what: "user",
                id: id.to_string(),
            });
        }
        if change.disabled == Some(true) {
            sqlx::query(
                "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(to_secs(now))
            .execute(&mut *tx)
            .await
            .map_err(context("ending the sessions of a disabled user"))?;
        }
        let user = select_user(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::other("updating a user", "the user is missing"))?;
        if let Some(entry) = user_changed(by, &before, &user) {
            let mut sealer = audit::start(&mut tx, key).await?;
            audit::append(&mut tx, &mut sealer, [entry]).await?;
        }
        tx.commit().await.map_err(context("updating a user"))?;
        Ok(user)
    }

    async fn claim_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user_id)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(context("recording a TOTP code as used"))?
        .rows_affected();
        Ok(n == 1)
    }

    async fn create_token(&self, new: &NewToken, change: &Change) -> Result<ApiToken, StoreError> {
        let (mut tx, key) = self.begin_write("creating an API token").await?;
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&new.id)
        .bind(&new.user_id)
        .bind(&new.name)
        .bind(&new.token_hash)
        .bind(to_secs(new.now))
        .bind(new.expires_at.map(to_secs))
        .execute(&mut *tx)
        .await
        .map_err(context("creating an API token"))?;
        let created = select_token(&mut tx, &new.id).await?.ok_or_else(|| {
            StoreError::other("creating an API token", "the new token is missing")
        })?;
        audit::append(&mut tx, &mut sealer, [token_created(change, &created)]).await?;
        tx.commit()
            .await
            .map_err(context("creating an API token"))?;
        Ok(created)
    }

    async fn find_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(format!(
            "{TOKEN_COLUMNS} WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(context("finding an API token"))?
        .map(token)
        .transpose()
    }

    async fn find_token(&self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(format!(
            "{TOKEN_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(context("finding an API token"))?
        .map(token)
        .transpose()
    }

    async fn list_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(format!(
            "{TOKEN_COLUMNS} ORDER BY created_at DESC, id"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(context("listing API tokens"))?
        .into_iter()
        .map(token)
        .collect()
    }

    async fn revoke_token(&self, id: &str, change: &Change) -> Result<(), StoreError> {
        let (mut tx, key) = self.begin_write("revoking an API token").await?;
        let before = select_token(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "API token",
                id: id.to_string(),
            })?;
        sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .bind(id)
            .bind(to_secs(change.at))
            .execute(&mut *tx)
            .await
            .map_err(context("revoking an API token"))?;
        let after = select_token(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::other("revoking an API token", "the token is missing"))?;
        if let Some(entry) = token_revoked(change, &before, &after) {
            let mut sealer = audit::start(&mut tx, key).await?;
            audit::append(&mut tx, &mut sealer, [entry]).await?;
        }
        tx.commit()
            .await
            .map_err(context("revoking an API token"))?;
        Ok(())
    }

    async fn touch_token(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(to_secs(now))
            .execute(&self.pool)
            .await
            .map_err(context("recording the use of an API token"))?;
        Ok(())
    }

    async fn create_session(&self, new: &NewSession) -> Result<Session, StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, secret_hash, user_id, csrf_token, created_at, \
             last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(&new.id)
        .bind(&new.secret_hash)
        .bind(&new.user_id)
        .bind(&new.csrf_token)
        .bind(to_secs(new.now))
        .bind(to_secs(new.expires_at))
        .execute(&self.pool)
        .await
        .map_err(context("creating a session"))?;
        self.find_session_by_hash(&new.secret_hash)
            .await?
            .ok_or_else(|| StoreError::other("creating a session", "the new session is missing"))
    }

    async fn find_session_by_hash(&self, secret_hash: &str) -> Result<Option<Session>, StoreError> {
        sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(format!(
            "{SESSION_COLUMNS} WHERE secret_hash = $1"
        )))
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(context("finding a session"))?
        .map(session)
        .transpose()
    }

    async fn touch_session(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(to_secs(now))
            .execute(&self.pool)
            .await
            .map_err(context("recording activity on a session"))?;
        Ok(())
    }

    async fn revoke_session(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .bind(id)
            .bind(to_secs(now))
            .execute(&self.pool)
            .await
            .map_err(context("ending a session"))?;
        Ok(())
    }

    async fn delete_ended_sessions(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
                .bind(to_secs(before))
                .execute(&self.pool)
                .await
                .map_err(context("deleting ended sessions"))?
                .rows_affected(),
        )
    }

    async fn record_login_failure(
        &self,
        scope: FailureScope,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO login_failures (scope, key, at) VALUES ($1, $2, $3)")
            .bind(scope.as_str())
            .bind(key)
            .bind(to_secs(at))
            .execute(&self.pool)
            .await
            .map_err(context("recording a failed login"))?;
        Ok(())
    }

    async fn login_failures(
        &self,
        scope: FailureScope,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Failures, StoreError> {
        let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE scope = $1 AND key = $2 AND at > $3",
        )
        .bind(scope.as_str())
        .bind(key)
        .bind(to_secs(since))
        .fetch_one(&self.pool)
        .await
        .map_err(context("counting failed logins"))?;
        Ok(Failures {
            count: u64::try_from(count).map_err(context("counting failed logins"))?,
            oldest: oldest.map(from_secs).transpose()?,
        })
    }

    async fn clear_login_failures(
        &self,
        scope: FailureScope,
        key: &str,
        before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE (scope = $1 AND key = $2) OR at < $3")
            .bind(scope.as_str())
            .bind(key)
            .bind(to_secs(before))
            .execute(&self.pool)
            .await
            .map_err(context("clearing failed logins"))?;
        Ok(())
    }

    async fn create_setup_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(to_secs(now))
        .bind(to_secs(expires_at))
        .execute(&self.pool)
        .await
        .map_err(context("creating a setup token"))?;
        Ok(())
    }

    async fn setup_token_usable(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM setup_tokens WHERE token_hash = $1 \
             AND used_at IS NULL AND expires_at > $2) AND NOT EXISTS (SELECT 1 FROM users)",
        )
        .bind(token_hash)
        .bind(to_secs(now))
        .fetch_one(&self.pool)
        .await
        .map_err(context("checking a setup token"))
    }

    async fn complete_setup(&self, token_hash: &str, new: &NewUser) -> Result<User, StoreError> {
        // The writers' lock first: a concurrent setup waits here, then finds the token used.
        let (mut tx, key) = self.begin_write("completing the setup").await?;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .map_err(context("completing the setup"))?;
        let used = sqlx::query(
            "UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
             AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(to_secs(new.now))
        .execute(&mut *tx)
        .await
        .map_err(context("completing the setup"))?
        .rows_affected();
        if users != 0 || used != 1 {
            return Err(setup_refused());
        }
        let created = insert_user(&mut tx, new).await?;
        let mut sealer = audit::start(&mut tx, key).await?;
        audit::append(&mut tx, &mut sealer, [setup_user_created(&created)]).await?;
        tx.commit().await.map_err(context("completing the setup"))?;
        Ok(created)
    }
}
