//! Configuration: flags, then `PARLEY_*` environment (clap reads both), then
//! the optional config file, then defaults. One struct comes out, handed to
//! the server; nothing is global.

use anyhow::{Context, bail};
use clap::Args;
use parley_server::{ServerConfig, WhatsAppConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Settings shared by `serve`, `demo` and `agent`.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonOpts {
    /// A TOML config file (keys: listen, data_dir, database_url, sqlite_sync,
    /// webhook_body_limit, send_rate_per_second, desk, [whatsapp] app_secret,
    /// verify_token, access_token, phone_number_id, api_base, api_version,
    /// [notify] url, secret, [csat] enabled, delay, resurvey_after,
    /// comment_window, question, button, labels, follow_up, thanks,
    /// [bot] kb, public_url, embedding_model, llm_url, llm_model, llm_api_key,
    /// llm_tasks).
    #[arg(long, env = "PARLEY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PARLEY_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Where SQLite and media files live [default: ./parley-data].
    #[arg(long, env = "PARLEY_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL; unset: SQLite in the data dir.
    #[arg(
        long,
        env = "PARLEY_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// SQLite durability: full (fsync every commit) or normal [default: full].
    #[arg(long, env = "PARLEY_SQLITE_SYNC", global = true)]
    pub sqlite_sync: Option<String>,
    #[arg(
        long,
        env = "PARLEY_WHATSAPP_APP_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub whatsapp_app_secret: Option<String>,
    #[arg(
        long,
        env = "PARLEY_WHATSAPP_VERIFY_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub whatsapp_verify_token: Option<String>,
    #[arg(
        long,
        env = "PARLEY_WHATSAPP_ACCESS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub whatsapp_access_token: Option<String>,
    #[arg(long, env = "PARLEY_WHATSAPP_PHONE_NUMBER_ID", global = true)]
    pub whatsapp_phone_number_id: Option<String>,
    /// WhatsApp Business Account id, whose message templates are synced.
    #[arg(long, env = "PARLEY_WHATSAPP_WABA_ID", global = true)]
    pub whatsapp_waba_id: Option<String>,
    /// How often templates are synced from Meta, e.g. `15m`; `off`: only at start-up [default: 15m].
    #[arg(long, env = "PARLEY_TEMPLATE_SYNC_INTERVAL", global = true)]
    pub template_sync_interval: Option<String>,
    /// Graph API base URL [default: https://graph.facebook.com].
    #[arg(long, env = "PARLEY_WHATSAPP_API_BASE", global = true)]
    pub whatsapp_api_base: Option<String>,
    /// Graph API version [default: v24.0].
    #[arg(long, env = "PARLEY_WHATSAPP_API_VERSION", global = true)]
    pub whatsapp_api_version: Option<String>,
    /// The desk file: teams, business hours, SLA, routing rules, escalation
    /// (TOML). Watched and reloaded while running. Unset: edited through
    /// the admin API and kept in the database.
    #[arg(long, env = "PARLEY_DESK", global = true)]
    pub desk: Option<PathBuf>,
    /// The FAQ bot's knowledge base: a folder of TOML files (intents,
    /// actions, [bot] settings). Watched and reloaded while running. Unset:
    /// no bot (the demo uses the example shop's).
    #[arg(long, env = "PARLEY_KB", global = true)]
    pub kb: Option<PathBuf>,
    /// This server's address as the bot's actions see it ({{parley_url}} in
    /// the knowledge base) [default: http://<listen address>].
    #[arg(long, env = "PARLEY_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The bot's sentence-embedding model folder (all-MiniLM-L6-v2, fetched by
    /// scripts/fetch-minilm.sh): a stronger intent back end than the built-in
    /// matcher, at ~15 ms a message. Unset: the built-in matcher.
    #[arg(long, env = "PARLEY_BOT_MODEL", global = true)]
    pub bot_model: Option<PathBuf>,
    /// An OpenAI-compatible endpoint (up to the version, e.g.
    /// http://localhost:11434/v1) the bot asks for the intent of messages
    /// the matcher cannot answer, for sentiment, and for answers grounded in
    /// the knowledge base (see --bot-llm-tasks). Unset: no LLM.
    #[arg(long, env = "PARLEY_BOT_LLM_URL", global = true)]
    pub bot_llm_url: Option<String>,
    /// The model name at that endpoint (e.g. llama3.1:8b, gpt-4o-mini).
    #[arg(long, env = "PARLEY_BOT_LLM_MODEL", global = true)]
    pub bot_llm_model: Option<String>,
    /// The endpoint's API key, if it needs one (sent as a Bearer token).
    #[arg(
        long,
        env = "PARLEY_BOT_LLM_API_KEY",
        global = true,
        hide_env_values = true
    )]
    pub bot_llm_api_key: Option<String>,
    /// What the LLM is used for, comma-separated: intent, sentiment, answer
    /// [default: intent,sentiment,answer].
    #[arg(
        long,
        env = "PARLEY_BOT_LLM_TASKS",
        global = true,
        value_delimiter = ','
    )]
    pub bot_llm_tasks: Option<Vec<String>>,
    /// URL that receives signed escalation and SLA notifications.
    #[arg(long, env = "PARLEY_NOTIFY_URL", global = true)]
    pub notify_url: Option<String>,
    /// Secret that signs notifications (X-Parley-Signature-256).
    #[arg(
        long,
        env = "PARLEY_NOTIFY_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub notify_secret: Option<String>,
    /// Send CSAT surveys after resolution: true or false [default: true].
    #[arg(long, env = "PARLEY_CSAT_ENABLED", global = true)]
    pub csat_enabled: Option<bool>,
    /// From resolution to the CSAT survey, e.g. "10m" [default: 10m].
    #[arg(long, env = "PARLEY_CSAT_DELAY", global = true)]
    pub csat_delay: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    sqlite_sync: Option<String>,
    webhook_body_limit: Option<usize>,
    send_rate_per_second: Option<u32>,
    desk: Option<PathBuf>,
    #[serde(default)]
    whatsapp: FileWhatsApp,
    #[serde(default)]
    notify: FileNotify,
    #[serde(default)]
    csat: FileCsat,
    #[serde(default)]
    bot: FileBot,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileBot {
    kb: Option<PathBuf>,
    public_url: Option<String>,
    embedding_model: Option<PathBuf>,
    llm_url: Option<String>,
    llm_model: Option<String>,
    llm_api_key: Option<String>,
    llm_tasks: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileCsat {
    enabled: Option<bool>,
    delay: Option<String>,
    resurvey_after: Option<String>,
    comment_window: Option<String>,
    question: Option<String>,
    button: Option<String>,
    labels: Option<[String; 5]>,
    follow_up: Option<String>,
    thanks: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileNotify {
    url: Option<String>,
    secret: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileWhatsApp {
    app_secret: Option<String>,
    verify_token: Option<String>,
    access_token: Option<String>,
    phone_number_id: Option<String>,
    waba_id: Option<String>,
    template_sync_interval: Option<String>,
    api_base: Option<String>,
    api_version: Option<String>,
}

/// Reads and checks a config file; errors name the file, line and problem.
pub fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                (
                    before.matches('\n').count() + 1,
                    s.start - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1,
                )
            })
            .unwrap_or((0, 0));
        anyhow::anyhow!(
            "{}: line {line}, column {col}: {}",
            path.display(),
            e.message()
        )
    })
}

