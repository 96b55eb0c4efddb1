//! The reminders' part of the configuration: `[smtp]`, `[[webhooks]]`, `[reminders]` and
//! `public_url` in `vetted.toml`, with `VETTED_SMTP_*` and `VETTED_PUBLIC_URL` over the file key
//! by key, turned into [`vetted_app::notify::Settings`] when a command needs them (reading the
//! `*_file` secrets then).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use vetted_app::notify::{Security, Settings, SmtpSettings, Webhook, WebhookFormat};
use vetted_core::remind::Schedule;

use crate::config::{ConfigError, Secret};

/// `[smtp]`: the SMTP server reminders go through.
#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpLayer {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub password_file: Option<PathBuf>,
    pub from: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub timeout_seconds: Option<u32>,
}

impl SmtpLayer {
    /// `over`'s keys replace these.
    pub fn apply(&mut self, over: SmtpLayer) {
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f; } )* };
        }
        take!(
            host,
            port,
            security,
            username,
            password,
            password_file,
            from,
            ca_file,
            timeout_seconds
        );
    }

    fn is_empty(&self) -> bool {
        *self == SmtpLayer::default()
    }
}

/// One `[[webhooks]]` entry.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookLayer {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    pub secret: Option<Secret>,
    pub secret_file: Option<PathBuf>,
}

/// `[reminders]`: when and how often.
#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RemindersLayer {
    pub enabled: Option<bool>,
    pub within_days: Option<u32>,
    pub repeat_days: Option<u32>,
    pub send_hour: Option<u8>,
    pub admin_emails: Option<Vec<String>>,
    pub max_attempts: Option<u32>,
}

impl RemindersLayer {
    pub fn apply(&mut self, over: RemindersLayer) {
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f; } )* };
        }
        take!(
            enabled,
            within_days,
            repeat_days,
            send_hour,
            admin_emails,
            max_attempts
        );
    }
}

/// Everything about reminders the configuration holds, before secrets files are read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    pub smtp: SmtpLayer,
    pub webhooks: Vec<WebhookLayer>,
    pub reminders: RemindersLayer,
    pub public_url: Option<String>,
}

impl NotifyConfig {
    /// Whether a serving process runs the day's reminders on its own (default: yes).
    pub fn schedule_enabled(&self) -> bool {
        self.reminders.enabled.unwrap_or(true)
    }

