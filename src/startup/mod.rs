//! Startup: turns settings into a running server. `Application::build` binds the port
//! (0 picks a free one, which is how tests run the real app) before serving.

mod reseal;

use crate::api;
use crate::auth::AuthService;
use crate::config::Settings;
use crate::crypto::{KeySource, load_vault};
use crate::http::{self, BodyLimit};
use crate::state::AppState;
use crate::store::{Store, pending_migrations, run_pending_migrations};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::time::Duration;

/// Why the service could not start. Each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// How `serve` starts.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Apply pending migrations first (`database.auto_migrate`, unless `--no-migrate`).
    pub migrate: bool,
}

impl Application {
    /// Connects the database, migrates, opens the vault, binds the listener.
    pub async fn build(settings: Settings, options: BuildOptions) -> Result<Self, StartupError> {
        let store = Store::connect(&settings.database)?;
        if options.migrate {
            let applied = store.run(run_pending_migrations).await?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "database migrated");
            }
        }
        let (vault, source) = load_vault(&settings).map_err(StartupError::Config)?;
        match &source {
            KeySource::Generated(path) => tracing::warn!(
                path = %path.display(),
                "generated a new encryption key for secrets at rest; back it up with the database"
            ),
            KeySource::File(path) => {
                tracing::info!(path = %path.display(), "encryption key loaded")
            }
            KeySource::Configured => {
                tracing::info!(key_id = vault.current_key_id(), "encryption key configured")
            }
        }
        let pending = store.run(pending_migrations).await?;
        if pending.is_empty() {
            let resealed = reseal::reseal_stale_secrets(&store, &vault).await?;
            if resealed > 0 {
                tracing::info!(count = resealed, "secrets re-sealed under the current key");
            }
        } else {
            // Serve anyway: /readyz says not ready until `email-manager migrate` runs.
            tracing::warn!(pending = ?pending, "database migrations are pending; run `email-manager migrate`");
        }
        let auth = AuthService::new(&settings.nocobase).map_err(StartupError::Config)?;
        let http_client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StartupError::Config(format!("HTTP client: {e}")))?;

        let imap_tls = imap_tls(&settings)?;

        let address = settings.server.bind.clone();
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?
            .port();
        let mut origins = settings.cors.allowed_origins.clone();
        if let Some(origin) = settings.nocobase.url.as_deref().and_then(origin_of) {
            origins.push(origin);
        }
        let body_limit = web::Data::new(BodyLimit(settings.server.max_body_bytes));
        let store_data = web::Data::new(store.clone());
        let auth = web::Data::new(auth);
        let settings_sync = settings.sync.clone();
        let limits = crate::limits::Limits::new(&settings.limits);
        let state = web::Data::new(AppState {
            limits,
            settings,
            store,
            vault,
            http: http_client,
            instance_id: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            refresh_locks: Default::default(),
            budgets: crate::gateway::Budgets::new(&settings_sync),
            sync_wake: Default::default(),
            push_wake: Default::default(),
            push_keys: Default::default(),
            events: Default::default(),
            jobs: Default::default(),
            imap_tls,
            imap_idle: Default::default(),
            imap_files_sent: Default::default(),
        });
        let shared_state = state.clone();
        crate::events::spawn_tail(state.clone());
        if state.settings.sync.enabled {
            crate::sync::spawn(state.clone());
            crate::push::spawn(state.clone());
        }
        if state.settings.send.run_scheduled {
            crate::send::scheduler::spawn(state.clone());
        }
        if state.settings.campaigns.run {
            crate::campaigns::spawn(state.clone());
        }
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(store_data.clone())
                .app_data(auth.clone())
                .app_data(body_limit.clone())
                .wrap(http::cors(&origins))
                .wrap(from_fn(http::request_context))
                .configure(|config| {
                    api::configure(config);
                    api::docs_page::configure(config);
                })
                .default_service(web::to(http::not_found))
        })
        // Longer than clients keep idle connections, so a pooled one is never closed
        // under a request just being sent.
        .keep_alive(Duration::from_secs(120))
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: format!("port {port}"),
            source,
        })?
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        // Signals are ours (`run_until_stopped`): the jobs must hear them first.
        .disable_signals()
        .run();
        tracing::info!(port, "listening");
        Ok(Self {
            port,
            server,
            state: shared_state,
        })
    }

    /// The running service's shared state (tests use it to reach internal services).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGTERM or SIGINT); see [`Self::run_until`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(stop_signal()).await
    }

    /// Serves until `stop` resolves (to what asked for it, for the log). Then the jobs stop
    /// first (a sync run releases its account at once, event streams end) while the
    /// server stops accepting and finishes the requests in flight; both get
    /// [`SHUTDOWN_GRACE`]. Tests run apps in their own process with a stop of their own,
    /// so the test process keeps its default signal handling.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = &'static str>,
    ) -> std::io::Result<()> {
        let handle = self.server.handle();
        let mut server = self.server;
        tokio::select! {
            result = &mut server => {
                self.state.jobs.shutdown(SHUTDOWN_GRACE).await;
                result
            }
            signal = stop => {
                tracing::info!(signal, "stopping: no new work; what is held is finished or handed back");
                let started = std::time::Instant::now();
                // The server handles its stop command only while it is polled: all three
                // run together.
                let (cut_off, (), result) = tokio::join!(
                    self.state.jobs.shutdown(SHUTDOWN_GRACE),
                    handle.stop(true),
                    &mut server,
                );
                tracing::info!(
                    jobs_cut_off = cut_off,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "stopped"
                );
                result
            }
        }
    }
}

/// How long a stop waits for requests in flight and for jobs to let go.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The first of SIGTERM (docker stop, Kubernetes) and SIGINT (Ctrl-C), by name. Without a
/// way to listen for one (never on Linux), that one simply never comes.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let wait = |kind: SignalKind| async move {
        match signal(kind) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for a stop signal");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = wait(SignalKind::terminate()) => "SIGTERM",
        () = wait(SignalKind::interrupt()) => "SIGINT",
    }
}

/// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.origin().ascii_serialization()).filter(|o| o != "null")
}

/// The TLS set-up for IMAP and SMTP servers, with `imap.ca_file`'s certificates trusted
/// beside the public roots.
fn imap_tls(
    settings: &Settings,
) -> Result<std::sync::Arc<tokio_rustls::rustls::ClientConfig>, StartupError> {
    let extra =
        match &settings.imap.ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                StartupError::Config(format!("imap.ca_file: {}: {e}", path.display()))
            })?),
            None => None,
        };
    crate::providers::imap::tls::client_config(extra.as_deref())
        .map_err(|e| StartupError::Config(format!("imap.ca_file: {e}")))
}
