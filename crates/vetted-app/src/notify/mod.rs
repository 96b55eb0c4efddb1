//! Reminders out of the building: runs the reminders of a day into digests per recipient
//! ([`vetted_core::remind`]), queues them once per window in the delivery log
//! ([`vetted_store::NotifyStore`]), and sends what is due over e-mail and webhooks, retrying
//! failures with backoff.
//!
//! Two steps, so that nothing is lost and nothing is sent twice:
//! 1. [`Notifier::run`] (the daily run; `vetted notify`): every reminder of the day, cut into
//!    digests: one per admin (and extra address) and per webhook with everything, one per
//!    supplier owner who is an e-mail address with their own. Each digest claims its
//!    (recipient, key, window) triples and is queued, rendered, in the same transaction; the
//!    claims already taken are left out, and a digest with nothing new is not queued.
//! 2. [`Notifier::deliver`] (after each run, and every minute while serving): leases the due
//!    deliveries, sends each, and records the outcome. A transient failure is retried after
//!    1, 2, 4, … minutes (at most 6 hours apart) up to `max_attempts`; then, or at once on a
//!    permanent failure, the delivery is kept as failed, shown on the admin page, and retried
//!    by hand.

pub mod message;
pub mod send;

use std::sync::Arc;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use vetted_core::model::Supplier;
use vetted_core::policy::Policy;
use vetted_core::remind::{self, Recipient, Reminder, Schedule};
use vetted_core::role::Role;
use vetted_store::notify::{Delivery, DeliveryKind, NewDelivery, Outcome};
use vetted_store::{Store, StoreError};

use self::message::{Digest, Email, Hook};
use self::send::Attempt;

/// How a connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP, then `STARTTLS` (required); port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS"); port 465 by default.
    Tls,
    /// No encryption: only for a relay on the same host or network; port 25 by default.
    None,
}

impl Security {
    /// The port a server of this kind listens on unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }

    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Security::Starttls => "STARTTLS",
            Security::Tls => "TLS",
            Security::None => "none (plain SMTP)",
        }
    }
}

impl SmtpSettings {
    /// The port connected to: the one configured, or the default of `security`.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }
}

/// The SMTP server reminders go through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    /// The port; by default that of `security`.
    pub port: Option<u16>,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// A CA certificate (PEM) to trust besides the public roots, for a server with a private CA.
    pub ca_pem: Option<String>,
    pub timeout_seconds: u32,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("ca_pem", &self.ca_pem.is_some())
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

/// What a webhook's body looks like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// Vetted's JSON ([`Digest::json`]).
    #[default]
    Json,
    /// `{"text": …}` for Slack-compatible incoming webhooks.
    Slack,
}

/// A configured webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Names it in the delivery log and in claims (renaming it sends again).
    pub name: String,
    pub url: String,
    pub format: WebhookFormat,
    /// Signs each body ([`send::signature`]) when set.
    pub secret: Option<String>,
}

impl Webhook {
    /// The URL's scheme and host (`https://hooks.example.eu`), all of it that may be shown: the
    /// path can be a secret (Slack's carry a token).
    pub fn origin(&self) -> Option<&str> {
        let (scheme, rest) = self.url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        Some(&self.url[..scheme.len() + 3 + host.len()])
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self
            .origin()
            .map_or_else(|| "<not a URL>".into(), |o| format!("{o}/…"));
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &shown)
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Everything about reminders that the configuration says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub smtp: Option<SmtpSettings>,
    pub webhooks: Vec<Webhook>,
    pub schedule: Schedule,
    /// The address users reach the server at, for links (no trailing slash).
    pub base_url: String,
    /// Addresses that get the admins' digest besides the admin accounts.
    pub admin_emails: Vec<String>,
    /// The hour (UTC, 0–23) after which a serving process runs the day's reminders.
    pub send_hour: u8,
    /// Attempts before a delivery is kept as failed.
    pub max_attempts: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            smtp: None,
            webhooks: Vec::new(),
            schedule: Schedule::default(),
            base_url: "http://127.0.0.1:8080".into(),
            admin_emails: Vec::new(),
            send_hour: 7,
            max_attempts: 8,
        }
    }
}

