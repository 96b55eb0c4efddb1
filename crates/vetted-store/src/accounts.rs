//! [`AccountStore`]: users, API tokens, browser sessions, login failures and setup tokens.
//!
//! A supertrait of [`Store`](crate::Store), implemented per backend in `sqlite/accounts.rs` and
//! `postgres/accounts.rs`; `tests/conformance/accounts.rs` holds both to the same behaviour.
//!
//! The store keeps what it is given and decides nothing about secrets: ids are made, secrets
//! hashed and passwords hashed by the caller (`vetted_app::accounts`). Times are passed in by
//! the caller too (its clock is injectable), and kept to the second. E-mail addresses are
//! compared whatever their case: they are stored lower-cased, and looked up lower-cased.

use async_trait::async_trait;
use time::OffsetDateTime;
use vetted_core::role::Role;

use crate::StoreError;

/// A stored account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Opaque, random, never reused.
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// argon2id, as a PHC string.
    pub password_hash: String,
    /// The TOTP secret (base32) when the second factor is on.
    pub totp_secret: Option<String>,
    /// A disabled account can neither sign in nor use its tokens or sessions.
    pub disabled: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

// By hand: the password hash and the TOTP secret never reach a log through `{:?}`.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("totp", &self.totp_secret.is_some())
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    /// Opaque and random (the caller makes it).
    pub id: String,
    /// Stored lower-cased.
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// argon2id, as a PHC string.
    pub password_hash: String,
    /// Creation time, also the first `updated_at`.
    pub now: OffsetDateTime,
}

/// A change to a user; `None` fields stay as they are.
#[derive(Clone, Default)]
pub struct UserChange {
    /// A new role.
    pub role: Option<Role>,
    /// Disable (`true`) or enable (`false`).
    pub disabled: Option<bool>,
    /// A new password hash.
    pub password_hash: Option<String>,
    /// `Some(Some(secret))` turns TOTP on, `Some(None)` off.
    pub totp_secret: Option<Option<String>>,
}

/// A stored API token (never the token itself).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ApiToken {
    /// Opaque and random; shown in listings, used to revoke.
    pub id: String,
    /// The user the token acts as (with that user's current role).
    pub user_id: String,
    /// What its owner called it.
    pub name: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// After this it is refused; `None`: never.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was last used (to the minute: it is written at most once a minute).
    pub last_used_at: Option<OffsetDateTime>,
}

/// An API token to create.
#[derive(Clone, Debug)]
pub struct NewToken {
    /// Opaque and random.
    pub id: String,
    /// The user it acts as.
    pub user_id: String,
    /// What its owner calls it.
    pub name: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// Creation time.
    pub now: OffsetDateTime,
    /// After this it is refused.
    pub expires_at: Option<OffsetDateTime>,
}

/// A stored browser session (never its secret).
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// Opaque and random; not the secret.
    pub id: String,
    /// Whose session it is.
    pub user_id: String,
    /// What unsafe requests of this session must carry in `X-CSRF-Token`.
    pub csrf_token: String,
    /// When the user signed in.
    pub created_at: OffsetDateTime,
    /// The last request seen (written at most once a minute).
    pub last_seen_at: OffsetDateTime,
    /// The absolute end, however active the session.
    pub expires_at: OffsetDateTime,
    /// When it was ended (logout, or its user disabled).
    pub revoked_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// A session to create.
#[derive(Clone)]
pub struct NewSession {
    /// Opaque and random.
    pub id: String,
    /// Hex SHA-256 of the secret the cookie carries.
    pub secret_hash: String,
    /// Whose session it is.
    pub user_id: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Sign-in time, also the first `last_seen_at`.
    pub now: OffsetDateTime,
    /// The absolute end.
    pub expires_at: OffsetDateTime,
}

/// What a failed login counts against.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FailureScope {
    /// The e-mail address tried (lower-cased), whether or not its account exists.
    Account,
    /// The client's address.
    Address,
}

impl FailureScope {
    /// `account` or `address`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureScope::Account => "account",
            FailureScope::Address => "address",
        }
    }
}

/// Failures recorded against one key since some time.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Failures {
    /// How many.
    pub count: u64,
    /// The oldest of them, if any: the window reopens when it ages out.
    pub oldest: Option<OffsetDateTime>,
}