impl CommonOpts {
    pub fn resolve(&self) -> anyhow::Result<ServerConfig> {
        let file = match &self.config {
            Some(p) => load_file(p)?,
            None => FileConfig::default(),
        };
        let listen = match (&self.listen, &file.listen) {
            (Some(l), _) => *l,
            (None, Some(l)) => l
                .parse()
                .with_context(|| format!("config file: listen {l:?} is not host:port"))?,
            (None, None) => "127.0.0.1:8080".parse().expect("valid default"),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("parley-data"));
        let mut cfg = ServerConfig::new(listen, data_dir);
        cfg.database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .filter(|u| !u.is_empty());
        if let Some(s) = self.sqlite_sync.clone().or(file.sqlite_sync) {
            cfg.sqlite_sync = s.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        }
        if let Some(limit) = file.webhook_body_limit {
            cfg.webhook_body_limit = limit;
        }
        if let Some(rate) = file.send_rate_per_second {
            if rate == 0 {
                bail!("send_rate_per_second must be at least 1");
            }
            cfg.send_rate_per_second = rate;
        }
        cfg.desk_file = self.desk.clone().or(file.desk);
        let llm_tasks = match self.bot_llm_tasks.clone().or(file.bot.llm_tasks) {
            Some(names) => parley_server::bot::LlmTasks::parse(&names)
                .map_err(|e| anyhow::anyhow!("--bot-llm-tasks / [bot] llm_tasks: {e}"))?,
            None => Default::default(),
        };
        let llm_url = self.bot_llm_url.clone().or(file.bot.llm_url);
        let llm = match llm_url.filter(|u| !u.is_empty()) {
            Some(url) => {
                let Some(model) = self.bot_llm_model.clone().or(file.bot.llm_model) else {
                    bail!(
                        "the bot's LLM URL is set but not its model (--bot-llm-model or [bot] llm_model)"
                    );
                };
                let mut c = parley_bot::llm::LlmConfig::new(url, model);
                c.api_key = self.bot_llm_api_key.clone().or(file.bot.llm_api_key);
                Some(c)
            }
            None => None,
        };
        if let Some(kb_dir) = self.kb.clone().or(file.bot.kb) {
            cfg.bot = Some(parley_server::bot::BotConfig {
                llm,
                llm_tasks,
                kb_dir,
                public_url: self.public_url.clone().or(file.bot.public_url),
                embedding_model: self.bot_model.clone().or(file.bot.embedding_model),
            });
        }
        let notify_url = self
            .notify_url
            .clone()
            .or(file.notify.url)
            .filter(|u| !u.is_empty());
        if let Some(url) = notify_url {
            let secret = self
                .notify_secret
                .clone()
                .or(file.notify.secret)
                .unwrap_or_default();
            if secret.len() < 16 {
                bail!(
                    "notify_url is set but the notify secret is missing or shorter than 16 characters; \
                     set PARLEY_NOTIFY_SECRET so the receiver can verify notifications"
                );
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("notify_url {url:?} must start with http:// or https://");
            }
            cfg.notify = Some(parley_server::notifier::NotifyConfig { url, secret });
        }
        let c = file.csat;
        // Any of these makes the file the source of truth for surveys, and
        // Settings → CSAT read-only (see README, "CSAT").
        cfg.csat_from_file = self.csat_enabled.is_some()
            || self.csat_delay.is_some()
            || c.enabled.is_some()
            || c.delay.is_some()
            || c.resurvey_after.is_some()
            || c.comment_window.is_some()
            || c.question.is_some()
            || c.button.is_some()
            || c.labels.is_some()
            || c.follow_up.is_some()
            || c.thanks.is_some();
        let duration = |key: &str, value: Option<String>, default: i64| -> anyhow::Result<i64> {
            match value {
                Some(v) => v
                    .parse::<parley_core::sla::HumanDuration>()
                    .map(|d| d.as_ms())
                    .map_err(|e| anyhow::anyhow!("csat {key}: {e}")),
                None => Ok(default),
            }
        };
        let d = cfg.csat.clone();
        cfg.csat = parley_server::csat::CsatConfig {
            enabled: self.csat_enabled.or(c.enabled).unwrap_or(d.enabled),
            delay_ms: duration("delay", self.csat_delay.clone().or(c.delay), d.delay_ms)?,
            resurvey_after_ms: duration("resurvey_after", c.resurvey_after, d.resurvey_after_ms)?,
            comment_window_ms: duration("comment_window", c.comment_window, d.comment_window_ms)?,
            question: c.question.unwrap_or(d.question),
            button: c.button.unwrap_or(d.button),
            labels: c.labels.unwrap_or(d.labels),
            follow_up: c.follow_up.unwrap_or(d.follow_up),
            thanks: c.thanks.unwrap_or(d.thanks),
        };
        cfg.csat.validate().map_err(anyhow::Error::msg)?;
        let w = file.whatsapp;
        let pick =
            |flag: &Option<String>, file: Option<String>| flag.clone().or(file).unwrap_or_default();
        cfg.whatsapp = WhatsAppConfig {
            app_secret: pick(&self.whatsapp_app_secret, w.app_secret),
            verify_token: pick(&self.whatsapp_verify_token, w.verify_token),
            access_token: pick(&self.whatsapp_access_token, w.access_token),
            phone_number_id: pick(&self.whatsapp_phone_number_id, w.phone_number_id),
            waba_id: pick(&self.whatsapp_waba_id, w.waba_id),
            api_base: self
                .whatsapp_api_base
                .clone()
                .or(w.api_base)
                .unwrap_or(cfg.whatsapp.api_base),
            api_version: self
                .whatsapp_api_version
                .clone()
                .or(w.api_version)
                .unwrap_or(cfg.whatsapp.api_version),
        };
        if let Some(every) = self
            .template_sync_interval
            .clone()
            .or(w.template_sync_interval)
        {
            cfg.template_sync_interval = match every.trim() {
                "off" | "0" => None,
                v => Some(std::time::Duration::from_millis(
                    v.parse::<parley_core::sla::HumanDuration>()
                        .map_err(|e| anyhow::anyhow!("template_sync_interval: {e}"))?
                        .as_ms()
                        .max(60_000) as u64,
                )),
            };
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_name_file_line_and_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("parley.toml");
        std::fs::write(
            &p,
            "listen = \"0.0.0.0:9000\"\n[whatsapp]\napp_secret = \"s\"\nphone_nmber_id = \"1\"\n",
        )
        .unwrap();
        let err = load_file(&p).unwrap_err().to_string();
        assert!(err.contains("parley.toml: line 4"), "{err}");
        assert!(err.contains("phone_nmber_id"), "{err}");
    }

    #[test]
    fn flags_and_env_beat_the_file_which_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("parley.toml");
        std::fs::write(&p, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/parley\"\n[whatsapp]\napp_secret = \"from-file\"\napi_version = \"v23.0\"\n").unwrap();
        let opts = CommonOpts {
            config: Some(p),
            whatsapp_app_secret: Some("from-env".into()),
            ..Default::default()
        };
        let cfg = opts.resolve().unwrap();
        assert_eq!(cfg.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(cfg.data_dir, PathBuf::from("/srv/parley"));
        assert_eq!(cfg.whatsapp.app_secret, "from-env");
        assert_eq!(cfg.whatsapp.api_version, "v23.0");
        assert_eq!(cfg.whatsapp.api_base, "https://graph.facebook.com");
        assert!(cfg.database_url.is_none());
        // Secrets never show in Debug output.
        assert!(!format!("{:?}", cfg.whatsapp).contains("from-env"));
    }

    #[test]
    fn llm_tasks_come_from_the_flag_or_the_file_and_default_to_all() {
        use parley_server::bot::LlmTasks;
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        let p = dir.path().join("parley.toml");
        let with_file = |toml: &str| {
            std::fs::write(&p, toml).unwrap();
            CommonOpts {
                config: Some(p.clone()),
                kb: Some(kb.clone()),
                bot_llm_url: Some("http://localhost:11434/v1".into()),
                bot_llm_model: Some("llama3.1:8b".into()),
                ..Default::default()
            }
        };
        let tasks = |o: &CommonOpts| o.resolve().unwrap().bot.unwrap().llm_tasks;
        assert_eq!(tasks(&with_file("")), LlmTasks::default());
        assert_eq!(
            LlmTasks::default(),
            LlmTasks {
                intent: true,
                sentiment: true,
                answer: true
            }
        );
        let only = with_file("[bot]\nllm_tasks = [\"sentiment\", \"Answer\"]\n");
        assert_eq!(
            tasks(&only),
            LlmTasks {
                intent: false,
                sentiment: true,
                answer: true
            }
        );
        // The flag beats the file.
        let mut flag = only;
        flag.bot_llm_tasks = Some(vec!["intent".into()]);
        assert_eq!(
            tasks(&flag),
            LlmTasks {
                intent: true,
                sentiment: false,
                answer: false
            }
        );
        // A bad name, or none at all, stops the start and says which.
        for (toml, want) in [
            (
                "[bot]\nllm_tasks = [\"intent\", \"summary\"]\n",
                "\"summary\"",
            ),
            ("[bot]\nllm_tasks = []\n", "no LLM task"),
        ] {
            let err = with_file(toml).resolve().unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("llm_tasks"), "{err}");
            assert!(err.contains("intent, sentiment, answer"), "{err}");
        }
    }

