//! The server's layered configuration: built-in defaults < `vetted.toml` < `VETTED_*`
//! environment < command-line flags, each layer overriding the one before key by key.
//!
//! The file is `--config FILE` (or `VETTED_CONFIG`) when given, which must exist, else
//! `vetted.toml` in the working directory when there is one. Unknown keys in it are errors with
//! line and column; `VETTED_*` variables that Vetted does not know are warnings naming the close
//! match, since a misspelt variable otherwise silently does nothing. Loading never writes.
//!
//! Secrets have a `*_file` variant (`metrics_token_file`, `VETTED_METRICS_TOKEN_FILE`), read by
//! `serve` when it starts; giving both a secret and its file is an error. Secrets are kept in
//! [`Secret`], whose `Debug` hides them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::notify_config::{NotifyConfig, RemindersLayer, SmtpLayer, WebhookLayer};

/// The configuration file looked for in the working directory.
pub const DEFAULT_FILE: &str = "vetted.toml";

/// Every `VETTED_*` variable Vetted reads; any other is warned about.
pub const KNOWN_ENV: &[&str] = &[
    "VETTED_AUDIT_KEY_FILE",
    "VETTED_CONFIG",
    "VETTED_DB",
    "VETTED_LISTEN",
    "VETTED_LOG_FORMAT",
    "VETTED_MAX_UPLOAD_BYTES",
    "VETTED_METRICS_TOKEN",
    "VETTED_METRICS_TOKEN_FILE",
    "VETTED_ORGANIZATION",
    "VETTED_POLICY",
    "VETTED_POLICY_POLL_SECONDS",
    "VETTED_PUBLIC_URL",
    "VETTED_SECURE_COOKIES",
    "VETTED_SESSION_ABSOLUTE_HOURS",
    "VETTED_SESSION_IDLE_MINUTES",
    "VETTED_SMTP_FROM",
    "VETTED_SMTP_HOST",
    "VETTED_SMTP_PASSWORD",
    "VETTED_SMTP_PASSWORD_FILE",
    "VETTED_SMTP_PORT",
    "VETTED_SMTP_SECURITY",
    "VETTED_SMTP_USERNAME",
    "VETTED_TRUST_FORWARDED_HEADERS",
];

/// A secret from the configuration: its `Debug` output hides it.
#[derive(Deserialize, Clone, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The default time between two checks for a new policy version (and a new day).
pub const DEFAULT_POLICY_POLL_SECONDS: u32 = 5;

/// How log lines are written (to stderr).
#[derive(clap::ValueEnum, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