/// Why reminders could not run.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration cannot work (a bad from address, a TLS set-up error).
    #[error("{0}")]
    Config(String),
    /// A message could not be rendered.
    #[error("{0}")]
    Render(String),
    /// A test message could not be sent.
    #[error("{0}")]
    Test(String),
}

/// One digest of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Planned {
    /// `email:ADDRESS` or `webhook:NAME`.
    pub recipient: String,
    /// The reminders it carries: those new in their window for this recipient.
    pub items: Vec<Reminder>,
    /// The queued delivery (none in a dry run).
    pub delivery: Option<i64>,
}

/// What a run found and did.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    #[serde(with = "vetted_core::date::serde_date")]
    pub as_of: Date,
    pub dry_run: bool,
    /// Every reminder of the day, whether new or sent already.
    pub reminders: usize,
    /// The digests with something new, one per recipient.
    pub digests: Vec<Planned>,
    /// Why some recipients get nothing (e-mail not configured, no admins).
    pub notes: Vec<String>,
}

/// What a delivery pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliverReport {
    pub sent: usize,
    /// Failed now, tried again later.
    pub retrying: usize,
    /// Failed for good (until retried by hand).
    pub failed: usize,
}

/// How long a sender holds a delivery before another may take it over.
const LEASE: Duration = Duration::minutes(5);

/// The wait before attempt `attempts + 1` after `attempts` failed: 1, 2, 4, … minutes, at most
/// 6 hours.
pub fn backoff(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.saturating_sub(1).min(9);
    Duration::minutes(minutes.min(360))
}

/// Runs and sends reminders.
pub struct Notifier {
    store: Arc<dyn Store>,
    settings: Settings,
    mailer: Option<send::Mailer>,
    http: reqwest::Client,
}

