//! The README's example commands, run as they are: each example binary,
//! with no `WXPAY_*` variable set, against its embedded sandbox.

use std::process::Command;

/// Runs an example binary offline; its standard output, once it succeeded.
fn run(binary: &str) -> String {
    run_with(binary, &[])
}

/// [`run`] with arguments.
fn run_with(binary: &str, args: &[&str]) -> String {
    let mut command = Command::new(binary);
    command.args(args);
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

#[test]
fn the_bench_times_notifications_against_their_floor() {
    let out = run_with(
        env!("CARGO_BIN_EXE_bench"),
        &["--notifications", "--rounds", "4"],
    );
    assert!(
        out.starts_with("4 rounds; per call, medians: floor"),
        "{out}"
    );
    for row in [
        "(floor + typed resource) / floor",
        "parse_notification / floor",
        "axum extractor / floor",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no {row} row in\n{out}"));
        // p10, median, p90: ratios, in order.
        let ratios: Vec<f64> = line
            .split('|')
            .filter_map(|cell| cell.trim().trim_matches('*').strip_suffix('×'))
            .map(|r| r.parse().unwrap())
            .collect();
        assert_eq!(ratios.len(), 3, "{line}");
        assert!(
            ratios[0] > 0.0 && ratios[0] <= ratios[1] && ratios[1] <= ratios[2],
            "{line}"
        );
    }
}

/// The modules of a QR code drawn with `█`, `▀`, `▄` and spaces (two rows
/// per line), as a bitmap.
fn modules(drawing: &[&str]) -> Vec<Vec<bool>> {
    let mut rows = Vec::new();
    for line in drawing {
        let (top, bottom): (Vec<bool>, Vec<bool>) = line
            .chars()
            .map(|c| match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                _ => (false, false),
            })
            .unzip();
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

/// Reads a drawn QR code back, scaling each module to 4×4 pixels.
fn scan(drawing: &[&str]) -> String {
    let bits = modules(drawing);
    let (h, w) = (bits.len() * 4, bits[0].len() * 4);
    let mut image = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
        bits.get(y / 4)
            .and_then(|row| row.get(x / 4))
            .copied()
            .unwrap_or(false)
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code expected");
    grids[0].decode().unwrap().1
}

#[test]
fn the_native_example_draws_a_code_that_scans_to_its_code_url() {
    let out = run(env!("CARGO_BIN_EXE_native"));
    let code_url = out
        .lines()
        .find_map(|l| l.strip_prefix("code_url: "))
        .unwrap_or_else(|| panic!("no code_url in\n{out}"));
    assert!(
        code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{out}"
    );
    let drawing: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.ends_with("scan to pay:"))
        .skip(1)
        .take_while(|l| !l.starts_with("code_url: "))
        .collect();
    assert!(drawing.len() > 10, "no QR code drawn in\n{out}");
    assert_eq!(scan(&drawing), code_url);
    assert!(out.contains("\"trade_type\": \"NATIVE\""), "{out}");
    assert!(out.contains("\"trade_state\": \"SUCCESS\""), "{out}");
}

#[test]
fn the_jsapi_example_pays_with_the_signed_parameters_and_refunds_part() {
    let out = run(env!("CARGO_BIN_EXE_jsapi"));
    assert!(out.contains("\"signType\": \"RSA\""), "{out}");
    assert!(out.contains("paid: Success, 100 fen"), "{out}");
    assert!(out.contains("refunded: 30 fen of 100 (Success)"), "{out}");
    assert!(out.contains("the order now reads Refund"), "{out}");
}