    /// The settings, reading secret and CA files; `listen` gives the default base URL.
    pub fn settings(&self, listen: std::net::SocketAddr) -> Result<Settings, ConfigError> {
        let bad = |key: &str, message: String| ConfigError::Notify {
            key: key.to_string(),
            message,
        };
        let smtp = if self.smtp.is_empty() {
            None
        } else {
            let s = &self.smtp;
            let host = s
                .host
                .clone()
                .filter(|h| !h.trim().is_empty())
                .ok_or_else(|| bad("smtp.host", "is required when [smtp] is set".into()))?;
            let from = s.from.clone().ok_or_else(|| {
                bad(
                    "smtp.from",
                    "is required: the sender, such as \"Vetted <vetted@example.eu>\"".into(),
                )
            })?;
            let password = match (&s.password, &s.password_file) {
                (Some(_), Some(_)) => {
                    return Err(bad(
                        "smtp.password",
                        "give smtp.password or smtp.password_file, not both".into(),
                    ));
                }
                (Some(p), None) => Some(p.0.clone()),
                (None, Some(f)) => Some(read_secret(f, "smtp.password_file")?),
                (None, None) => None,
            };
            if password.is_some() != s.username.is_some() {
                return Err(bad(
                    "smtp.username",
                    "smtp.username and a password go together".into(),
                ));
            }
            let ca_pem = s
                .ca_file
                .as_ref()
                .map(|f| {
                    std::fs::read_to_string(f).map_err(|e| {
                        bad("smtp.ca_file", format!("cannot read {}: {e}", f.display()))
                    })
                })
                .transpose()?;
            Some(SmtpSettings {
                host,
                port: s.port,
                security: s.security.unwrap_or_default(),
                username: s.username.clone(),
                password,
                from,
                ca_pem,
                timeout_seconds: s.timeout_seconds.unwrap_or(30),
            })
        };
        let mut webhooks = Vec::new();
        for (i, w) in self.webhooks.iter().enumerate() {
            let key = |k: &str| format!("webhooks[{i}].{k}");
            if w.name.trim().is_empty() {
                return Err(bad(&key("name"), "must not be empty".into()));
            }
            if webhooks.iter().any(|x: &Webhook| x.name == w.name) {
                return Err(bad(&key("name"), format!("`{}` is used twice", w.name)));
            }
            if !(w.url.starts_with("https://") || w.url.starts_with("http://")) {
                return Err(bad(
                    &key("url"),
                    "must be an http:// or https:// URL".into(),
                ));
            }
            let secret = match (&w.secret, &w.secret_file) {
                (Some(_), Some(_)) => {
                    return Err(bad(
                        &key("secret"),
                        "give secret or secret_file, not both".into(),
                    ));
                }
                (Some(s), None) => Some(s.0.clone()),
                (None, Some(f)) => Some(read_secret(f, &key("secret_file"))?),
                (None, None) => None,
            };
            webhooks.push(Webhook {
                name: w.name.clone(),
                url: w.url.clone(),
                format: w.format,
                secret,
            });
        }
        let r = &self.reminders;
        let defaults = Settings::default();
        let send_hour = r.send_hour.unwrap_or(defaults.send_hour);
        if send_hour > 23 {
            return Err(bad(
                "reminders.send_hour",
                "must be an hour from 0 to 23".into(),
            ));
        }
        let base_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        Ok(Settings {
            smtp,
            webhooks,
            schedule: Schedule {
                within_days: r.within_days.unwrap_or(Schedule::default().within_days),
                repeat_days: r
                    .repeat_days
                    .unwrap_or(Schedule::default().repeat_days)
                    .max(1),
            },
            base_url,
            admin_emails: r.admin_emails.clone().unwrap_or_default(),
            send_hour,
            max_attempts: r.max_attempts.unwrap_or(defaults.max_attempts).max(1),
        })
    }
}

fn read_secret(path: &Path, key: &str) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Notify {
        key: key.to_string(),
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    let first = text.lines().next().unwrap_or("").trim().to_string();
    if first.is_empty() {
        return Err(ConfigError::Notify {
            key: key.to_string(),
            message: format!("{} is empty", path.display()),
        });
    }
    Ok(first)
}

/// The `VETTED_SMTP_*` variables as a layer.
pub fn env_smtp(get: &dyn Fn(&str) -> Option<String>) -> Result<SmtpLayer, ConfigError> {
    let port = match get("VETTED_SMTP_PORT") {
        None => None,
        Some(v) => Some(v.parse::<u16>().map_err(|_| ConfigError::Env {
            var: "VETTED_SMTP_PORT",
            value: v.clone(),
            reason: "expected a port number".into(),
        })?),
    };
    let security = match get("VETTED_SMTP_SECURITY") {
        None => None,
        Some(v) => Some(match v.to_ascii_lowercase().as_str() {
            "starttls" => Security::Starttls,
            "tls" => Security::Tls,
            "none" => Security::None,
            _ => {
                return Err(ConfigError::Env {
                    var: "VETTED_SMTP_SECURITY",
                    value: v,
                    reason: "expected starttls, tls or none".into(),
                });
            }
        }),
    };
    Ok(SmtpLayer {
        host: get("VETTED_SMTP_HOST"),
        port,
        security,
        username: get("VETTED_SMTP_USERNAME"),
        password: get("VETTED_SMTP_PASSWORD").map(Secret),
        password_file: get("VETTED_SMTP_PASSWORD_FILE").map(PathBuf::from),
        from: get("VETTED_SMTP_FROM"),
        ca_file: None,
        timeout_seconds: None,
    })
}

/// The commented example of these sections, for `vetted default-config`.
pub const EXAMPLE: &str = r#"
# The address users reach Vetted at, for the links in reminders (default: http://LISTEN).
# public_url = "https://vetted.example.eu"

