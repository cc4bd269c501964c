//! Parley's HTTP server: the WhatsApp webhook, the `/api/v1` REST API and its
//! OpenAPI document, the realtime event stream, the embedded web inbox, and
//! the background workers (webhook processor, outbox sender, media fetcher).
//!
//! [`Server::start`] wires it all from a [`ServerConfig`]; the binary builds
//! that config from flags, `PARLEY_*` environment and a config file.

pub mod api;
pub mod auth;
pub mod bot;
pub mod csat;
pub mod demo;
pub mod demo_shop;
pub mod desk;
pub mod error;
pub mod events;
pub mod ingest;
pub mod media;
pub mod metrics;
pub mod notifier;
pub mod outbox;
pub mod presence;
pub mod router;
pub mod scheduler;
pub mod search_indexer;
pub mod templates;
pub mod web;
pub mod webhook;

use anyhow::Context;
use parley_core::{Clock, SystemClock};
use parley_store::Store;
use parley_whatsapp::{GraphClient, GraphConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// The WhatsApp Cloud API credentials and endpoints.
#[derive(Clone)]
pub struct WhatsAppConfig {
    pub app_secret: String,
    pub verify_token: String,
    pub access_token: String,
    pub phone_number_id: String,
    /// The WhatsApp Business Account whose message templates are synced;
    /// empty: no sync, and template replies go to Meta unchecked.
    pub waba_id: String,
    pub api_base: String,
    pub api_version: String,
}

impl std::fmt::Debug for WhatsAppConfig {
    // Secrets never reach a log, even through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppConfig")
            .field("app_secret", &redacted(&self.app_secret))
            .field("verify_token", &redacted(&self.verify_token))
            .field("access_token", &redacted(&self.access_token))
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .finish()
    }
}

pub(crate) fn redacted(s: &str) -> &'static str {
    if s.is_empty() {
        "<unset>"
    } else {
        "<redacted>"
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data dir.
    pub database_url: Option<String>,
    pub sqlite_sync: parley_store::SqliteSync,
    pub whatsapp: WhatsAppConfig,
    /// Largest webhook body accepted (Meta batches up to ~3 MB).
    pub webhook_body_limit: usize,
    /// Messages per second the sender allows itself per phone number.
    pub send_rate_per_second: u32,
    pub session_ttl_ms: i64,
    /// Mount the demo's phone simulator (only `parley demo`).
    pub demo: Option<demo::DemoConfig>,
    /// Mount `POST /bench/ceiling` (signature check only), for `parley bench`.
    pub bench_ceiling: bool,
    /// The desk file (teams, hours, SLA, routing, escalation); watched and
    /// reloaded while running. `None`: edited through the admin API.
    pub desk_file: Option<PathBuf>,
    /// Where escalation and SLA notifications are POSTed, signed.
    pub notify: Option<notifier::NotifyConfig>,
    /// CSAT surveys after resolution.
    pub csat: csat::CsatConfig,
    /// `csat` came from the config file or a flag: it wins, and Settings →
    /// CSAT is read-only. Otherwise what an admin saved there wins.
    pub csat_from_file: bool,
    /// The FAQ bot's knowledge base; `None`: no bot, people answer everything.
    pub bot: Option<bot::BotConfig>,
    /// How often templates are synced from Meta (also at start-up); `None`:
    /// only at start-up and on request.
    pub template_sync_interval: Option<Duration>,
}

impl ServerConfig {
    /// Defaults for everything but credentials, for tests and the demo.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        ServerConfig {
            listen,
            data_dir,
            database_url: None,
            sqlite_sync: Default::default(),
            whatsapp: WhatsAppConfig {
                app_secret: String::new(),
                verify_token: String::new(),
                access_token: String::new(),
                phone_number_id: String::new(),
                waba_id: String::new(),
                api_base: "https://graph.facebook.com".into(),
                api_version: "v24.0".into(),
            },
            webhook_body_limit: 4 * 1024 * 1024,
            send_rate_per_second: 80,
            session_ttl_ms: 12 * 60 * 60 * 1000,
            demo: None,
            bench_ceiling: false,
            desk_file: None,
            notify: None,
            csat: Default::default(),
            csat_from_file: false,
            bot: None,
            template_sync_interval: Some(Duration::from_secs(15 * 60)),
        }
    }
}

/// Everything a request handler or worker needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<ServerConfig>,
    pub store: Store,
    pub bus: events::EventBus,
    pub graph: GraphClient,
    pub clock: Arc<dyn Clock>,
    pub ingest: ingest::IngestLog,
    /// Wakes the outbox sender when a reply is committed.
    pub outbox_wake: Arc<Notify>,
    pub media: media::MediaStore,
    pub metrics: metrics::Metrics,
    /// Flips to true when the server starts shutting down; long-lived
    /// responses (the event stream) end on it so shutdown does not hang.
    pub shutdown: watch::Receiver<bool>,
    /// Sign-in attempts per email address, against password guessing.
    pub login_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// Wakes the router: a new ticket, or capacity freed somewhere.
    pub router_wake: Arc<Notify>,
    /// Wakes the timer scheduler: deadlines changed.
    pub scheduler_wake: Arc<Notify>,
    /// Wakes the notifier: a notification was queued.
    pub notify_wake: Arc<Notify>,
    pub desk_status: Arc<std::sync::Mutex<desk::DeskStatus>>,
    /// The FAQ bot in force (swapped whole when the knowledge base changes).
    pub bot: bot::BotSlot,
    /// Wakes the bot: a customer message arrived.
    pub bot_wake: Arc<Notify>,
    /// Who has which conversation open, and who is typing (in memory).
    pub presence: Arc<presence::Presence>,
    /// The last template sync; held while a sync runs, so syncs queue.
    pub template_sync: Arc<tokio::sync::Mutex<templates::SyncStatus>>,
    /// The CSAT survey settings in force (the store holds the rules' copy).
    pub csat: Arc<std::sync::RwLock<csat::CsatInForce>>,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// A running server: its address and the handle to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl RunningServer {
    /// Stops accepting requests, lets in-flight requests and the workers'
    /// current step finish, then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let deadline = tokio::time::sleep(Duration::from_secs(20));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = self.tasks.join_next() => if next.is_none() { break },
                _ = &mut deadline => {
                    tracing::warn!("shutdown timed out; aborting remaining tasks");
                    self.tasks.abort_all();
                    break;
                }
            }
        }
        self.state.store.close().await;
    }

    /// Waits until a shutdown signal (Ctrl-C / SIGTERM) arrives, then shuts down.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight work");
        self.shutdown().await;
    }
}

