//! The Prometheus example, run as the README says: it serves `/metrics`,
//! scrapes it over its socket and prints the `wxpay_` series, which must
//! hold what it did and no order number.

use std::process::Command;

#[test]
fn the_prometheus_example_scrapes_its_own_metrics() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prometheus"));
    for (name, _) in std::env::vars() {
        if name.starts_with("WXPAY_") {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}\n{out}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let order = out
        .lines()
        .find_map(|l| l.strip_prefix("order ")?.strip_suffix(" placed"))
        .unwrap_or_else(|| panic!("no order number in\n{out}"));
    let scrape = &out[out.find("GET /metrics:").unwrap()..];
    let query = r#"path="/v3/pay/transactions/out-trade-no/{out_trade_no}""#;
    let has = |name: &str, labels: &[&str]| {
        scrape.lines().any(|l| {
            l.starts_with(name)
                && labels.iter().all(|label| l.contains(label))
                && !l.trim_end().ends_with(" 0")
        })
    };
    assert!(
        has(
            "wxpay_requests_total{",
            &[
                r#"method="POST""#,
                r#"path="/v3/pay/transactions/jsapi""#,
                r#"status="200""#,
                r#"error="none""#
            ]
        ),
        "{scrape}"
    );
    assert!(
        has("wxpay_requests_total{", &[query, r#"status="200""#]),
        "{scrape}"
    );
    assert!(
        has(
            "wxpay_requests_total{",
            &[query, r#"status="404""#, r#"error="api""#]
        ),
        "{scrape}"
    );
    assert!(
        has("wxpay_request_duration_seconds_count{", &[query]),
        "{scrape}"
    );
    assert!(
        has(
            "wxpay_notifications_total{",
            &[
                r#"event_type="TRANSACTION.SUCCESS""#,
                r#"verdict="processed""#
            ]
        ),
        "{scrape}"
    );
    assert!(
        !scrape.contains(order),
        "the order number {order} in a label:\n{scrape}"
    );
    assert!(
        !scrape.contains("oUpF8uMuAJO"),
        "an openid in a label:\n{scrape}"
    );
}
