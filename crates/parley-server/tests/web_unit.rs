//! The web inbox's unit tests (`web/tests/*.test.mjs`, Node's built-in
//! runner), run as part of `cargo test` so the README's one test command
//! covers them. Node is required; `PARLEY_SKIP_WEB_TESTS=1` skips them on a
//! machine without it, and says so.

use std::path::Path;
use std::process::Command;

#[test]
fn web_unit_tests_pass() {
    if std::env::var("PARLEY_SKIP_WEB_TESTS").as_deref() == Ok("1") {
        eprintln!("PARLEY_SKIP_WEB_TESTS=1: web unit tests skipped");
        return;
    }
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let out = Command::new("node")
        .arg("--test")
        .arg("tests/")
        .current_dir(&web)
        .output()
        .expect("node is needed for the web unit tests (or set PARLEY_SKIP_WEB_TESTS=1)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "web unit tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("# pass ") && !report.contains("# pass 0"),
        "no web test ran:\n{report}"
    );
}