impl Notifier {
    /// A notifier on `store` as `settings` say; an error when the SMTP settings cannot work.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Result<Notifier, NotifyError> {
        let mailer = settings
            .smtp
            .as_ref()
            .map(send::mailer)
            .transpose()
            .map_err(NotifyError::Config)?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Config(format!("setting up the webhook client: {e}")))?;
        Ok(Notifier {
            store,
            settings,
            mailer,
            http,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The admins' addresses: enabled admin accounts and the configured extra addresses.
    async fn admins(&self) -> Result<Vec<String>, NotifyError> {
        let mut out: Vec<String> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Admin && !u.disabled)
            .map(|u| u.email)
            .collect();
        out.extend(self.settings.admin_emails.iter().cloned());
        Ok(out)
    }

    /// Every reminder on `as_of` over `suppliers` (the register, archived ones left out).
    pub fn reminders(&self, suppliers: &[Supplier], policy: &Policy, as_of: Date) -> Vec<Reminder> {
        let due = crate::evaluate::due_list(
            suppliers,
            policy,
            as_of,
            Some(self.settings.schedule.within_days),
        );
        remind::reminders(due, policy, as_of, self.settings.schedule)
    }

    /// Renders the message of `items` to `recipient`.
    fn render(
        &self,
        recipient: &Recipient,
        items: Vec<&Reminder>,
        as_of: Date,
        everything: bool,
        kind: DeliveryKind,
    ) -> Result<NewDelivery, String> {
        let digest = Digest {
            items,
            as_of,
            base_url: self.settings.base_url.trim_end_matches('/'),
            everything,
            test: kind == DeliveryKind::Test,
        };
        let payload = match recipient {
            Recipient::Email(to) => serde_json::to_string(&digest.email(to)?),
            Recipient::Webhook(name) => {
                let hook = self
                    .settings
                    .webhooks
                    .iter()
                    .find(|w| &w.name == name)
                    .ok_or_else(|| format!("webhook `{name}` is not configured"))?;
                let body = match hook.format {
                    WebhookFormat::Json => digest.json()?,
                    WebhookFormat::Slack => digest.slack()?,
                };
                serde_json::to_string(&Hook {
                    webhook: name.clone(),
                    body,
                })
            }
        }
        .map_err(|e| format!("encoding the message: {e}"))?;
        Ok(NewDelivery {
            kind,
            recipient: recipient.as_key(),
            subject: digest.subject(),
            payload,
            items: u32::try_from(digest.items.len()).unwrap_or(u32::MAX),
        })
    }

    /// The day's run: queues a digest of what is new in its window for each recipient, or,
    /// with `dry_run`, says what it would queue and writes nothing.
    pub async fn run(
        &self,
        suppliers: &[Supplier],
        policy: &Policy,
        as_of: Date,
        now: OffsetDateTime,
        dry_run: bool,
    ) -> Result<RunReport, NotifyError> {
        let all = self.reminders(suppliers, policy, as_of);
        let mut notes = Vec::new();
        let admins = if self.mailer.is_some() {
            let admins = self.admins().await?;
            if !admins.iter().any(|a| remind::is_address(a)) {
                notes
                    .push("no admin has an e-mail address: the admins' digest goes nowhere".into());
            }
            admins
        } else {
            notes.push(
                "e-mail is not configured ([smtp] in vetted.toml): no e-mail is queued".into(),
            );
            Vec::new()
        };
        let hooks: Vec<String> = self
            .settings
            .webhooks
            .iter()
            .map(|w| w.name.clone())
            .collect();
        let mut shares = remind::shares(&all, &admins, &hooks);
        if self.mailer.is_none() {
            shares.retain(|s| matches!(s.recipient, Recipient::Webhook(_)));
        }
        let mut digests = Vec::new();
        for share in shares {
            let key = share.recipient.as_key();
            let claims: Vec<(String, String)> = share
                .items
                .iter()
                .map(|i| (all[*i].key.clone(), all[*i].window.clone()))
                .collect();
            let (fresh, delivery) = if dry_run {
                (self.store.unclaimed(&key, &claims).await?, None)
            } else {
                let render = |fresh: &[usize]| {
                    let items = fresh.iter().map(|j| &all[share.items[*j]]).collect();
                    self.render(
                        &share.recipient,
                        items,
                        as_of,
                        share.everything,
                        DeliveryKind::Digest,
                    )
                };
                match self.store.queue_digest(&key, &claims, now, &render).await? {
                    Some((id, fresh)) => (fresh, Some(id)),
                    None => (Vec::new(), None),
                }
            };
            if !fresh.is_empty() {
                digests.push(Planned {
                    recipient: key,
                    items: fresh.iter().map(|j| all[share.items[*j]].clone()).collect(),
                    delivery,
                });
            }
        }
        if !dry_run {
            tracing::info!(
                as_of = %vetted_core::date::format_date(as_of),
                reminders = all.len(),
                digests = digests.len(),
                "reminders queued"
            );
        }
        Ok(RunReport {
            as_of,
            dry_run,
            reminders: all.len(),
            digests,
            notes,
        })
    }

    /// Queues a test message to `to`: the digest of everything due on `as_of` (claiming
    /// nothing), and sends it at once. Returns the delivery as it stands after the attempt.
    pub async fn send_test(
        &self,
        to: &str,
        suppliers: &[Supplier],
        policy: &Policy,
        as_of: Date,
        now: OffsetDateTime,
    ) -> Result<Delivery, NotifyError> {
        if self.mailer.is_none() {
            return Err(NotifyError::Test(
                "e-mail is not configured: set [smtp] in vetted.toml (see the README)".into(),
            ));
        }
        if !remind::is_address(to) {
            return Err(NotifyError::Test(format!(
                "`{to}` is not an e-mail address"
            )));
        }
        let all = self.reminders(suppliers, policy, as_of);
        let d = self
            .render(
                &Recipient::Email(to.trim().to_string()),
                all.iter().collect(),
                as_of,
                true,
                DeliveryKind::Test,
            )
            .map_err(NotifyError::Render)?;
        let id = self.store.queue(&d, now).await?;
        // Sent by a delivery pass now rather than by the next one, so the admin sees the
        // outcome at once; the lease makes sure a background pass does not send it too.
        self.deliver(now).await?;
        self.store
            .find_delivery(id)
            .await?
            .ok_or_else(|| NotifyError::Test("the queued message vanished".into()))
    }

    /// Sends every delivery due at `now`.
    pub async fn deliver(&self, now: OffsetDateTime) -> Result<DeliverReport, NotifyError> {
        let mut report = DeliverReport::default();
        loop {
            let batch = self.store.lease_deliveries(now, LEASE, 50).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            for d in batch {
                match self.attempt(d, now).await? {
                    Outcome::Sent => report.sent += 1,
                    Outcome::Retry { .. } => report.retrying += 1,
                    Outcome::Failed { .. } => report.failed += 1,
                }
            }
        }
    }

    /// One attempt at `d` (leased, or just queued), recorded.
    async fn attempt(&self, d: Delivery, now: OffsetDateTime) -> Result<Outcome, NotifyError> {
        let attempt = self.send(&d).await;
        // Leasing counted this attempt.
        let attempts = d.attempts.max(1);
        let outcome = match attempt {
            Attempt::Sent => Outcome::Sent,
            Attempt::Transient(error) if attempts < self.settings.max_attempts => Outcome::Retry {
                at: now + backoff(attempts),
                error,
            },
            Attempt::Transient(error) | Attempt::Permanent(error) => Outcome::Failed { error },
        };
        match &outcome {
            Outcome::Sent => {
                tracing::info!(delivery = d.id, recipient = %d.recipient, "delivery sent");
            }
            Outcome::Retry { error, at } => {
                tracing::warn!(delivery = d.id, recipient = %d.recipient, attempts, %error, retry_at = %at, "delivery failed; will retry");
            }
            Outcome::Failed { error } => {
                tracing::error!(delivery = d.id, recipient = %d.recipient, attempts, %error, "delivery failed for good");
            }
        }
        self.store.finish_delivery(d.id, &outcome, now).await?;
        Ok(outcome)
    }

    async fn send(&self, d: &Delivery) -> Attempt {
        if d.recipient.starts_with("email:") {
            let Some(mailer) = &self.mailer else {
                return Attempt::Transient("e-mail is not configured ([smtp])".into());
            };
            match serde_json::from_str::<Email>(&d.payload) {
                Ok(email) => send::send_email(mailer, &email).await,
                Err(e) => Attempt::Permanent(format!("the stored message is unreadable: {e}")),
            }
        } else {
            let hook: Hook = match serde_json::from_str(&d.payload) {
                Ok(h) => h,
                Err(e) => {
                    return Attempt::Permanent(format!("the stored message is unreadable: {e}"));
                }
            };
            match self
                .settings
                .webhooks
                .iter()
                .find(|w| w.name == hook.webhook)
            {
                Some(w) => send::send_webhook(&self.http, w, d.id, &hook).await,
                None => Attempt::Transient(format!(
                    "webhook `{}` is no longer configured",
                    hook.webhook
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_six_hours() {
        let m: Vec<i64> = (1..=11).map(|n| backoff(n).whole_minutes()).collect();
        assert_eq!(m, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let smtp = SmtpSettings {
            host: "smtp.example.eu".into(),
            port: None,
            security: Security::Starttls,
            username: Some("vetted".into()),
            password: Some("hunter2".into()),
            from: "vetted@example.eu".into(),
            ca_pem: None,
            timeout_seconds: 10,
        };
        let hook = Webhook {
            name: "slack".into(),
            url: "https://hooks.example.com/services/T000/B000/XXXXSECRET".into(),
            format: WebhookFormat::Slack,
            secret: Some("s3cret".into()),
        };
        let shown = format!("{smtp:?} {hook:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(!shown.contains("XXXXSECRET"), "{shown}");
        assert!(shown.contains("https://hooks.example.com/…"), "{shown}");
    }
}