pub struct Server;

impl Server {
    /// Opens the store (running migrations), binds the listener and starts
    /// the workers.
    pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
        Server::start_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<RunningServer> {
        let store = match &config.database_url {
            Some(url) => Store::connect(url).await,
            None => Store::open_sqlite(&config.data_dir, config.sqlite_sync).await,
        }
        .context("opening the database")?;
        config.csat.validate().map_err(anyhow::Error::msg)?;
        store.set_csat_settings(config.csat.store_settings());
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;

        let graph = GraphClient::new(GraphConfig {
            api_base: config.whatsapp.api_base.clone(),
            api_version: config.whatsapp.api_version.clone(),
            access_token: config.whatsapp.access_token.clone(),
            phone_number_id: config.whatsapp.phone_number_id.clone(),
            timeout: Duration::from_secs(15),
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let processor_wake = Arc::new(Notify::new());
        let ingest_log = ingest::IngestLog::spawn(
            store.clone(),
            clock.clone(),
            processor_wake.clone(),
            shutdown_rx.clone(),
            &mut tasks,
        );
        let media = media::MediaStore::new(config.data_dir.join("media"))?;
        let csat = csat::CsatInForce {
            config: config.csat.clone(),
            source: if config.csat_from_file {
                "file"
            } else {
                "default"
            },
            updated_at: None,
            updated_by: None,
        };
        let state = AppState {
            config: Arc::new(config),
            store,
            bus: events::EventBus::default(),
            graph,
            clock,
            ingest: ingest_log,
            outbox_wake: Arc::new(Notify::new()),
            media,
            metrics: metrics::Metrics::install(),
            shutdown: shutdown_rx.clone(),
            login_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                std::num::NonZeroU32::new(10).expect("non-zero"),
            ))),
            router_wake: Arc::new(Notify::new()),
            scheduler_wake: Arc::new(Notify::new()),
            notify_wake: Arc::new(Notify::new()),
            desk_status: Default::default(),
            bot: Default::default(),
            bot_wake: Arc::new(Notify::new()),
            presence: Default::default(),
            template_sync: Default::default(),
            csat: Arc::new(std::sync::RwLock::new(csat)),
        };
        desk::load_initial(&state).await?;
        csat::load_initial(&state).await?;
        bot::load_initial(&state)?;

        tasks.spawn(ingest::run_processor(
            state.clone(),
            processor_wake,
            shutdown_rx.clone(),
        ));
        tasks.spawn(outbox::run_sender(state.clone(), shutdown_rx.clone()));
        tasks.spawn(media::run_fetcher(state.clone(), shutdown_rx.clone()));
        tasks.spawn(router::run_router(state.clone(), shutdown_rx.clone()));
        tasks.spawn(scheduler::run_scheduler(state.clone(), shutdown_rx.clone()));
        tasks.spawn(notifier::run_notifier(state.clone(), shutdown_rx.clone()));
        tasks.spawn(search_indexer::run_search_indexer(
            state.clone(),
            shutdown_rx.clone(),
        ));
        tasks.spawn(presence::run_presence_sweeper(
            state.clone(),
            shutdown_rx.clone(),
        ));
        if templates::configured(&state) {
            // Without an interval: one sync at start-up, then only on request.
            let every = state
                .config
                .template_sync_interval
                .unwrap_or(Duration::from_secs(365 * 24 * 3600));
            tasks.spawn(templates::run_sync(
                state.clone(),
                every,
                shutdown_rx.clone(),
            ));
        }
        if let Some(path) = state.config.desk_file.clone() {
            tasks.spawn(desk::watch_file(state.clone(), path, shutdown_rx.clone()));
        }
        if let Some(cfg) = &state.config.bot {
            tasks.spawn(bot::run_bot(state.clone(), shutdown_rx.clone()));
            tasks.spawn(bot::watch_kb(
                state.clone(),
                cfg.kb_dir.clone(),
                shutdown_rx.clone(),
            ));
        }

        let app = api::router(state.clone());
        let mut rx = shutdown_rx.clone();
        tasks.spawn(async move {
            let serve = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "HTTP server failed");
            }
        });
        tracing::info!(%addr, backend = ?state.store.backend(), "Parley is listening");
        Ok(RunningServer {
            addr,
            state,
            shutdown: shutdown_tx,
            tasks,
        })
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Resolves once shutdown has started.
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// Sleeps until woken, the deadline passes or shutdown starts. Returns
/// false when the worker should stop.
pub(crate) async fn idle(
    wake: &Notify,
    max: Duration,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        _ = wake.notified() => true,
        _ = tokio::time::sleep(max) => true,
        _ = shutdown.changed() => !*shutdown.borrow(),
    }
}
