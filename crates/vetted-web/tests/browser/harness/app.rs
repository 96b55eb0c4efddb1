//! The server of a journey: the real router on 127.0.0.1 over a fresh `SQLite` database, and
//! set-up straight through the store.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use vetted_core::audit::{Actor, AuditKey};
use vetted_core::model::{Register, Supplier, SupplierId};
use vetted_core::policy::Policy;
use vetted_store::{Change, StoredSupplier};
use vetted_web::auth::Role;
use vetted_web::current::Refresher;
use vetted_web::{AppState, Server, WebConfig};

use crate::common;

/// The password of every user [`App::add_user`] creates.
pub const PASSWORD: &str = common::pages::PASSWORD;

/// A Vetted server on 127.0.0.1 for one test: the real router over a fresh `SQLite` database,
/// stopped when dropped.
pub struct App {
    /// The server's state: its store and accounts, for set-up and for checking what a journey
    /// wrote.
    pub state: AppState,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
    // Dropped last: the database's folder.
    _dir: tempfile::TempDir,
}

/// The mail settings of a server, made from its own address once it is bound.
type SettingsFor = Box<dyn FnOnce(&str) -> vetted_app::notify::Settings + Send>;

/// A user [`App::add_user`] created, to sign in with.
#[derive(Clone, Debug)]
pub struct Account {
    /// `{role}@example.org`.
    pub email: String,
    /// [`PASSWORD`].
    pub password: String,
}

impl App {
    /// A server on an empty database: no suppliers, no users (the first-run state).
    pub async fn empty() -> App {
        App::start(None, None).await
    }

    /// A server whose database holds the example register (`examples/register.json`, 22
    /// suppliers), imported by the system actor.
    pub async fn with_example_register() -> App {
        App::start(Some(&common::example_register()), None).await
    }

    /// [`App::with_example_register`] sending reminders as `settings` say.
    pub async fn with_reminders(settings: vetted_app::notify::Settings) -> App {
        App::with_mail(|_| settings).await
    }

    /// [`App::with_example_register`] sending mail as `settings` says, given the server's own
    /// address (`http://127.0.0.1:PORT`, known only once it is bound): with it as `base_url`,
    /// the links in the server's mail open in the journey's browser.
    pub async fn with_mail(
        settings: impl FnOnce(&str) -> vetted_app::notify::Settings + Send + 'static,
    ) -> App {
        App::start(Some(&common::example_register()), Some(Box::new(settings))).await
    }

    async fn start(register: Option<&Register>, notify: Option<SettingsFor>) -> App {
        init_logs();
        let dir = tempfile::Builder::new()
            .prefix("vetted-browser-db-")
            .tempdir()
            .expect("a temporary folder for the database");
        let url = dir.path().join("vetted.db").display().to_string();
        let key = AuditKey::from_bytes(&[7; 32]).expect("a test audit key");
        let store =
            vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(&url), key.clone())
                .await
                .expect("open a fresh SQLite store");
        if let Some(register) = register {
            store
                .upsert_register(register, &Change::now(Actor::System), &|_| {})
                .await
                .expect("import the register");
        }
        let config = WebConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..WebConfig::default()
        };
        let server = Server::bind(&config).await.expect("bind 127.0.0.1:0");
        let addr = server.local_addr().expect("the bound address");
        let mut state = AppState::new(store, Policy::default(), config).with_audit_key(key);
        if let Some(settings_for) = notify {
            let settings = settings_for(&format!("http://{addr}"));
            let notifier =
                vetted_app::notify::Notifier::new(std::sync::Arc::clone(&state.store), settings)
                    .expect("the reminders' settings work");
            state = state.with_notifier(std::sync::Arc::new(notifier));
        }
        // As `vetted serve`: stored evaluations refreshed at start, stored policies followed.
        let refresher = Refresher::new(state.clone()).spawn(vetted_web::current::DEFAULT_POLL);
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = server.run(serving, shutdown).await {
                eprintln!("the test server stopped with an error: {e}");
            }
        });
        App {
            state,
            addr,
            stop: Some(stop),
            tasks: vec![refresher, server],
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A first-run setup token, as `vetted serve` prints it on an empty database.
    pub async fn setup_token(&self) -> String {
        self.state
            .accounts
            .open_setup()
            .await
            .expect("open the first-run setup")
            .expect("no user exists yet, so setup is open")
    }

    /// Creates a user of `role`, `{role}@example.org` with [`PASSWORD`], by the system actor.
    pub async fn add_user(&self, role: Role) -> Account {
        let email = format!("{role}@example.org");
        self.state
            .accounts
            .create_user(&email, PASSWORD, role, Actor::System)
            .await
            .expect("create the user");
        Account {
            email,
            password: PASSWORD.to_string(),
        }
    }

    /// Adds `supplier` to the register, by the system actor.
    pub async fn add_supplier(&self, supplier: &Supplier) -> StoredSupplier {
        self.state
            .store
            .create_supplier(supplier, &Change::now(Actor::System))
            .await
            .expect("create the supplier")
    }

    /// The stored supplier with `id`, if there is one.
    pub async fn supplier(&self, id: &str) -> Option<StoredSupplier> {
        let id = SupplierId::parse(id).expect("a valid supplier id");
        self.state
            .store
            .find_supplier(&id)
            .await
            .expect("read the supplier")
    }

    /// How many suppliers the register holds.
    pub async fn count_suppliers(&self) -> u64 {
        self.state
            .store
            .count_suppliers()
            .await
            .expect("count the suppliers")
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The runtime ends with the test anyway; aborting keeps a keep-alive connection from
        // holding a graceful stop open until then.
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Server logs on the test's output when `RUST_LOG` asks for them (shown for failed tests).
fn init_logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}
