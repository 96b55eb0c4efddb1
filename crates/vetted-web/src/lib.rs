//! `vetted-web`: Vetted's HTTP server (axum).
//!
//! [`router`] takes every route from [`api::routes`] (the REST API under `/api/v1`, the health
//! probes of [`health`] and the OpenAPI document) and the account routes of [`auth`], puts the
//! [`auth::authenticate`] layer around them, adds JSON answers for unknown paths and
//! methods, and wraps it in the layers every request goes through (see [`layers`]): a request
//! id, a tracing span, a body size limit. Request data is read by [`extract`]'s extractors.
//! [`Server::bind`] then [`Server::run`] (or [`serve`] for both) serve it until a shutdown signal
//! such as [`shutdown_signal`] resolves. [`current`] keeps a running server on the newest
//! stored policy version and today's evaluations; [`metrics`] serves `GET /metrics`;
//! [`snapshot`] keeps the register evaluated in memory for the dashboard and the due queue;
//! [`reminders`] runs the daily reminders and sends them. Handlers get an [`AppState`]; HTTP errors are the one
//! [`error::ApiError`] type. The binary's `vetted serve` (crates/vetted/src/commands/serve.rs)
//! builds the [`WebConfig`] and the state from its layered configuration.

pub mod api;
pub mod auth;
pub mod current;
pub mod error;
pub mod extract;
pub mod health;
mod layers;
pub mod metrics;
pub mod reminders;
pub mod snapshot;
pub mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use vetted_app::accounts::{AccountSettings, Accounts, Clock};
use vetted_core::audit::AuditKey;
use vetted_core::policy::Policy;
use vetted_store::Store;

pub use crate::layers::{REQUEST_ID_HEADER, layers};

/// The default listen address: loopback only, so a first start exposes nothing to the network.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The default largest request body accepted, in bytes (a register of some thousand suppliers as
/// JSON fits well within it).
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// The default largest evidence file accepted, in bytes (20 MiB: a scanned audit report).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// What an upload form's request may carry beyond its file: the other fields and the multipart
/// framing.
pub const UPLOAD_FORM_OVERHEAD_BYTES: usize = 1024 * 1024;

/// What the server needs to know from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebConfig {
    /// The address to listen on; port 0 picks a free port (see [`Server::local_addr`]).
    pub listen: SocketAddr,
    /// The largest request body accepted, in bytes; a larger one gets 413. The evidence upload
    /// forms take more: see [`WebConfig::max_upload_bytes`].
    pub body_limit_bytes: usize,
    /// The largest evidence file an upload form accepts, in bytes; a larger one is refused
    /// with the form (422) and a message beside the file field. The upload forms' requests
    /// may be this plus [`UPLOAD_FORM_OVERHEAD_BYTES`] (far larger ones get 413).
    pub max_upload_bytes: usize,
    /// Session lifetimes, login throttling, setup link lifetime.
    pub accounts: AccountSettings,
    /// Mark the session cookie `Secure` always (set it when users reach Vetted over HTTPS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-Proto` (a `Secure` cookie when it says `https`) and
    /// `X-Forwarded-For` (the client address for login throttling). Only behind a proxy that
    /// sets them: otherwise clients could choose their address.
    pub trust_forwarded_headers: bool,
    /// The token `GET /metrics` asks for; `None`: `/metrics` answers 404.
    pub metrics_token: Option<metrics::MetricsToken>,
    /// Who publishes the public subprocessor list ("Subprocessors of …"); `None`: the plain
    /// title "Subprocessors".
    pub organization: Option<String>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            accounts: AccountSettings::default(),
            secure_cookies: false,
            trust_forwarded_headers: false,
            metrics_token: None,
            organization: None,
        }
    }
}

impl WebConfig {
    /// The largest request body of any route: `body_limit_bytes`, or an upload form's request
    /// when that is larger. Routes other than the upload forms keep `body_limit_bytes`.
    pub fn request_limit_bytes(&self) -> usize {
        self.body_limit_bytes.max(
            self.max_upload_bytes
                .saturating_add(UPLOAD_FORM_OVERHEAD_BYTES),
        )
    }
}

