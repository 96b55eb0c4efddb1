//! Accounts: who may use Vetted and how they prove it. [`Accounts`] is the use-case layer over
//! [`vetted_store::AccountStore`]: it validates input, hashes passwords ([`password`]), makes and
//! digests secrets ([`secret`]), checks TOTP codes ([`totp`]), throttles logins, and decides
//! whether a session or API token is still good. The web layer (`vetted_web::auth`) and the CLI
//! (`vetted user`, `vetted token`) call it; neither touches secrets or the store directly.
//!
//! The clock is injectable ([`Clock`]) so tests can age sessions without waiting.
//!
//! Audit: the methods that change accounts (users created, role changed, disabled or enabled,
//! TOTP turned on, tokens created or revoked) take the [`Actor`] who asks; the store seals the
//! entry (ids and flags only) in the same transaction as the change, and refuses the change
//! when it was opened without the audit key. The first admin made by the setup is recorded as
//! [`Actor::System`].

pub mod password;
pub mod secret;
pub mod totp;

use std::fmt;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use vetted_core::audit::Actor;
use vetted_core::role::Role;
use vetted_store::accounts::{
    ApiToken, FailureScope, NewSession, NewToken, NewUser, Session, User, UserChange,
};
use vetted_store::{Change, Store, StoreError};

/// The time now; the web layer and tests may supply their own.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The system clock, in UTC.
pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// How long things last and how many failed logins are allowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AccountSettings {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Failed logins allowed per account and per address within [`Self::failure_window`].
    pub max_failures: u64,
    /// The window over which failed logins are counted.
    pub failure_window: Duration,
    /// How long a first-run setup link works.
    pub setup_lifetime: Duration,
    /// Activity on a session or token is written at most this often.
    pub touch_interval: Duration,
}

impl Default for AccountSettings {
    fn default() -> AccountSettings {
        AccountSettings {
            session_idle: Duration::hours(1),
            session_absolute: Duration::hours(12),
            max_failures: 5,
            failure_window: Duration::minutes(15),
            setup_lifetime: Duration::hours(24),
            touch_interval: Duration::minutes(1),
        }
    }
}

/// What can go wrong with an account operation.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field of the input is unacceptable; `field` is its path (`email`, `password`).
    #[error("{field}: {message}")]
    Invalid {
        /// The field's path.
        field: &'static str,
        /// What is wrong, for a person.
        message: String,
    },
    /// The e-mail address, password or TOTP code is wrong, or the account is disabled: the
    /// same answer for each, so it reveals nothing.
    #[error("the e-mail address, password or code is wrong")]
    BadCredentials,
    /// The password was right and the account has a second factor: send the TOTP code too.
    #[error("this account needs the code from its authenticator app")]
    TotpRequired,
    /// Too many failed logins for this account or address: try again after the delay.
    #[error("too many failed logins: try again in {} seconds", retry_after.whole_seconds())]
    Throttled {
        /// How long until the next attempt can succeed.
        retry_after: Duration,
    },
    /// An admin tried to disable their own account or lower their own role: refused, so the
    /// last admin cannot lock everyone out by mistake; another admin must do it.
    #[error("an admin cannot disable or demote themselves; ask another admin")]
    OwnAccount,
    /// The setup link is unknown, used or expired, or an account exists already.
    #[error("this setup link is no longer valid")]
    SetupClosed,
    /// A stored record was not found, or an e-mail address is taken (see [`StoreError`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A session just created by a login: the cookie's secret (shown once) and the session.
pub struct NewLogin {
    /// Who signed in.
    pub user: User,
    /// The session (its CSRF token included).
    pub session: Session,
    /// The secret the session cookie carries; only its digest is stored.
    pub secret: String,
}

impl fmt::Debug for NewLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewLogin")
            .field("user", &self.user)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// A login attempt.
pub struct LoginInput<'a> {
    /// The e-mail address, any case.
    pub email: &'a str,
    /// The password.
    pub password: &'a str,
    /// The TOTP code, when the account has a second factor.
    pub totp: Option<&'a str>,
    /// The client's address, for per-address throttling.
    pub address: &'a str,
}

/// An authenticated session or token with its user.
#[derive(Debug)]
pub struct Authenticated<T> {
    /// The user, enabled.
    pub user: User,
    /// The session or token.
    pub credential: T,
}

/// The account use cases; cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn Store>,
    settings: AccountSettings,
    clock: Clock,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Trims and lower-cases an e-mail address, or says why it is not one.