impl LogFormat {
    fn name(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// The configuration in effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The database path or URL; `None` means the default location (see `context`).
    pub db: Option<String>,
    /// A policy file; `None` means the built-in policy.
    pub policy: Option<PathBuf>,
    /// The audit key file; `None` means the default beside the database (see `context`).
    pub audit_key_file: Option<PathBuf>,
    /// How logs are written.
    pub log_format: LogFormat,
    /// A browser session unused for this many minutes ends.
    pub session_idle_minutes: u32,
    /// A browser session ends this many hours after sign-in, however active.
    pub session_absolute_hours: u32,
    /// Mark the session cookie `Secure` always.
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-Proto` and `X-Forwarded-For` from a proxy in front.
    pub trust_forwarded_headers: bool,
    /// Seconds between two checks for a policy version uploaded on another server (and for a
    /// new day, to refresh stored evaluations).
    pub policy_poll_seconds: u32,
    /// The token `GET /metrics` asks for; without it (and without its file) `/metrics` is 404.
    pub metrics_token: Option<Secret>,
    /// A file holding the metrics token (its first line).
    pub metrics_token_file: Option<PathBuf>,
    /// The largest evidence file an upload accepts, in bytes.
    pub max_upload_bytes: u64,
    /// Who publishes the public subprocessor list ("Subprocessors of …").
    pub organization: Option<String>,
    /// Reminders: `[smtp]`, `[[webhooks]]`, `[reminders]`, `public_url`.
    pub notify: NotifyConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: None,
            policy: None,
            audit_key_file: None,
            log_format: LogFormat::Text,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            secure_cookies: false,
            trust_forwarded_headers: false,
            policy_poll_seconds: DEFAULT_POLICY_POLL_SECONDS,
            metrics_token: None,
            metrics_token_file: None,
            max_upload_bytes: vetted_web::DEFAULT_MAX_UPLOAD_BYTES as u64,
            organization: None,
            notify: NotifyConfig::default(),
        }
    }
}

/// One layer of settings: what `vetted.toml` holds, or what the flags say.
#[derive(Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<SocketAddr>,
    pub db: Option<String>,
    pub policy: Option<PathBuf>,
    pub audit_key_file: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub session_idle_minutes: Option<u32>,
    pub session_absolute_hours: Option<u32>,
    pub secure_cookies: Option<bool>,
    pub trust_forwarded_headers: Option<bool>,
    pub policy_poll_seconds: Option<u32>,
    pub metrics_token: Option<Secret>,
    pub metrics_token_file: Option<PathBuf>,
    pub max_upload_bytes: Option<u64>,
    pub organization: Option<String>,
    pub public_url: Option<String>,
    pub smtp: Option<SmtpLayer>,
    pub webhooks: Option<Vec<WebhookLayer>>,
    pub reminders: Option<RemindersLayer>,
}

impl Config {
    fn apply(&mut self, layer: Layer) {
        if let Some(v) = layer.listen {
            self.listen = v;
        }
        if let Some(v) = layer.db {
            self.db = Some(v);
        }
        if let Some(v) = layer.policy {
            self.policy = Some(v);
        }
        if let Some(v) = layer.audit_key_file {
            self.audit_key_file = Some(v);
        }
        if let Some(v) = layer.log_format {
            self.log_format = v;
        }
        if let Some(v) = layer.session_idle_minutes {
            self.session_idle_minutes = v;
        }
        if let Some(v) = layer.session_absolute_hours {
            self.session_absolute_hours = v;
        }
        if let Some(v) = layer.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = layer.trust_forwarded_headers {
            self.trust_forwarded_headers = v;
        }
        if let Some(v) = layer.policy_poll_seconds {
            self.policy_poll_seconds = v;
        }
        if let Some(v) = layer.metrics_token {
            self.metrics_token = Some(v);
        }
        if let Some(v) = layer.metrics_token_file {
            self.metrics_token_file = Some(v);
        }
        if let Some(v) = layer.max_upload_bytes {
            self.max_upload_bytes = v;
        }
        if let Some(v) = layer.organization {
            self.organization = Some(v).filter(|o| !o.trim().is_empty());
        }
        if let Some(v) = layer.public_url {
            self.notify.public_url = Some(v);
        }
        if let Some(v) = layer.smtp {
            self.notify.smtp.apply(v);
        }
        if let Some(v) = layer.webhooks {
            self.notify.webhooks = v;
        }
        if let Some(v) = layer.reminders {
            self.notify.reminders.apply(v);
        }
    }
}

/// Where the configuration comes from, gathered once so that loading is a pure function.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `--config FILE` / `VETTED_CONFIG`: must exist when given.
    pub explicit_file: Option<PathBuf>,
    /// The directory searched for [`DEFAULT_FILE`].
    pub working_dir: PathBuf,
    /// The environment's variables (only `VETTED_*` ones matter).
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// This process's environment and working directory.
    pub fn from_process(explicit_file: Option<PathBuf>) -> Sources {
        Sources {
            explicit_file,
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            env: std::env::vars_os()
                .filter_map(|(k, v)| {
                    Some((k.into_string().ok()?, v.to_string_lossy().into_owned()))
                })
                .filter(|(k, _)| k.starts_with("VETTED_"))
                .collect(),
        }
    }
}

/// The result of loading: the configuration, the file it read (if any) and warnings to show.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
    pub warnings: Vec<String>,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The configuration file is not valid: bad TOML, an unknown key or a bad value.
    #[error("{}:{line}:{column}: {message}", path.display())]
    File {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The configuration file is not valid, at no known position.
    #[error("{}: {message}", path.display())]
    FileNoPosition { path: PathBuf, message: String },
    /// A reminders setting cannot work (a missing key, an unreadable secret file).
    #[error("{key}: {message}")]
    Notify { key: String, message: String },
    /// An environment variable has a value that is not valid for it.
    #[error("{var}={value:?}: {reason}")]
    Env {
        var: &'static str,
        value: String,
        reason: String,
    },
}

/// Loads the configuration: defaults < file < environment < `flags`.
pub fn load(sources: &Sources, flags: Layer) -> Result<Loaded, ConfigError> {
    let mut config = Config::default();
    let mut warnings = Vec::new();

    let file = match &sources.explicit_file {
        Some(path) => Some(path.clone()),
        None => Some(sources.working_dir.join(DEFAULT_FILE)).filter(|p| p.is_file()),
    };
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        config.apply(parse_file(&text, path)?);
    }

    config.apply(env_layer(&sources.env)?);
    for (name, _) in &sources.env {
        if name.starts_with("VETTED_") && !KNOWN_ENV.contains(&name.as_str()) {
            warnings.push(unknown_env_warning(name));
        }
    }

    config.apply(flags);
    Ok(Loaded {
        config,
        file,
        warnings,
    })
}

/// Parses a configuration file's text; `path` names it in errors.
pub fn parse_file(text: &str, path: &Path) -> Result<Layer, ConfigError> {
    toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            ConfigError::File {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        }
        None => ConfigError::FileNoPosition {
            path: path.to_path_buf(),
            message: e.message().trim().to_string(),
        },
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn env_layer(env: &[(String, String)]) -> Result<Layer, ConfigError> {
    let get = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let listen = match get("VETTED_LISTEN") {
        None => None,
        Some(v) => Some(v.parse().map_err(|e| ConfigError::Env {
            var: "VETTED_LISTEN",
            reason: format!("{e}: expected an address such as 127.0.0.1:8080"),
            value: v,
        })?),
    };
    let log_format = match get("VETTED_LOG_FORMAT") {
        None => None,
        Some(v) => Some(
            <LogFormat as clap::ValueEnum>::from_str(&v, true).map_err(|_| ConfigError::Env {
                var: "VETTED_LOG_FORMAT",
                value: v,
                reason: "expected `text` or `json`".into(),
            })?,
        ),
    };
    let number = |var: &'static str| -> Result<Option<u32>, ConfigError> {
        get(var)
            .map(|v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError::Env {
                        var,
                        value: v,
                        reason: "expected a whole number above 0".into(),
                    })
            })
            .transpose()
    };
    let flag = |var: &'static str| -> Result<Option<bool>, ConfigError> {
        get(var)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(ConfigError::Env {
                    var,
                    value: v,
                    reason: "expected true or false".into(),
                }),
            })
            .transpose()
    };
    Ok(Layer {
        listen,
        db: get("VETTED_DB"),
        policy: get("VETTED_POLICY").map(PathBuf::from),
        audit_key_file: get("VETTED_AUDIT_KEY_FILE").map(PathBuf::from),
        log_format,
        session_idle_minutes: number("VETTED_SESSION_IDLE_MINUTES")?,
        session_absolute_hours: number("VETTED_SESSION_ABSOLUTE_HOURS")?,
        secure_cookies: flag("VETTED_SECURE_COOKIES")?,
        trust_forwarded_headers: flag("VETTED_TRUST_FORWARDED_HEADERS")?,
        policy_poll_seconds: number("VETTED_POLICY_POLL_SECONDS")?,
        metrics_token: get("VETTED_METRICS_TOKEN").map(Secret),
        metrics_token_file: get("VETTED_METRICS_TOKEN_FILE").map(PathBuf::from),
        max_upload_bytes: get("VETTED_MAX_UPLOAD_BYTES")
            .map(|v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError::Env {
                        var: "VETTED_MAX_UPLOAD_BYTES",
                        value: v,
                        reason: "expected a whole number of bytes above 0".into(),
                    })
            })
            .transpose()?,
        organization: get("VETTED_ORGANIZATION"),
        public_url: get("VETTED_PUBLIC_URL"),
        smtp: Some(crate::notify_config::env_smtp(&get)?),
        webhooks: None,
        reminders: None,
    })
}

fn unknown_env_warning(name: &str) -> String {
    let close = KNOWN_ENV
        .iter()
        .map(|known| (strsim::damerau_levenshtein(name, known), *known))
        .filter(|(d, _)| *d <= 3)
        .min();
    match close {
        Some((_, known)) => {
            format!("unknown environment variable {name} is ignored (did you mean {known}?)")
        }
        None => format!(
            "unknown environment variable {name} is ignored (Vetted reads {})",
            KNOWN_ENV.join(", ")
        ),
    }
}

/// A commented `vetted.toml` with every key, its meaning and its default; `default_db` is the
/// database used when none is configured, when it can be known.
pub fn example_toml(default_db: Option<&Path>) -> String {
    let defaults = Config::default();
    let db = default_db.map_or_else(
        || "# db = \"/var/lib/vetted/vetted.db\"".to_string(),
        |p| format!("# db = {}", toml_string(&p.display().to_string())),
    );
    format!(
        r#"# vetted.toml: the configuration of `vetted serve`.
#
# Read from the working directory, or from --config FILE / VETTED_CONFIG.
# Each setting can also be given as an environment variable (VETTED_ and the key in capitals,
# such as VETTED_LISTEN) or as a flag (--listen); flags win over the environment, which wins
# over this file, which wins over the built-in defaults shown here.

# The address to listen on. Port 0 picks a free port.
# listen = "{listen}"

# The database: a SQLite file path, created on first use. Default: vetted/vetted.db under the
# XDG data directory ($XDG_DATA_HOME, else ~/.local/share).
{db}

# A policy file (TOML) to use instead of the built-in default policy.
# Default: the built-in policy (see `vetted policy show`).
# policy = "my-policy.toml"

# The audit key file: the secret that seals the audit trail, created on first start (32 random
# bytes as hex, mode 0600). Default: beside a SQLite database as <db file>.audit-key; for
# PostgreSQL, vetted/audit.key under the XDG data directory. Every server on one PostgreSQL
# database must use the same file. Keep a copy apart from the database's backups.
# audit_key_file = "/etc/vetted/audit.key"

# How logs are written to stderr: "text" for people, "json" for log collectors.
# log_format = "{log_format}"

# A browser session unused for this many minutes ends (sign in again).
# session_idle_minutes = {idle}

# A browser session ends this many hours after sign-in, however active.
# session_absolute_hours = {absolute}

# Mark the session cookie Secure (sent over HTTPS only). Set it when users reach Vetted over
# HTTPS, as they should: Vetted serves plain HTTP and cannot tell on its own.
# secure_cookies = {secure}

# Behind a reverse proxy that sets them: trust X-Forwarded-Proto (a Secure cookie when it says
# https) and X-Forwarded-For (the client address, for login throttling). Never without such a
# proxy, or clients could choose their address.
# trust_forwarded_headers = {forwarded}

# Seconds between two checks for a policy version uploaded through another server on the same
# database (and for a new day, when stored evaluations are refreshed).
# policy_poll_seconds = {poll}

# The token Prometheus sends (Authorization: Bearer TOKEN) to read GET /metrics. Without it,
# /metrics answers 404. Prefer metrics_token_file (or VETTED_METRICS_TOKEN_FILE) to keep it out
# of this file; give one of the two.
# metrics_token = "a long random string"
# metrics_token_file = "/run/secrets/vetted-metrics-token"

# The largest evidence file (a certificate, an audit report) an upload accepts, in bytes.
# Files are kept in the database and read into memory whole while uploaded or downloaded.
# max_upload_bytes = {max_upload}

# Who publishes the public subprocessor list: its title is "Subprocessors of <organization>".
# organization = "Example Ltd"
{notify}"#,
        notify = crate::notify_config::EXAMPLE,
        max_upload = defaults.max_upload_bytes,
        poll = defaults.policy_poll_seconds,
        listen = defaults.listen,
        log_format = defaults.log_format.name(),
        idle = defaults.session_idle_minutes,
        absolute = defaults.session_absolute_hours,
        secure = defaults.secure_cookies,
        forwarded = defaults.trust_forwarded_headers,
    )
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn with_file(text: &str) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DEFAULT_FILE), text).unwrap();
        let sources = Sources {
            explicit_file: None,
            working_dir: dir.path().to_path_buf(),
            env: Vec::new(),
        };
        (dir, sources)
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_without_file_env_or_flags() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            working_dir: dir.path().to_path_buf(),
            ..Sources::default()
        };
        let loaded = load(&sources, Layer::default()).unwrap();
        assert_eq!(loaded.config, Config::default());
        assert_eq!(loaded.config.listen, addr("127.0.0.1:8080"));
        assert_eq!(loaded.file, None);
        assert!(loaded.warnings.is_empty());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn file_overrides_defaults() {
        let (_dir, sources) = with_file(
            "listen = \"127.0.0.1:9000\"\ndb = \"file.db\"\npolicy = \"p.toml\"\nlog_format = \"json\"\n",
        );
        let c = load(&sources, Layer::default()).unwrap().config;
        assert_eq!(c.listen, addr("127.0.0.1:9000"));
        assert_eq!(c.db.as_deref(), Some("file.db"));
        assert_eq!(c.policy, Some(PathBuf::from("p.toml")));
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn file_below_env_below_flag() {
        let (_dir, mut sources) =
            with_file("listen = \"127.0.0.1:9000\"\ndb = \"file.db\"\nlog_format = \"json\"\n");
        sources.env = env(&[("VETTED_LISTEN", "127.0.0.1:9001"), ("VETTED_DB", "env.db")]);
        let c = load(&sources, Layer::default()).unwrap().config;
        assert_eq!(c.listen, addr("127.0.0.1:9001"), "env over file");
        assert_eq!(c.db.as_deref(), Some("env.db"), "env over file");
        assert_eq!(c.log_format, LogFormat::Json, "file where env is silent");

        // The audit key file takes the same path through the layers.
        let (_keyed_dir, mut keyed) = with_file("audit_key_file = \"file.key\"\n");
        let from = |sources: &Sources, flag: Option<&str>| {
            let flags = Layer {
                audit_key_file: flag.map(PathBuf::from),
                ..Layer::default()
            };
            load(sources, flags).unwrap().config.audit_key_file
        };
        assert_eq!(from(&keyed, None), Some(PathBuf::from("file.key")));
        keyed.env = env(&[("VETTED_AUDIT_KEY_FILE", "env.key")]);
        assert_eq!(from(&keyed, None), Some(PathBuf::from("env.key")));
        assert_eq!(
            from(&keyed, Some("flag.key")),
            Some(PathBuf::from("flag.key"))
        );

        let flags = Layer {
            listen: Some(addr("127.0.0.1:9002")),
            log_format: Some(LogFormat::Text),
            ..Layer::default()
        };
        let c = load(&sources, flags).unwrap().config;
        assert_eq!(c.listen, addr("127.0.0.1:9002"), "flag over env");
        assert_eq!(c.log_format, LogFormat::Text, "flag over file");
        assert_eq!(
            c.db.as_deref(),
            Some("env.db"),
            "env where the flag is silent"
        );
    }

    #[test]
    fn explicit_file_is_used_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("elsewhere.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:7000\"\n").unwrap();
        let mut sources = Sources {
            explicit_file: Some(path.clone()),
            working_dir: dir.path().to_path_buf(),
            env: Vec::new(),
        };
        let loaded = load(&sources, Layer::default()).unwrap();
        assert_eq!(loaded.config.listen, addr("127.0.0.1:7000"));
        assert_eq!(loaded.file, Some(path));

        sources.explicit_file = Some(dir.path().join("missing.toml"));
        let err = load(&sources, Layer::default()).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err}");
    }

    #[test]
    fn unknown_env_is_warned_with_the_close_match() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            explicit_file: None,
            working_dir: dir.path().to_path_buf(),
            env: env(&[
                ("VETTED_LISTNE", "127.0.0.1:1"),
                ("VETTED_ZZZZZZZZZZZZZ", "x"),
            ]),
        };
        let loaded = load(&sources, Layer::default()).unwrap();
        assert_eq!(loaded.config.listen, addr("127.0.0.1:8080"), "ignored");
        assert_eq!(
            loaded.warnings,
            vec![
                "unknown environment variable VETTED_LISTNE is ignored (did you mean VETTED_LISTEN?)"
                    .to_string(),
                format!(
                    "unknown environment variable VETTED_ZZZZZZZZZZZZZ is ignored (Vetted reads {})",
                    KNOWN_ENV.join(", ")
                ),
            ]
        );
    }

    #[test]
    fn bad_env_value_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            explicit_file: None,
            working_dir: dir.path().to_path_buf(),
            env: env(&[("VETTED_LOG_FORMAT", "xml")]),
        };
        let err = load(&sources, Layer::default()).unwrap_err().to_string();
        assert_eq!(err, "VETTED_LOG_FORMAT=\"xml\": expected `text` or `json`");
    }

    #[test]
    fn unknown_key_in_file_is_an_error_with_line_and_column() {
        let (dir, sources) = with_file("# comment\nlisten = \"127.0.0.1:9000\"\n  listne = 1\n");
        let err = load(&sources, Layer::default()).unwrap_err();
        let ConfigError::File {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("expected a positioned error, got {err:?}");
        };
        assert_eq!((*line, *column), (3, 3));
        assert!(message.contains("unknown field `listne`"), "{message}");
        let shown = err.to_string();
        let prefix = format!("{}:3:3: ", dir.path().join(DEFAULT_FILE).display());
        assert!(shown.starts_with(&prefix), "{shown}");
    }

    #[test]
    fn bad_value_in_file_is_an_error_with_line_and_column() {
        let (_dir, sources) = with_file("log_format = \"xml\"\n");
        let err = load(&sources, Layer::default()).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::File {
                    line: 1,
                    column: 14,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn example_lists_every_key_and_parses_to_the_defaults_when_uncommented() {
        let text = example_toml(Some(Path::new("/data/vetted.db")));
        // The reminders' sections are tables: `reminders_example_parses` checks them.
        let (text, _) = text
            .split_once(crate::notify_config::EXAMPLE)
            .expect("the example ends with the reminders' sections");
        let uncommented = text
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')))
            .collect::<Vec<_>>()
            .join("\n");
        let layer = parse_file(&uncommented, Path::new("example")).unwrap();
        assert_eq!(
            layer,
            Layer {
                listen: Some(Config::default().listen),
                db: Some("/data/vetted.db".into()),
                policy: Some("my-policy.toml".into()),
                audit_key_file: Some("/etc/vetted/audit.key".into()),
                log_format: Some(LogFormat::Text),
                session_idle_minutes: Some(60),
                session_absolute_hours: Some(12),
                secure_cookies: Some(false),
                trust_forwarded_headers: Some(false),
                policy_poll_seconds: Some(DEFAULT_POLICY_POLL_SECONDS),
                metrics_token: Some(Secret("a long random string".into())),
                metrics_token_file: Some("/run/secrets/vetted-metrics-token".into()),
                max_upload_bytes: Some(20 * 1024 * 1024),
                organization: Some("Example Ltd".into()),
                public_url: None,
                smtp: None,
                webhooks: None,
                reminders: None,
            }
        );
    }

    #[test]
    fn reminders_example_parses_when_uncommented() {
        let uncommented = crate::notify_config::EXAMPLE
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| {
                l.starts_with('[') || l.split_once(" = ").is_some_and(|(k, _)| !k.contains(' '))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let layer = parse_file(&uncommented, Path::new("example")).unwrap();
        assert_eq!(
            layer.public_url.as_deref(),
            Some("https://vetted.example.eu")
        );
        let smtp = layer.smtp.unwrap();
        assert_eq!(smtp.host.as_deref(), Some("smtp.example.eu"));
        assert_eq!(smtp.security, Some(vetted_app::notify::Security::Starttls));
        assert_eq!(smtp.port, Some(587));
        let hooks = layer.webhooks.unwrap();
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].format, vetted_app::notify::WebhookFormat::Json);
        let r = layer.reminders.unwrap();
        assert_eq!(
            (r.send_hour, r.within_days, r.repeat_days),
            (Some(7), Some(30), Some(7))
        );
    }

    #[test]
    fn smtp_keys_layer_env_over_file() {
        let (_dir, mut sources) = with_file(
            "public_url = \"https://v.example.eu\"\n[smtp]\nhost = \"file.example.eu\"\nfrom = \"v@example.eu\"\n[[webhooks]]\nname = \"ops\"\nurl = \"https://hooks.example.eu/x\"\nformat = \"slack\"\n",
        );
        sources.env = env(&[
            ("VETTED_SMTP_HOST", "env.example.eu"),
            ("VETTED_SMTP_PORT", "2525"),
        ]);
        let c = load(&sources, Layer::default()).unwrap().config;
        assert_eq!(
            c.notify.smtp.host.as_deref(),
            Some("env.example.eu"),
            "env over file"
        );
        assert_eq!(
            c.notify.smtp.from.as_deref(),
            Some("v@example.eu"),
            "file where env is silent"
        );
        assert_eq!(c.notify.smtp.port, Some(2525));
        assert_eq!(c.notify.webhooks[0].name, "ops");
        let s = c.notify.settings(c.listen).unwrap();
        assert_eq!(s.base_url, "https://v.example.eu");
        assert_eq!(s.smtp.unwrap().host, "env.example.eu");

        let (_bad_dir, bad) = with_file("[smtp]\nhots = \"x\"\n");
        let e = load(&bad, Layer::default()).unwrap_err().to_string();
        assert!(e.contains(":2:1:") && e.contains("hots"), "{e}");
    }

    #[test]
    fn account_settings_come_from_file_and_env() {
        let (_dir, mut sources) = with_file("session_idle_minutes = 15\nsecure_cookies = true\n");
        sources.env = env(&[
            ("VETTED_SESSION_ABSOLUTE_HOURS", "8"),
            ("VETTED_TRUST_FORWARDED_HEADERS", "yes"),
        ]);
        let c = load(&sources, Layer::default()).unwrap().config;
        assert_eq!((c.session_idle_minutes, c.session_absolute_hours), (15, 8));
        assert!(c.secure_cookies && c.trust_forwarded_headers);

        sources.env = env(&[("VETTED_SESSION_IDLE_MINUTES", "0")]);
        let err = load(&sources, Layer::default()).unwrap_err().to_string();
        assert!(
            err.contains("VETTED_SESSION_IDLE_MINUTES") && err.contains("above 0"),
            "{err}"
        );
        sources.env = env(&[("VETTED_SECURE_COOKIES", "maybe")]);
        let err = load(&sources, Layer::default()).unwrap_err().to_string();
        assert!(err.contains("expected true or false"), "{err}");
    }

    #[test]
    fn metrics_token_and_poll_come_from_env_and_stay_out_of_debug() {
        let (_dir, mut sources) = with_file("metrics_token_file = \"/run/t\"\n");
        sources.env = env(&[
            ("VETTED_METRICS_TOKEN", "s3cr3t-token"),
            ("VETTED_POLICY_POLL_SECONDS", "2"),
        ]);
        let c = load(&sources, Layer::default()).unwrap().config;
        assert_eq!(c.metrics_token, Some(Secret("s3cr3t-token".into())));
        assert_eq!(c.metrics_token_file, Some(PathBuf::from("/run/t")));
        assert_eq!(c.policy_poll_seconds, 2);
        assert!(!format!("{c:?}").contains("s3cr3t"), "{c:?}");
    }

    #[test]
    fn the_upload_limit_comes_from_file_and_env() {
        let (_dir, mut sources) = with_file("max_upload_bytes = 1048576\n");
        assert_eq!(
            load(&sources, Layer::default())
                .unwrap()
                .config
                .max_upload_bytes,
            1_048_576
        );
        sources.env = env(&[("VETTED_MAX_UPLOAD_BYTES", "5000")]);
        assert_eq!(
            load(&sources, Layer::default())
                .unwrap()
                .config
                .max_upload_bytes,
            5000
        );
        sources.env = env(&[("VETTED_MAX_UPLOAD_BYTES", "20MB")]);
        let err = load(&sources, Layer::default()).unwrap_err().to_string();
        assert!(err.contains("VETTED_MAX_UPLOAD_BYTES"), "{err}");
    }
}