/// The state every handler can extract with `State<AppState>`: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The register's storage.
    pub store: Arc<dyn Store>,
    /// The active supplier policy, replaceable while serving (read it with
    /// [`AppState::policy`]).
    pub policy_cell: Arc<PolicyCell>,
    /// The server's configuration.
    pub config: Arc<WebConfig>,
    /// Users, sessions, tokens (over the same store).
    pub accounts: Accounts,
    /// Request counts and latencies for `GET /metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The audit key the store seals entries with, for `GET /api/v1/audit/verify`; `None`
    /// when the server was started without it (verification then answers 503).
    pub audit_key: Option<AuditKey>,
    /// The register evaluated in memory for the dashboard and the due queue, rebuilt when the
    /// store, the policy or the date changed (see [`snapshot`]).
    pub snapshots: Arc<snapshot::Snapshots>,
    /// Reminders by e-mail and webhook (the admin's notifications page): without
    /// [`AppState::with_notifier`], one with no channel configured; `None` only when even that
    /// could not be set up (the page then says so).
    pub notifier: Option<Arc<vetted_app::notify::Notifier>>,
    /// The public subprocessor list's outputs, kept while the list does not change.
    pub public_cache: Arc<ui::public_list::PublicCache>,
}

/// The policy in force and the text it was read from.
#[derive(Debug)]
pub struct ActivePolicy {
    /// The parsed policy.
    pub policy: Arc<Policy>,
    /// Its TOML text, when known (`GET /api/v1/policy` shows it).
    pub toml: Option<Arc<str>>,
    /// `vetted_core::projection::policy_fingerprint` of the text (of the empty text when it is
    /// not known): stored evaluations made under another fingerprint are stale.
    pub fingerprint: String,
    /// The stored version it is (number, uploader, time), `None` for a policy from a file or
    /// the built-in default while the store holds no version.
    pub version: Option<StoredVersion>,
}

/// Which stored policy version is in force (see `vetted_store::PolicyStore`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredVersion {
    /// Its number: 1, 2, …
    pub number: i64,
    /// Who uploaded it.
    pub uploaded_by: vetted_core::audit::Actor,
    /// When.
    pub uploaded_at: time::OffsetDateTime,
}

impl ActivePolicy {
    /// `policy`, read from `toml` when known.
    pub fn new(policy: Policy, toml: Option<&str>) -> ActivePolicy {
        ActivePolicy {
            policy: Arc::new(policy),
            toml: toml.map(Arc::from),
            fingerprint: vetted_core::projection::policy_fingerprint(toml.unwrap_or("")),
            version: None,
        }
    }

    /// A stored version, parsed; its problems when its text is not a valid policy (it was
    /// validated when uploaded, so only a hand-edited database gets them).
    pub fn from_version(
        version: &vetted_store::PolicyVersion,
    ) -> Result<ActivePolicy, Vec<vetted_core::policy::PolicyProblem>> {
        let policy = Policy::from_toml(&version.toml)?;
        Ok(ActivePolicy {
            policy: Arc::new(policy),
            toml: Some(Arc::from(version.toml.as_str())),
            fingerprint: version.fingerprint.clone(),
            version: Some(StoredVersion {
                number: version.number,
                uploaded_by: version.uploaded_by.clone(),
                uploaded_at: version.uploaded_at,
            }),
        })
    }
}

/// Holds the active policy; a new version replaces it for every request that starts after.
#[derive(Debug)]
pub struct PolicyCell(std::sync::RwLock<Arc<ActivePolicy>>);

impl PolicyCell {
    /// A cell holding `active`.
    pub fn new(active: ActivePolicy) -> PolicyCell {
        PolicyCell(std::sync::RwLock::new(Arc::new(active)))
    }

    /// The policy in force now.
    pub fn get(&self) -> Arc<ActivePolicy> {
        Arc::clone(
            &self
                .0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Puts `active` in force.
    pub fn set(&self, active: ActivePolicy) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(active);
    }
}

impl AppState {
    /// Bundles a store, the active policy and the configuration. The built-in default policy
    /// comes with its text; give another policy's with [`AppState::with_policy_toml`].
    pub fn new(store: Arc<dyn Store>, policy: Policy, config: WebConfig) -> AppState {
        AppState::with_clock(store, policy, config, vetted_app::accounts::system_clock())
    }