pub fn normalize_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let invalid = |message: &str| AccountError::Invalid {
        field: "email",
        message: message.into(),
    };
    if email.is_empty() {
        return Err(invalid("an e-mail address is required"));
    }
    if email.len() > 254 {
        return Err(invalid("an e-mail address has at most 254 characters"));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(email)
        }
        _ => Err(invalid(
            "this is not an e-mail address (expected NAME@DOMAIN)",
        )),
    }
}

fn check_password(password: &str) -> Result<(), AccountError> {
    match password::password_problem(password) {
        Some(message) => Err(AccountError::Invalid {
            field: "password",
            message,
        }),
        None => Ok(()),
    }
}

/// Hashing takes tens of milliseconds of CPU: off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

impl Accounts {
    /// The use cases over `store`, with `settings` and the system clock.
    pub fn new(store: Arc<dyn Store>, settings: AccountSettings) -> Accounts {
        Accounts::with_clock(store, settings, system_clock())
    }

    /// The use cases with a clock of the caller's (tests age sessions with it).
    pub fn with_clock(store: Arc<dyn Store>, settings: AccountSettings, clock: Clock) -> Accounts {
        Accounts {
            store,
            settings,
            clock,
        }
    }

    /// Closes the store's connections (see [`Store::close`]).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The settings in force.
    pub fn settings(&self) -> &AccountSettings {
        &self.settings
    }

    /// A change by `actor` now, by this service's clock.
    fn change(&self, actor: Actor) -> Change {
        Change {
            actor,
            at: self.now(),
        }
    }

    /// The time now, by this service's clock, to the second.
    pub fn now(&self) -> OffsetDateTime {
        let now = (self.clock)();
        now.replace_nanosecond(0).unwrap_or(now)
    }

