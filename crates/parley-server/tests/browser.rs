//! End-to-end tests in a real browser: headless Chromium (Debian's
//! `/usr/bin/chromium`) driven by Playwright (`playwright-core` from npm, in
//! `web/e2e/node_modules`). Each `web/e2e/*.e2e.mjs` file gets a fresh server
//! of its own (from the harness, wired to the fake Graph API) and runs under
//! `node --test`; the node side acts as Meta (signed webhooks) and as agents
//! (the browser). `scripts/setup-tests.sh` installs what this needs;
//! without it the test fails saying so, unless `PARLEY_SKIP_BROWSER_TESTS=1`.
//! `PARLEY_E2E=sla` runs only the files whose name contains `sla`.

mod harness;

use harness::{Harness, PASSWORD, PNID, SECRET};
use parley_core::{Clock, SystemClock};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// One file's whole run, browser start included.
const FILE_TIMEOUT: Duration = Duration::from_secs(240);
/// The files with screenshots run on a server clock that starts at a fixed instant
/// (and the page on the same clock), so the committed screenshots show the
/// same times and only change when the UI does.
const FIXED_CLOCK_FILES: &[&str] = &[
    "screens.e2e.mjs",
    "templates.e2e.mjs",
    "collab.e2e.mjs",
    "admin.e2e.mjs",
    "settings.e2e.mjs",
];
/// 2026-03-02 09:41:00 UTC.
const FIXED_START_MS: i64 = 1_772_444_460_000;
/// Files whose server starts over `harness::seed_report_history`, its clock
/// running from `harness::REPORT_NOW` (the page on the same clock).
const SEEDED_REPORT_FILES: &[&str] = &["reports.e2e.mjs", "a11y.e2e.mjs"];
/// Files whose server has a copy of `examples/kb` as its FAQ bot's knowledge base.
const BOT_FILES: &[&str] = &["settings.e2e.mjs"];

/// A copy of the example knowledge base under `dir`, for a server to edit.
fn kb_copy(dir: &Path) -> PathBuf {
    let kb = dir.join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    for e in std::fs::read_dir(repo().join("examples/kb")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, kb.join(p.file_name().unwrap())).unwrap();
    }
    kb
}

/// The wall clock shifted by a fixed amount: time runs, from a chosen start.
struct ShiftedClock(i64);

impl Clock for ShiftedClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// What is missing for the browser tests, if anything.
fn missing(e2e: &Path) -> Vec<String> {
    let mut out = Vec::new();
    // playwright-core needs Node 20 or newer.
    let major = std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
            v.trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        });
    if major.is_none_or(|m| m < 20) {
        out.push("node 20 or newer on the PATH".to_string());
    }
    if !e2e
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        out.push(format!(
            "{} (npm ci in web/e2e)",
            e2e.join("node_modules/playwright-core").display()
        ));
    }
    if !Path::new(CHROMIUM).exists() {
        out.push(format!("{CHROMIUM} (Debian's chromium package)"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_end_to_end_tests_pass() {
    if std::env::var("PARLEY_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("PARLEY_SKIP_BROWSER_TESTS=1: browser end-to-end tests skipped");
        return;
    }
    let repo = repo();
    let e2e = repo.join("web/e2e");
    let lacking = missing(&e2e);
    assert!(
        lacking.is_empty(),
        "the browser tests need {}: run scripts/setup-tests.sh \
         (or set PARLEY_SKIP_BROWSER_TESTS=1 to skip them)",
        lacking.join(", ")
    );
    let only = std::env::var("PARLEY_E2E").unwrap_or_default();
    let mut files: Vec<String> = std::fs::read_dir(&e2e)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".e2e.mjs") && n.contains(only.as_str()))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no web/e2e/*.e2e.mjs matches {only:?}");
    let screenshots = repo.join("docs/screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();

    let mut failures = Vec::new();
    for file in &files {
        let started = Instant::now();
        let seeded = SEEDED_REPORT_FILES.contains(&file.as_str());
        let fixed = seeded || FIXED_CLOCK_FILES.contains(&file.as_str());
        let start = if seeded {
            harness::REPORT_NOW
        } else {
            FIXED_START_MS
        };
        let offset = start - SystemClock.now_ms();
        let clock: Option<Arc<dyn Clock>> = fixed.then(|| {
            let c: Arc<dyn Clock> = Arc::new(ShiftedClock(offset));
            c
        });
        let dir = tempfile::tempdir().unwrap();
        if seeded {
            harness::seed_report_history(dir.path()).await;
        }
        let kb = BOT_FILES
            .contains(&file.as_str())
            .then(|| kb_copy(dir.path()));
        let mut h = Harness::start_in(
            dir,
            |cfg| {
                cfg.bot = kb.map(|kb_dir| parley_server::bot::BotConfig {
                    kb_dir,
                    public_url: None,
                    embedding_model: None,
                    llm: None,
                    llm_tasks: Default::default(),
                })
            },
            clock,
        )
        .await;
        let mut cmd = tokio::process::Command::new("node");
        cmd.arg("--test")
            .arg("--test-reporter=tap")
            .arg(file)
            .current_dir(&e2e)
            .env("PARLEY_BASE", &h.base)
            .env("PARLEY_APP_SECRET", SECRET)
            .env("PARLEY_PNID", PNID)
            .env("PARLEY_ADMIN_EMAIL", "admin@e2e.test")
            .env("PARLEY_AGENT_EMAIL", "agent@e2e.test")
            .env("PARLEY_PASSWORD", PASSWORD)
            .env("PARLEY_SCREENSHOTS", &screenshots)
            .env("PARLEY_CHROMIUM", CHROMIUM)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if fixed {
            cmd.env("PARLEY_CLOCK_OFFSET_MS", offset.to_string());
        }
        let child = cmd.spawn().expect("start node");
        let out = tokio::time::timeout(FILE_TIMEOUT, child.wait_with_output()).await;
        h.stop().await;
        let out = match out {
            Ok(o) => o.expect("node ran"),
            Err(_) => {
                failures.push(format!("{file}: timed out after {FILE_TIMEOUT:?}"));
                continue;
            }
        };
        let report = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!(
            "{file}: {} in {:.1}s",
            if out.status.success() { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if !out.status.success() {
            failures.push(format!("{file} failed:\n{report}\n{stderr}"));
        } else if !report.contains("# pass ") || report.contains("# pass 0") {
            failures.push(format!("{file}: no test ran:\n{report}\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