    /// [`AppState::new`] with a clock of the caller's: tests age sessions and tokens with it.
    pub fn with_clock(
        store: Arc<dyn Store>,
        policy: Policy,
        config: WebConfig,
        clock: Clock,
    ) -> AppState {
        let accounts = Accounts::with_clock(Arc::clone(&store), config.accounts, clock);
        let notifier = vetted_app::notify::Notifier::new(
            Arc::clone(&store),
            vetted_app::notify::Settings {
                base_url: format!("http://{}", config.listen),
                ..vetted_app::notify::Settings::default()
            },
        )
        .map_err(|e| tracing::error!(error = %e, "reminders cannot be set up"))
        .ok()
        .map(Arc::new);
        let toml =
            (policy == Policy::default()).then_some(vetted_core::policy::DEFAULT_POLICY_TOML);
        AppState {
            store,
            policy_cell: Arc::new(PolicyCell::new(ActivePolicy::new(policy, toml))),
            config: Arc::new(config),
            accounts,
            metrics: Arc::default(),
            audit_key: None,
            snapshots: Arc::default(),
            notifier,
            public_cache: Arc::default(),
        }
    }

    /// The same state with the audit key the store was opened with (`audit/verify` needs it).
    #[must_use]
    pub fn with_audit_key(mut self, key: AuditKey) -> AppState {
        self.audit_key = Some(key);
        self
    }

    /// The same state with reminders sent by `notifier`.
    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<vetted_app::notify::Notifier>) -> AppState {
        self.notifier = Some(notifier);
        self
    }

    /// The same state with the active policy's TOML text (the file it was read from).
    #[must_use]
    pub fn with_policy_toml(self, toml: &str) -> AppState {
        let policy = Policy::clone(&self.policy_cell.get().policy);
        self.policy_cell.set(ActivePolicy::new(policy, Some(toml)));
        self
    }

    /// The policy in force now (cheap: a shared pointer).
    pub fn policy(&self) -> Arc<ActivePolicy> {
        self.policy_cell.get()
    }

    /// What the store needs to keep evaluations current: the active policy, its fingerprint
    /// and `as_of` (today, for lists).
    pub fn evaluator(&self, as_of: time::Date) -> vetted_store::Evaluator {
        let active = self.policy();
        vetted_store::Evaluator {
            policy: Arc::clone(&active.policy),
            fingerprint: active.fingerprint.clone(),
            as_of,
        }
    }
}

/// The whole application: every route of [`api::routes`], JSON 404 and 405 answers for
/// unknown paths and methods, `/metrics` (outside authentication: it has its own token), every
/// request counted by [`metrics::record`], with [`layers`] applied.
pub fn router(state: AppState) -> Router {
    metrics::note_start();
    let limit = state.config.request_limit_bytes();
    let (api, _) = api::routes().split_for_parts();
    // Everything but the upload forms keeps `body_limit_bytes` inside the outer limit, which
    // is raised to fit an upload.
    let routes = api
        .merge(ui::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.config.body_limit_bytes,
            layers::limit_body,
        ))
        .merge(ui::upload_routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .merge(metrics::router())
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .with_state(state);
    layers(routes, limit)
}

/// 404: JSON under `/api/`, a page elsewhere.
async fn no_route(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        error::ApiError::NoRoute.into_response()
    } else {
        ui::PageError::Api(error::ApiError::NoRoute).into_response()
    }
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::MethodNotAllowed
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The listening socket failed while serving.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound listening socket, ready to serve. Binding first lets the caller learn the actual
/// address (port 0 picks a free port) before serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
}

impl Server {
    /// Binds `config.listen`.
    pub async fn bind(config: &WebConfig) -> Result<Server, ServeError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(Server { listener })
    }

    /// The address actually bound, with the port chosen by the system when 0 was asked for.
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves [`router`] until `shutdown` resolves, then stops accepting connections and waits
    /// for the requests in flight to finish.
    pub async fn run<F>(self, state: AppState, shutdown: F) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let app = router(state);
        // The peer's address reaches handlers (`ConnectInfo`) for per-address login throttling.
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tracing::info!("server stopped");
        Ok(())
    }
}

/// Binds `config.listen` and serves until `shutdown` resolves ([`Server::bind`] then
/// [`Server::run`]).
pub async fn serve<F>(config: &WebConfig, state: AppState, shutdown: F) -> Result<(), ServeError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let server = Server::bind(config).await?;
    tracing::info!(listen = %server.local_addr()?, "listening");
    server.run(state, shutdown).await
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM: the signals a terminal, systemd or a
/// container runtime send to stop a service. If a signal handler cannot be installed, that
/// signal is logged and ignored rather than stopping the server at once.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!(signal = "SIGINT", "shutting down"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutting down"),
    }
}
