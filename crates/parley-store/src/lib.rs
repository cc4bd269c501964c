//! Parley's persistence: one [`Store`] over SQLite (the embedded default) or
//! PostgreSQL, chosen by the database URL at start-up.
//!
//! Both backends run the same SQL: `$N` placeholders, `i64` ids, timestamps as
//! Unix milliseconds, JSON as text. Only the DDL differs, so there is one
//! migration folder per backend. Every multi-row change is one transaction,
//! which is what the invariants in the architecture notes rest on: a message
//! and its ticket, a reply and its outbox row, a status and its message are
//! committed together or not at all.

mod agents;
mod bot;
mod canned;
mod contacts;
mod csat;
mod error;
mod escalation;
mod ingest;
mod media;
mod models;
mod notes;
mod notify;
mod outbox;
mod reports;
mod routing;
mod search;
mod seed;
mod seed_history;
mod seed_inbox;
mod settings;
mod sla;
mod templates;
mod ticket_list;
mod tickets;
mod timers;

pub use agents::{AgentPatch, NewAgent, TokenKind};
pub use bot::{BotEnd, BotInbound, BotTurnWrite, DeflectionRow};
pub use canned::{CannedPatch, CannedResponse, NewCanned};
pub use contacts::ContactPatch;
pub use csat::{
    CSAT_TIMER, CsatComment, CsatFilter, CsatReply, CsatReplyKind, CsatSent, CsatSettings,
    CsatSummary, CsatSurvey, RatingCount, SkipCount, SurveyDraft,
};
pub use error::StoreError;
pub use escalation::{EscalateRequest, EscalationApplied};
pub use ingest::{
    InboundMedia, InboundMessage, IngestItem, IngestOutcome, PendingWebhook, StatusReport,
};
pub use media::NewMedia;
pub use models::*;
pub use notes::{Mention, NewNote, NoteAdded, Viewer};
pub use notify::PendingNotification;
pub use outbox::{OutboxRow, ReplyDraft};
pub use reports::{
    BACKLOG_AGES, Backlog, BacklogCell, BacklogHistory, BacklogPoint, GroupBy, GroupSeries,
    MetricValue, ReportQuery, ReportRow, SeriesPoint, Volume,
};
pub use routing::{PastTicket, QueuedTicket, RoutingCandidate, RoutingOutcome};
pub use search::{SearchHit, search_terms};
pub use seed::{SeedBurst, SeedTickets, Seeded, TimerRow};
pub use seed_history::SeedCsat;
pub use seed_inbox::{SeedInbox, SeededInbox};
pub use settings::Setting;
pub use templates::{TemplateRow, TemplateStatusChange, TemplateSyncReport, WaTemplate};
pub use ticket_list::{OPEN_STATUSES_SQL, TicketFilter, TicketSort};
pub use tickets::TicketPatch;
pub use timers::FiredTimer;

use parley_core::desk::Desk;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How much durability SQLite trades for speed. `Full` syncs the WAL on every
/// commit, so an acknowledged webhook survives a power cut; `Normal` survives
/// a crash of Parley but not of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    #[default]
    Full,
    Normal,
}

impl FromStr for SqliteSync {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            _ => Err(format!(
                "unknown sqlite sync mode {s:?}; expected full or normal"
            )),
        }
    }
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time. Writers queue here, in order,
    /// instead of in SQLite's busy handler, which sleeps in steps of up to
    /// 100 ms and let a busy processor starve the webhook writer.
    write_gate: Arc<tokio::sync::Mutex<()>>,
    /// The desk configuration (teams, calendars, SLA, escalation) the write
    /// paths plan deadlines with; swapped whole when the configuration changes.
    desk: Arc<std::sync::RwLock<Arc<Desk>>>,
    /// How CSAT surveys are sent (the server's drafts and delays).
    csat: Arc<std::sync::RwLock<Arc<csat::CsatSettings>>>,
    /// Whether a knowledge base is loaded: new conversations then start with
    /// the bot, and reach routing only when it hands them off.
    bot_enabled: Arc<std::sync::atomic::AtomicBool>,
}

/// A write transaction; on SQLite it also holds the write gate until it ends.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The configuration as it was when the transaction began, so one
    /// transaction plans with one configuration throughout.
    pub(crate) desk: Arc<Desk>,
    /// Whether the bot takes new conversations (as when the transaction began).
    pub(crate) bot: bool,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) `parley.db` inside `data_dir`.
    pub async fn open_sqlite(data_dir: &Path, sync: SqliteSync) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("parley.db").display());
        Store::connect_with(&url, sync).await
    }

    /// Connects to `sqlite://…` or `postgres://…` and runs migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, SqliteSync::default()).await
    }

    /// Connects without running migrations (for tooling and test setup).
    pub async fn connect_unmigrated(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await?;
        Ok(Store {
            pool,
            backend,
            write_gate: Default::default(),
            desk: Default::default(),
            csat: Default::default(),
            bot_enabled: Default::default(),
        })
    }

    /// Whether the database has any table yet (tools that need an empty one ask).
    pub async fn has_tables(&self) -> Result<bool> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
        Ok(n > 0)
    }

    /// Runs one statement as is (schema setup in tests and tools).
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn connect_with(url: &str, sync: SqliteSync) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL (expected sqlite://… or postgres://…): {}",
                redact_url(url)
            )));
        };
        let pool = match backend {
            Backend::Sqlite => {
                let sync_pragma = match sync {
                    SqliteSync::Full => "PRAGMA synchronous = FULL",
                    SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
                };
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            // WAL lets the inbox read while ingest writes; the busy
                            // timeout makes concurrent writers queue instead of fail.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute(sync_pragma).await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // sqlx keeps statements prepared; after five runs
                            // PostgreSQL may switch one to a generic plan, made
                            // without the values. For the list pages that plan
                            // can be far worse (the closed list by SLA: 13 ms
                            // generic, 0.4 ms planned for its LIMIT); planning
                            // each time costs well under a millisecond.
                            conn.execute("SET plan_cache_mode = force_custom_plan")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        let store = Store {
            pool,
            backend,
            write_gate: Default::default(),
            desk: Default::default(),
            csat: Default::default(),
            bot_enabled: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock
    /// up front: a deferred transaction that reads first and writes later can
    /// fail with SQLITE_BUSY instead of waiting for the lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let gate = self.write_gate.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _gate: Some(gate),
                    desk: self.desk(),
                    bot: self.bot_enabled(),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _gate: None,
                desk: self.desk(),
                bot: self.bot_enabled(),
            },
        })
    }

    /// The desk configuration in force.
    pub fn desk(&self) -> Arc<Desk> {
        self.desk.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts a new desk configuration in force for transactions that begin
    /// from now on.
    pub fn set_desk(&self, desk: Arc<Desk>) {
        *self.desk.write().unwrap_or_else(|e| e.into_inner()) = desk;
    }

    /// Checks the database answers, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides the password in a database URL before it reaches a log or an error.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) fn parse_json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://parley:s3cret@db:5432/parley"),
            "postgres://parley:***@db:5432/parley"
        );
        assert_eq!(redact_url("postgres://db/parley"), "postgres://db/parley");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
