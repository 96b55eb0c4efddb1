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
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::{Actor, NewEntry, action};
use vetted_core::role::Role;

use crate::{Change, StoreError};

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
///
/// The changes an admin makes to accounts (users created, role changed, disabled or enabled,
/// TOTP turned on, tokens created and revoked, the first admin created by setup) are written
/// to the audit trail in the same transaction, like supplier writes: those methods take a
/// [`Change`] (who and when) and need a store opened with the audit key
/// ([`StoreError::AuditKey`] otherwise). The entries hold ids, roles and flags only
/// ([`user_record`], [`token_record`]): never an e-mail address, a hash or a secret, so a
/// person's data can be erased without breaking the chain. Sessions, throttling and token
/// use are bookkeeping, not audited, and work without the key.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// How many users exist (disabled ones included).
    async fn count_users(&self) -> Result<u64, StoreError>;

    /// Creates a user (audit action `user.create`); an e-mail address already taken (whatever
    /// its case) is a [`StoreError::Conflict`] and nothing is written.
    async fn create_user(&self, new: &NewUser, change: &Change) -> Result<User, StoreError>;

    /// The user with this id.
    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// The user with this e-mail address, whatever its case.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// Every user, by e-mail address.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// Changes a user at `by.at` ([`StoreError::NotFound`] if there is none). Disabling a
    /// user also revokes their sessions, in the same transaction. Audit: `user.totp` when the
    /// TOTP flag changes, else `user.update` when the role or the disabled flag does; no entry
    /// when the audited record stays the same (a new password hash alone).
    async fn update_user(
        &self,
        id: &str,
        change: &UserChange,
        by: &Change,
    ) -> Result<User, StoreError>;

    /// Records that the user's TOTP code of time step `step` was used: `false` (and nothing
    /// changes) when that step or a later one was used already, so each code works once.
    async fn claim_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError>;

    /// Stores a new API token (audit action `token.create`).
    async fn create_token(&self, new: &NewToken, change: &Change) -> Result<ApiToken, StoreError>;

    /// The token whose SHA-256 is `token_hash`, revoked or expired ones included.
    async fn find_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// The token with this id.
    async fn find_token(&self, id: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Every token, newest first.
    async fn list_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    /// Revokes a token at `change.at` ([`StoreError::NotFound`] if there is none; audit action
    /// `token.revoke`); revoking twice keeps the first time and writes no second entry.
    async fn revoke_token(&self, id: &str, change: &Change) -> Result<(), StoreError>;

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
    /// nothing is written. Of two concurrent calls, at most one creates a user. Audit:
    /// `user.create` by [`Actor::System`] at `user.now`.
    async fn complete_setup(&self, token_hash: &str, user: &NewUser) -> Result<User, StoreError>;
}

/// A user as the audit trail records it: id, role and flags, never the e-mail address, the
/// password hash or the TOTP secret.
pub fn user_record(user: &User) -> Value {
    json!({
        "id": user.id,
        "role": user.role.as_str(),
        "disabled": user.disabled,
        "totp": user.totp_secret.is_some(),
    })
}

/// An API token as the audit trail records it: never the token or its hash.
pub fn token_record(token: &ApiToken) -> Value {
    json!({
        "id": token.id,
        "user_id": token.user_id,
        "name": token.name,
        "expires_at": token.expires_at.and_then(|t| t.format(&Rfc3339).ok()),
        "revoked": token.revoked_at.is_some(),
    })
}

fn entry(
    change: &Change,
    action: &str,
    subject: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> NewEntry {
    NewEntry {
        at: change.at,
        actor: change.actor.clone(),
        action: action.to_string(),
        subject: Some(subject.to_string()),
        before,
        after,
    }
}

/// The entry of a user created by `change`.
pub(crate) fn user_created(change: &Change, user: &User) -> NewEntry {
    entry(
        change,
        action::USER_CREATE,
        &user.id,
        None,
        Some(user_record(user)),
    )
}

/// The entry of the first admin, created by the setup.
pub(crate) fn setup_user_created(user: &User) -> NewEntry {
    user_created(
        &Change {
            actor: Actor::System,
            at: user.created_at,
        },
        user,
    )
}

/// The entry of a user changed from `before` to `after`, if the audited record changed.
pub(crate) fn user_changed(change: &Change, before: &User, after: &User) -> Option<NewEntry> {
    let (b, a) = (user_record(before), user_record(after));
    if a == b {
        return None;
    }
    let action = if before.totp_secret.is_some() == after.totp_secret.is_some() {
        action::USER_UPDATE
    } else {
        action::USER_TOTP
    };
    Some(entry(change, action, &after.id, Some(b), Some(a)))
}

/// The entry of a token created by `change`.
pub(crate) fn token_created(change: &Change, token: &ApiToken) -> NewEntry {
    entry(
        change,
        action::TOKEN_CREATE,
        &token.id,
        None,
        Some(token_record(token)),
    )
}

/// The entry of a token revoked, if it was not revoked already.
pub(crate) fn token_revoked(
    change: &Change,
    before: &ApiToken,
    after: &ApiToken,
) -> Option<NewEntry> {
    let (b, a) = (token_record(before), token_record(after));
    (a != b).then(|| entry(change, action::TOKEN_REVOKE, &after.id, Some(b), Some(a)))
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
