//! The real server as a child process, for the benchmarks that measure it
//! from outside: started on a seeded data dir, waited for, signed in to,
//! stopped.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::process::{Child, Command};

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The benchmark's data dir: `keep` (created if missing; must be empty),
/// or a temporary one, deleted when the returned guard drops.
pub(crate) fn data_dir(
    keep: Option<&Path>,
) -> anyhow::Result<(std::path::PathBuf, Option<tempfile::TempDir>)> {
    match keep {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            anyhow::ensure!(
                std::fs::read_dir(d)?.next().is_none(),
                "{} is not empty",
                d.display()
            );
            Ok((d.to_path_buf(), None))
        }
        None => {
            let tmp = tempfile::tempdir()?;
            Ok((tmp.path().to_path_buf(), Some(tmp)))
        }
    }
}

pub(crate) struct Server {
    pub child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub spawned_at: i64,
    pub ready_at: i64,
}

/// Starts `parley serve` on the data dir (log in `<dir>/<log>`) with no
/// PARLEY_* settings from the environment and Meta out of reach, and waits
/// until `/healthz` answers.
pub(crate) async fn spawn(
    dir: &Path,
    log: &str,
    client: &reqwest::Client,
) -> anyhow::Result<Server> {
    spawn_on(dir, None, log, client).await
}

/// [`spawn`], on `database_url` (PostgreSQL) instead of the data dir's SQLite.
pub(crate) async fn spawn_on(
    dir: &Path,
    database_url: Option<&str>,
    log: &str,
    client: &reqwest::Client,
) -> anyhow::Result<Server> {
    let port = free_port()?;
    let log_path = dir.join(log);
    let log = std::fs::File::create(&log_path)?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"));
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    for (k, _) in std::env::vars() {
        if k.starts_with("PARLEY_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("PARLEY_WHATSAPP_APP_SECRET", "bench-secret")
        .env("PARLEY_WHATSAPP_API_BASE", "http://127.0.0.1:9")
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    let spawned_at = now_ms();
    let child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    let base = format!("http://127.0.0.1:{port}");
    let waited = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        anyhow::ensure!(
            waited.elapsed() < Duration::from_secs(300),
            "the server did not answer within 300 s; see {}",
            log_path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(Server {
        child,
        pid,
        base,
        spawned_at,
        ready_at: now_ms(),
    })
}

/// Signs in and returns the bearer token.
pub(crate) async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(login["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no token in the login answer: {login}"))?
        .to_string())
}

/// SIGTERM, then up to 30 s for a graceful stop, then SIGKILL.
pub(crate) async fn stop(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .is_ok()
        {
            return;
        }
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}