# E-mail for reminders and the "send test e-mail" button (Admin → Notifications). Each key
# can also be set as VETTED_SMTP_HOST, VETTED_SMTP_PORT, VETTED_SMTP_SECURITY,
# VETTED_SMTP_USERNAME, VETTED_SMTP_PASSWORD (or VETTED_SMTP_PASSWORD_FILE) and VETTED_SMTP_FROM.
# [smtp]
# host = "smtp.example.eu"
# security = "starttls"      # "starttls" (port 587), "tls" (port 465) or "none" (port 25)
# port = 587
# username = "vetted"
# password_file = "/run/secrets/vetted-smtp-password"   # or password = "…"
# from = "Vetted <vetted@example.eu>"
# ca_file = "/etc/vetted/smtp-ca.pem"   # only for a server with a private CA
# timeout_seconds = 30

# Webhooks get the admins' digest as JSON signed with HMAC-SHA-256 (header
# X-Vetted-Signature-256: sha256=HEX over the body), or as a Slack-compatible {"text": …}.
# [[webhooks]]
# name = "security-team"
# url = "https://hooks.example.eu/vetted"
# format = "json"            # or "slack"
# secret_file = "/run/secrets/vetted-webhook-secret"   # or secret = "…"

# When reminders go out. Each reminder is sent once per window: a thing due soon once, an
# overdue one again every repeat_days. Admins (and admin_emails) get everything; a supplier's
# owner, when it is an e-mail address, gets their own suppliers'.
# [reminders]
# enabled = true             # a serving process runs them daily after send_hour (UTC)
# send_hour = 7
# within_days = 30
# repeat_days = 7
# admin_emails = ["security@example.eu"]
# max_attempts = 8           # retries 1, 2, 4, … minutes apart, then kept as failed
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn listen() -> std::net::SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn no_smtp_section_means_no_email_and_defaults() {
        let s = NotifyConfig::default().settings(listen()).unwrap();
        assert_eq!(s.smtp, None);
        assert_eq!(s.base_url, "http://127.0.0.1:8080");
        assert_eq!(s.schedule, Schedule::default());
    }

    #[test]
    fn secrets_come_from_files_and_problems_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "hunter2\n").unwrap();
        let mut c = NotifyConfig {
            smtp: SmtpLayer {
                host: Some("smtp.example.eu".into()),
                username: Some("vetted".into()),
                password_file: Some(pw.clone()),
                from: Some("vetted@example.eu".into()),
                ..SmtpLayer::default()
            },
            public_url: Some("https://vetted.example.eu/".into()),
            ..NotifyConfig::default()
        };
        let s = c.settings(listen()).unwrap();
        let smtp = s.smtp.unwrap();
        assert_eq!(smtp.password.as_deref(), Some("hunter2"));
        assert_eq!(smtp.security, Security::Starttls);
        assert_eq!(s.base_url, "https://vetted.example.eu");

        c.smtp.password = Some(Secret("x".into()));
        let e = c.settings(listen()).unwrap_err().to_string();
        assert!(e.contains("smtp.password") && e.contains("not both"), "{e}");
        c.smtp.password = None;
        c.smtp.from = None;
        let e = c.settings(listen()).unwrap_err().to_string();
        assert!(e.starts_with("smtp.from"), "{e}");

        c.smtp.from = Some("vetted@example.eu".into());
        c.webhooks = vec![WebhookLayer {
            name: "ops".into(),
            url: "ftp://x".into(),
            format: WebhookFormat::Json,
            secret: None,
            secret_file: None,
        }];
        let e = c.settings(listen()).unwrap_err().to_string();
        assert!(e.starts_with("webhooks[0].url"), "{e}");
    }

    #[test]
    fn the_environment_reads_smtp_keys() {
        let env = |k: &str| match k {
            "VETTED_SMTP_HOST" => Some("mail.example.eu".to_string()),
            "VETTED_SMTP_PORT" => Some("2525".to_string()),
            "VETTED_SMTP_SECURITY" => Some("NONE".to_string()),
            _ => None,
        };
        let l = env_smtp(&env).unwrap();
        assert_eq!(l.host.as_deref(), Some("mail.example.eu"));
        assert_eq!(l.port, Some(2525));
        assert_eq!(l.security, Some(Security::None));
        let bad = |k: &str| (k == "VETTED_SMTP_PORT").then(|| "lots".to_string());
        assert!(env_smtp(&bad).is_err());
    }
}