    /// Creates a user after checking the e-mail address and the password rules; the audit
    /// trail records `user.create` by `actor` (the user id, never the e-mail address).
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        role: Role,
        actor: Actor,
    ) -> Result<User, AccountError> {
        let new = self.new_user(email, password, role).await?;
        Ok(self.store.create_user(&new, &self.change(actor)).await?)
    }

    async fn new_user(
        &self,
        email: &str,
        password: &str,
        role: Role,
    ) -> Result<NewUser, AccountError> {
        let email = normalize_email(email)?;
        check_password(password)?;
        let password = password.to_string();
        let password_hash = blocking(move || password::hash_password(&password)).await;
        Ok(NewUser {
            id: secret::new_id(),
            email,
            role,
            password_hash,
            now: self.now(),
        })
    }

    /// Every user, by e-mail address.
    pub async fn list_users(&self) -> Result<Vec<User>, AccountError> {
        Ok(self.store.list_users().await?)
    }

    /// The user with this id, or [`StoreError::NotFound`].
    pub async fn get_user(&self, id: &str) -> Result<User, AccountError> {
        self.store.find_user(id).await?.ok_or_else(|| {
            AccountError::Store(StoreError::NotFound {
                what: "user",
                id: id.to_string(),
            })
        })
    }

    /// The user with this e-mail address, or [`StoreError::NotFound`].
    pub async fn get_user_by_email(&self, email: &str) -> Result<User, AccountError> {
        let email = normalize_email(email)?;
        self.store
            .find_user_by_email(&email)
            .await?
            .ok_or(AccountError::Store(StoreError::NotFound {
                what: "user",
                id: email,
            }))
    }

    /// Changes a user's role or disables/enables them; disabling ends their sessions. The
    /// audit trail records `user.update` by `actor` with the role and flags before and after.
    /// Disabling oneself or lowering one's own role (the actor's user, by session or token) is
    /// [`AccountError::OwnAccount`], and nothing changes.
    pub async fn update_user(
        &self,
        id: &str,
        role: Option<Role>,
        disabled: Option<bool>,
        actor: Actor,
    ) -> Result<User, AccountError> {
        let acting_user = match &actor {
            Actor::User { id } | Actor::Token { user_id: id, .. } => Some(id.as_str()),
            Actor::System => None,
        };
        if acting_user == Some(id) {
            let user = self.get_user(id).await?;
            if disabled == Some(true) || role.is_some_and(|r| r < user.role) {
                return Err(AccountError::OwnAccount);
            }
        }
        let change = UserChange {
            role,
            disabled,
            ..UserChange::default()
        };
        Ok(self
            .store
            .update_user(id, &change, &self.change(actor))
            .await?)
    }

    /// Turns TOTP on for a user: returns the new secret (base32) and its `otpauth://` URI,
    /// to be shown once. The audit trail records `user.totp` by `actor` (never the secret).
    pub async fn enable_totp(
        &self,
        id: &str,
        actor: Actor,
    ) -> Result<(String, String), AccountError> {
        let secret = totp::new_secret();
        let change = UserChange {
            totp_secret: Some(Some(secret.clone())),
            ..UserChange::default()
        };
        let user = self
            .store
            .update_user(id, &change, &self.change(actor))
            .await?;
        let uri = totp::otpauth_uri(&secret, &user.email);
        Ok((secret, uri))
    }

    /// Refuses with [`AccountError::Throttled`] when the account or the address has had too
    /// many failed logins within the window.
    async fn check_throttle(&self, email_key: &str, address: &str) -> Result<(), AccountError> {
        let now = self.now();
        let since = now - self.settings.failure_window;
        let mut retry_after = Duration::ZERO;
        for (scope, key) in [
            (FailureScope::Account, email_key),
            (FailureScope::Address, address),
        ] {
            let failures = self.store.login_failures(scope, key, since).await?;
            if failures.count >= self.settings.max_failures {
                let reopens = failures
                    .oldest
                    .map_or(now, |t| t + self.settings.failure_window);
                retry_after = retry_after.max(reopens - now).max(Duration::SECOND);
            }
        }
        if retry_after > Duration::ZERO {
            return Err(AccountError::Throttled { retry_after });
        }
        Ok(())
    }

    async fn record_failure(&self, email_key: &str, address: &str) -> Result<(), AccountError> {
        let now = self.now();
        self.store
            .record_login_failure(FailureScope::Account, email_key, now)
            .await?;
        self.store
            .record_login_failure(FailureScope::Address, address, now)
            .await?;
        Ok(())
    }

    /// Checks an e-mail address and password (and TOTP code when the account has one) and
    /// opens a session. Unknown account, wrong password and disabled account take the same
    /// time and give the same [`AccountError::BadCredentials`]; each failure counts against
    /// the account and the address, and past [`AccountSettings::max_failures`] within the
    /// window the answer is [`AccountError::Throttled`] whatever the password.
    pub async fn login(&self, input: LoginInput<'_>) -> Result<NewLogin, AccountError> {
        // Throttle on whatever was typed, valid address or not, so no key escapes counting.
        let email_key = input.email.trim().to_lowercase();
        self.check_throttle(&email_key, input.address).await?;

        let user = match normalize_email(input.email) {
            Ok(email) => self.store.find_user_by_email(&email).await?,
            Err(_) => None,
        };
        let password = input.password.to_string();
        let password_ok = if let Some(user) = &user {
            let hash = user.password_hash.clone();
            blocking(move || password::verify_password(&password, &hash)).await
        } else {
            blocking(move || password::verify_dummy(&password)).await;
            false
        };
        let user = match user {
            Some(user) if password_ok && !user.disabled => user,
            _ => {
                self.record_failure(&email_key, input.address).await?;
                return Err(AccountError::BadCredentials);
            }
        };
        if let Some(secret) = &user.totp_secret {
            match input.totp {
                None => return Err(AccountError::TotpRequired),
                Some(code) => {
                    // A code is good once (RFC 6238, section 5.2): a code seen over someone's
                    // shoulder or replayed from a log is refused.
                    let fresh = match totp::matching_step(secret, code, self.now().unix_timestamp())
                    {
                        Some(step) => self.store.claim_totp_step(&user.id, step).await?,
                        None => false,
                    };
                    if !fresh {
                        self.record_failure(&email_key, input.address).await?;
                        return Err(AccountError::BadCredentials);
                    }
                }
            }
        }

        let now = self.now();
        self.store
            .clear_login_failures(
                FailureScope::Account,
                &email_key,
                now - self.settings.failure_window,
            )
            .await?;
        // Housekeeping at each sign-in: sessions that ended over a day ago go.
        self.store
            .delete_ended_sessions(now - Duration::DAY)
            .await?;
        let secret = secret::new_secret();
        let session = self
            .store
            .create_session(&NewSession {
                id: secret::new_id(),
                secret_hash: secret::digest(&secret),
                user_id: user.id.clone(),
                csrf_token: secret::new_secret(),
                now,
                expires_at: now + self.settings.session_absolute,
            })
            .await?;
        Ok(NewLogin {
            user,
            session,
            secret,
        })
    }

    /// The live session whose cookie carries `secret`, with its enabled user: not ended, not
    /// past its absolute expiry, used within the idle time. Activity is recorded at most once
    /// per [`AccountSettings::touch_interval`].
    pub async fn authenticate_session(
        &self,
        secret: &str,
    ) -> Result<Option<Authenticated<Session>>, AccountError> {
        let Some(session) = self
            .store
            .find_session_by_hash(&secret::digest(secret))
            .await?
        else {
            return Ok(None);
        };
        let now = self.now();
        if session.revoked_at.is_some()
            || now >= session.expires_at
            || now - session.last_seen_at >= self.settings.session_idle
        {
            return Ok(None);
        }
        let Some(user) = self
            .store
            .find_user(&session.user_id)
            .await?
            .filter(|u| !u.disabled)
        else {
            return Ok(None);
        };
        if now - session.last_seen_at >= self.settings.touch_interval {
            self.store.touch_session(&session.id, now).await?;
        }
        Ok(Some(Authenticated {
            user,
            credential: session,
        }))
    }

    /// Ends a session, server-side: its cookie no longer works anywhere.
    pub async fn logout(&self, session_id: &str) -> Result<(), AccountError> {
        Ok(self.store.revoke_session(session_id, self.now()).await?)
    }

    /// The valid API token `token`, with its enabled user: known, not revoked, not expired.
    /// Use is recorded at most once per [`AccountSettings::touch_interval`].
    pub async fn authenticate_token(
        &self,
        token: &str,
    ) -> Result<Option<Authenticated<ApiToken>>, AccountError> {
        let Some(api_token) = self
            .store
            .find_token_by_hash(&secret::digest(token))
            .await?
        else {
            return Ok(None);
        };
        let now = self.now();
        if api_token.revoked_at.is_some() || api_token.expires_at.is_some_and(|e| now >= e) {
            return Ok(None);
        }
        let Some(user) = self
            .store
            .find_user(&api_token.user_id)
            .await?
            .filter(|u| !u.disabled)
        else {
            return Ok(None);
        };
        if api_token
            .last_used_at
            .is_none_or(|t| now - t >= self.settings.touch_interval)
        {
            self.store.touch_token(&api_token.id, now).await?;
        }
        Ok(Some(Authenticated {
            user,
            credential: api_token,
        }))
    }

    /// Creates an API token for a user; returns it with the token itself, to be shown once.
    /// The audit trail records `token.create` by `actor` (the token's id and user, never the
    /// token).
    pub async fn create_token(
        &self,
        user_id: &str,
        name: &str,
        expires_at: Option<OffsetDateTime>,
        actor: Actor,
    ) -> Result<(ApiToken, String), AccountError> {
        let name = name.trim();
        if name.chars().count() > 100 {
            return Err(AccountError::Invalid {
                field: "name",
                message: "a token name has at most 100 characters".into(),
            });
        }
        let now = self.now();
        if expires_at.is_some_and(|e| e <= now) {
            return Err(AccountError::Invalid {
                field: "expires",
                message: "the expiry must be in the future".into(),
            });
        }
        self.get_user(user_id).await?;
        let token = secret::new_api_token();
        let stored = self
            .store
            .create_token(
                &NewToken {
                    id: secret::new_id(),
                    user_id: user_id.to_string(),
                    name: if name.is_empty() { "token" } else { name }.to_string(),
                    token_hash: secret::digest(&token),
                    now,
                    expires_at,
                },
                &Change { actor, at: now },
            )
            .await?;
        Ok((stored, token))
    }

    /// Every API token, newest first.
    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>, AccountError> {
        Ok(self.store.list_tokens().await?)
    }

    /// Revokes an API token; it is refused from now on. The audit trail records
    /// `token.revoke` by `actor` (once: revoking again changes nothing).
    pub async fn revoke_token(&self, id: &str, actor: Actor) -> Result<(), AccountError> {
        Ok(self.store.revoke_token(id, &self.change(actor)).await?)
    }

    /// When no user exists: a new one-time setup token (the secret, shown once), else `None`.
    pub async fn open_setup(&self) -> Result<Option<String>, AccountError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let token = secret::new_secret();
        let now = self.now();
        self.store
            .create_setup_token(
                &secret::digest(&token),
                now,
                now + self.settings.setup_lifetime,
            )
            .await?;
        Ok(Some(token))
    }

    /// Whether the setup link with `token` still works.
    pub async fn setup_usable(&self, token: &str) -> Result<bool, AccountError> {
        Ok(self
            .store
            .setup_token_usable(&secret::digest(token), self.now())
            .await?)
    }

    /// Creates the first admin with a setup token; the token is spent, and of two concurrent
    /// calls only one succeeds.
    pub async fn complete_setup(
        &self,
        token: &str,
        email: &str,
        password: &str,
    ) -> Result<User, AccountError> {
        if !self.setup_usable(token).await? {
            return Err(AccountError::SetupClosed);
        }
        let new = self.new_user(email, password, Role::Admin).await?;
        // The store records `user.create` by the system (the setup) in the same transaction.
        match self
            .store
            .complete_setup(&secret::digest(token), &new)
            .await
        {
            Err(StoreError::Conflict {
                what: "setup token",
                ..
            }) => Err(AccountError::SetupClosed),
            other => Ok(other?),
        }
    }
}
