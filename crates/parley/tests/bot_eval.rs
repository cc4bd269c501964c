//! `parley bot eval` on a tiny generated CLINC150-format data set.

use std::process::Command;

fn parley() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parley"))
}

/// Three intents, eight phrasings each (4 train, 2 val, 2 test), plus out-of-scope
/// questions in val and test.
fn tiny_data_set() -> String {
    let intents: [(&str, [&str; 8]); 3] = [
        (
            "order_status",
            [
                "where is my order",
                "track my order",
                "has my order shipped",
                "when will my order arrive",
                "where's my parcel",
                "status of my order",
                "my order has not arrived",
                "track the order I placed",
            ],
        ),
        (
            "refund",
            [
                "I want a refund",
                "give me my money back",
                "refund my purchase",
                "how do I get a refund",
                "can I have a refund",
                "refund please",
                "money back for this item",
                "I need a refund for my order",
            ],
        ),
        (
            "opening_hours",
            [
                "when do you open",
                "what are your opening hours",
                "are you open on sunday",
                "what time do you close",
                "opening hours today",
                "are you open now",
                "when do you close tonight",
                "hours on saturday",
            ],
        ),
    ];
    let split = |from: usize, to: usize| -> Vec<String> {
        intents
            .iter()
            .flat_map(|(i, t)| (from..to).map(move |k| format!("[{:?}, {:?}]", t[k], i)))
            .collect()
    };
    format!(
        r#"{{"train": [{}], "val": [{}], "test": [{}],
            "oos_val": [["who won the world cup", "oos"], ["tell me a joke", "oos"]],
            "oos_test": [["what is the capital of peru", "oos"], ["play some jazz", "oos"]]}}"#,
        split(0, 4).join(","),
        split(4, 6).join(","),
        split(6, 8).join(",")
    )
}

#[test]
fn bot_eval_reports_accuracy_handoff_latency_and_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data_full.json");
    std::fs::write(&data, tiny_data_set()).unwrap();
    let out = parley()
        .args([
            "bot",
            "eval",
            "--data",
            data.to_str().unwrap(),
            "--shots",
            "3",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "Knowledge base: 9 examples of 3 intents",
        "Back end: builtin",
        "Thresholds tuned on val",
        "in-scope top-1 accuracy",
        "clarify offering the right one",
        "out-of-scope recall (handed off)",
        "calibration error (ECE, 15 bins)",
        "latency per message",
        "| threshold | in-scope answered right |",
        "| 0.50 |",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // The folder works too, and given thresholds are used as they are.
    let out = parley()
        .args(["bot", "eval", "--data", dir.path().to_str().unwrap()])
        .args([
            "--answer",
            "0.9",
            "--clarify",
            "0.2",
            "--backend",
            "builtin",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Thresholds given: answer >= 0.90, clarify >= 0.20"),
        "{stdout}"
    );
}

#[test]
fn bot_eval_names_a_missing_or_broken_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let out = parley()
        .args(["bot", "eval", "--data", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope.json"), "{stderr}");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"train\": 3}").unwrap();
    let out = parley()
        .args(["bot", "eval", "--data", broken.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("not an array"),
        "{stderr}"
    );
}
