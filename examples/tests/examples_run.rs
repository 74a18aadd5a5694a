//! The README's example commands, run as they are: each example binary,
//! with no `WXPAY_*` variable set, against its embedded sandbox.

use std::process::Command;

/// Runs an example binary offline; its standard output, once it succeeded.
fn run(binary: &str) -> String {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars() {
        if name.starts_with("WXPAY_") {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{binary} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_main_example_places_an_order_and_prints_the_front_end_parameters() {
    let out = run(env!("CARGO_BIN_EXE_jsapi_with_contract"));
    let prepay_id = out
        .lines()
        .find_map(|l| l.strip_prefix("prepay_id: "))
        .unwrap_or_else(|| panic!("no prepay_id in\n{out}"));
    assert!(prepay_id.starts_with("wx"), "{out}");
    let json = &out[out.find('{').unwrap()..];
    let params: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(params["package"], format!("prepay_id={prepay_id}"));
    assert_eq!(params["signType"], "RSA");
    assert!(params["paySign"].as_str().is_some_and(|s| s.len() > 300));
}

#[test]
fn the_bill_example_sums_a_day() {
    let out = run(env!("CARGO_BIN_EXE_bill"));
    assert!(out.contains("summary: 4 lines"), "{out}");
}

#[test]
fn the_notifications_example_is_answered_204() {
    let out = run(env!("CARGO_BIN_EXE_notifications"));
    assert!(out.contains("\"trade_state\": \"SUCCESS\""), "{out}");
    assert!(out.contains("answered Some(204)"), "{out}");
}
