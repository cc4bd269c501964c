//! The binary's fixed command names, as deployment scripts use them.

use std::io::Write;
use std::process::{Command, Stdio};

fn parley() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parley"))
}

#[test]
fn agent_add_with_password_stdin_creates_a_usable_agent() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = parley()
        .args([
            "agent",
            "add",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops Admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .env("PARLEY_DATA_DIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created admin agent Ops Admin <ops@example.com>"),
        "{stdout}"
    );
    assert!(dir.path().join("parley.db").exists());

    // The same email again is refused with a clear message.
    let mut child = parley()
        .args([
            "agent",
            "add",
            "--email",
            "ops@example.com",
            "--name",
            "Dup",
            "--role",
            "agent",
            "--password-stdin",
        ])
        .env("PARLEY_DATA_DIR", dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another long password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[test]
fn bad_role_and_short_password_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = parley()
        .args([
            "agent",
            "add",
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--role",
            "root",
            "--password-stdin",
        ])
        .env("PARLEY_DATA_DIR", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role \"root\""));
    let mut child = parley()
        .args([
            "agent",
            "add",
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--password-stdin",
        ])
        .env("PARLEY_DATA_DIR", dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
}

#[test]
fn serve_refuses_to_start_without_an_app_secret_or_with_a_bad_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = parley()
        .args(["serve"])
        .env("PARLEY_DATA_DIR", dir.path())
        .env_remove("PARLEY_WHATSAPP_APP_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARLEY_WHATSAPP_APP_SECRET"));
    let cfg = dir.path().join("parley.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:0\"\nbogus_key = 1\n").unwrap();
    let out = parley()
        .args(["--config", cfg.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("parley.toml: line 2") && err.contains("bogus_key"),
        "{err}"
    );
}

#[test]
fn desk_check_accepts_the_example_and_points_at_mistakes() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/desk.toml");
    let out = parley().args(["desk", "check", example]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("5 teams"), "{stdout}");
    assert!(stdout.contains("4 routing rules"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("desk.toml");
    std::fs::write(
        &bad,
        "[[teams]]\nname = \"L1\"\nescalates_to = \"L2\"\n\n[sla.targets.high]\nfirst_response = \"15m\"\n",
    )
    .unwrap();
    let out = parley()
        .args(["desk", "check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("desk.toml: line 1"), "{stderr}");
    assert!(stderr.contains("unknown team \"L2\""), "{stderr}");

    std::fs::write(
        &bad,
        "[sla.targets.high]\nfirst_response = \"15 minutes\"\n",
    )
    .unwrap();
    let out = parley()
        .args(["desk", "check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("desk.toml: line 2"), "{stderr}");
}