    #[test]
    fn the_llm_tasks_flag_splits_on_commas() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            common: CommonOpts,
        }
        let cli = Cli::try_parse_from(["parley", "--bot-llm-tasks", "intent,sentiment"]).unwrap();
        assert_eq!(
            cli.common.bot_llm_tasks,
            Some(vec!["intent".to_string(), "sentiment".to_string()])
        );
    }

    #[test]
    fn csat_settings_come_from_the_file_and_the_delay_flag() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("parley.toml");
        std::fs::write(
            &p,
            "[csat]\ndelay = \"5m\"\nresurvey_after = \"2d\"\nthanks = \"Gracias\"\n",
        )
        .unwrap();
        let cfg = CommonOpts {
            config: Some(p.clone()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert!(cfg.csat.enabled);
        assert_eq!(cfg.csat.delay_ms, 5 * 60_000);
        assert_eq!(cfg.csat.resurvey_after_ms, 2 * 24 * 3_600_000);
        assert_eq!(cfg.csat.thanks, "Gracias");
        assert!(cfg.csat_from_file, "a [csat] section makes the file win");
        let cfg = CommonOpts {
            config: Some(p),
            csat_delay: Some("15m".into()),
            csat_enabled: Some(false),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(cfg.csat.delay_ms, 15 * 60_000);
        assert!(!cfg.csat.enabled);
        // Defaults without a file; a bad duration or a text past Meta's
        // limits stops the start.
        let defaults = CommonOpts::default().resolve().unwrap();
        assert_eq!(defaults.csat.delay_ms, 10 * 60_000);
        assert!(
            !defaults.csat_from_file,
            "without [csat] the screen decides"
        );
        let bad = CommonOpts {
            csat_delay: Some("soon".into()),
            ..Default::default()
        };
        assert!(
            bad.resolve()
                .unwrap_err()
                .to_string()
                .contains("csat delay")
        );
        let dir2 = tempfile::tempdir().unwrap();
        let p2 = dir2.path().join("parley.toml");
        std::fs::write(&p2, "[csat]\nbutton = \"Please rate your experience\"\n").unwrap();
        let err = CommonOpts {
            config: Some(p2),
            ..Default::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(err.contains("button"), "{err}");
    }
}