/// Users, tokens, sessions, login failures and setup tokens.
///
/// Object-safe, like [`Store`](crate::Store), which has it as a supertrait.
// Audit: account changes are not yet written to the audit trail; the use cases in
// `vetted_app::accounts` are where they will be sealed, in the same transaction.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// How many users exist (disabled ones included).
    async fn count_users(&self) -> Result<u64, StoreError>;

    /// Creates a user; an e-mail address already taken (whatever its case) is a
    /// [`StoreError::Conflict`].
    async fn create_user(&self, new: &NewUser) -> Result<User, StoreError>;

    /// The user with this id.
    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// The user with this e-mail address, whatever its case.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Every user, by e-mail address.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// Changes a user ([`StoreError::NotFound`] if there is none). Disabling a user also
    /// revokes their sessions, in the same transaction.
    async fn update_user(
        &self,
        id: &str,
        change: &UserChange,
        now: OffsetDateTime,
    ) -> Result<User, StoreError>;

    /// Records that the user's TOTP code of time step `step` was used: `false` (and nothing
    /// changes) when that step or a later one was used already, so each code works once.
    async fn claim_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError>;

    /// Stores a new API token.
    async fn create_token(&self, new: &NewToken) -> Result<ApiToken, StoreError>;

    /// The token whose SHA-256 is `token_hash`, revoked or expired ones included.
    async fn find_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// The token with this id.
    async fn find_token(&self, id: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Every token, newest first.
    async fn list_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    /// Revokes a token ([`StoreError::NotFound`] if there is none); revoking twice keeps the
    /// first time.
    async fn revoke_token(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Records that a token was used at `now`.
    async fn touch_token(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Stores a new session.
    async fn create_session(&self, new: &NewSession) -> Result<Session, StoreError>;

    /// The session whose secret's SHA-256 is `secret_hash`, ended ones included.
    async fn find_session_by_hash(&self, secret_hash: &str) -> Result<Option<Session>, StoreError>;

    /// Records activity on a session at `now`.
    async fn touch_session(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Ends a session (logout); ending it twice keeps the first time.
    async fn revoke_session(&self, id: &str, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Deletes the sessions that ended before `before` (past their absolute expiry, or
    /// revoked): housekeeping, so the table does not grow without end.
    async fn delete_ended_sessions(&self, before: OffsetDateTime) -> Result<u64, StoreError>;

    /// Records a failed login against `key` in `scope`.
    async fn record_login_failure(
        &self,
        scope: FailureScope,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// The failures against `key` in `scope` later than `since`.
    async fn login_failures(
        &self,
        scope: FailureScope,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Failures, StoreError>;

    /// Forgets the failures against `key` in `scope` (after a successful login), and every
    /// failure older than `before` (housekeeping).
    async fn clear_login_failures(
        &self,
        scope: FailureScope,
        key: &str,
        before: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Stores a one-time setup token by the SHA-256 of its secret.
    async fn create_setup_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Whether a setup token is usable now: known, unused, unexpired, and no user exists yet.
    async fn setup_token_usable(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Uses a setup token to create the first user, in one transaction: the token must be
    /// known, unused and unexpired and no user may exist, else [`StoreError::Conflict`] and
    /// nothing is written. Of two concurrent calls, at most one creates a user.
    async fn complete_setup(&self, token_hash: &str, user: &NewUser) -> Result<User, StoreError>;
}

/// Seconds since the epoch, as stored.
pub(crate) fn to_secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A stored time, in UTC.
pub(crate) fn from_secs(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(crate::error::context("reading a stored time"))
}

/// The conflict of an e-mail address already taken.
pub(crate) fn email_taken(email: &str) -> StoreError {
    StoreError::Conflict {
        what: "user",
        id: email.to_string(),
        reason: "this e-mail address is already taken".into(),
    }
}

/// The conflict of a setup token that cannot be used.
pub(crate) fn setup_refused() -> StoreError {
    StoreError::Conflict {
        what: "setup token",
        id: String::new(),
        reason: "the setup link is unknown, used or expired, or an account exists already".into(),
    }
}

/// The role as stored.
pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s)
        .ok_or_else(|| StoreError::other("reading a user row", format!("unknown role `{s}`")))
}
