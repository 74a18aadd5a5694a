//! The `metrics` feature through a recording recorder: the series a
//! service gets from calls (with a retry and a failover), an untyped call,
//! a certificate refresh and notifications, with the expected labels, and
//! no label value carrying the order number, openid or transaction id used.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The endpoints below are a test's, public only because `#[endpoint]`'s
// client trait is.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::Method;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wxpay_core::endpoint;
use wxpay_core::notify::{MemoryDeduplicator, Notifications, Outcome};
use wxpay_core::testing::{Answer, MCHID, Request, StubPlatform};

const ORDER: &str = "ORDER-SECRET-20261203";
const OPENID: &str = "oSECRET-OPENID-0001";
const TRANSACTION_ID: &str = "4200000000SECRET0001";

#[endpoint(GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}", response = Order)]
pub struct QueryOrder {
    pub out_trade_no: String,
    pub mchid: String,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub out_trade_no: String,
}

#[endpoint(POST, "/v3/pay/transactions/jsapi", response = Prepay)]
pub struct Jsapi {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    pub payer: Payer,
}

#[derive(Debug, Serialize)]
pub struct Payer {
    pub openid: String,
}

#[derive(Debug, Deserialize)]
pub struct Prepay {
    pub prepay_id: String,
}

/// The first order query meets a 503 (retried on the backup host); the
/// order is refused; certificates are not there (a public-key merchant).
fn platform() -> StubPlatform {
    let queries = AtomicUsize::new(0);
    StubPlatform::new(move |request: &Request| {
        let path = request.uri().path();
        if path.starts_with("/v3/pay/transactions/out-trade-no/") {
            if queries.fetch_add(1, Ordering::SeqCst) == 0 {
                return Answer::error(503, "SYSTEM_ERROR", "busy");
            }
            return Answer::ok(json!({ "out_trade_no": ORDER }));
        }
        if path == "/v3/pay/transactions/jsapi" {
            return Answer::error(400, "PARAM_ERROR", "openid does not match appid");
        }
        if path == "/v3/certificates" {
            return Answer::error(404, "RESOURCE_NOT_EXISTS", "no certificate");
        }
        Answer::ok(json!({ "transaction_id": TRANSACTION_ID }))
    })
    .unwrap()
}

/// `name{label=value,…}` → value, for counters; histograms by their count.
fn series(snapshot: Vec<(metrics_util::CompositeKey, DebugValue)>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (key, value) in snapshot {
        let (kind, key) = key.into_parts();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let value = match (kind, value) {
            (MetricKind::Counter, DebugValue::Counter(n)) => n,
            (MetricKind::Histogram, DebugValue::Histogram(v)) => v.len() as u64,
            (kind, value) => panic!("{name}: unexpected {kind:?} {value:?}"),
        };
        out.insert(name, value);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_appear_with_their_labels_and_no_personal_data() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();

    let platform = platform();
    let client = platform
        .client_builder()
        .failover(true)
        .download_platform_certificates(true)
        .build()
        .unwrap();

    let order = client
        .get_pay_transactions_out_trade_no(QueryOrder {
            out_trade_no: ORDER.into(),
            mchid: MCHID.into(),
        })
        .await
        .unwrap();
    assert_eq!(order.out_trade_no, ORDER);
    let refused = client
        .post_pay_transactions_jsapi(Jsapi {
            appid: "wxd678efh567hg6787".into(),
            mchid: MCHID.into(),
            out_trade_no: ORDER.into(),
            payer: Payer {
                openid: OPENID.into(),
            },
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("PARAM_ERROR"));
    client
        .request_json(
            Method::GET,
            &format!("/v3/pay/transactions/id/{TRANSACTION_ID}"),
            &[("mchid", MCHID)],
            None,
        )
        .await
        .unwrap();
    let report = client.refresh_platform_certificates().await.unwrap();
    assert!(report.no_certificates);

    // Notifications: one processed, its redelivery a duplicate, one forged.
    let resource = json!({
        "appid": "wxd678efh567hg6787",
        "mchid": MCHID,
        "out_trade_no": ORDER,
        "transaction_id": TRANSACTION_ID,
        "trade_state": "SUCCESS",
        "payer": { "openid": OPENID },
        "amount": { "total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY" },
    });
    let request = platform
        .notification(
            "https://merchant.example.com/notify",
            "TRANSACTION.SUCCESS",
            &resource,
        )
        .unwrap();
    let notifications =
        Notifications::new(client.clone()).deduplicate(MemoryDeduplicator::default());
    for expected in ["processed", "duplicate"] {
        let outcome = notifications
            .handle(request.headers(), request.body(), |_| async {
                Ok::<(), std::io::Error>(())
            })
            .await;
        match (expected, &outcome) {
            ("processed", Outcome::Processed { .. }) | ("duplicate", Outcome::Duplicate { .. }) => {
            }
            _ => panic!("{expected}: {outcome:?}"),
        }
    }
    let mut forged = request.body().to_vec();
    forged.push(b' ');
    let outcome = notifications
        .handle(request.headers(), &forged, |_| async {
            Ok::<(), std::io::Error>(())
        })
        .await;
    assert!(matches!(outcome, Outcome::Rejected(_)), "{outcome:?}");

    let snapshot: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key, value))
        .collect();
    let series = series(snapshot);
    let text = format!("{series:#?}");
    for secret in [ORDER, OPENID, TRANSACTION_ID, "SECRET"] {
        assert!(!text.contains(secret), "{secret} in a label: {text}");
    }
    let query = "/v3/pay/transactions/out-trade-no/{out_trade_no}";
    let expected = [
        (
            format!("wxpay_requests_total{{error=none,method=GET,path={query},status=200}}"),
            1,
        ),
        (
            format!("wxpay_request_duration_seconds{{method=GET,outcome=ok,path={query}}}"),
            1,
        ),
        (
            format!("wxpay_request_retries_total{{error=api,path={query}}}"),
            1,
        ),
        (format!("wxpay_request_failovers_total{{path={query}}}"), 1),
        (
            "wxpay_requests_total{error=api,method=POST,path=/v3/pay/transactions/jsapi,status=400}"
                .to_owned(),
            1,
        ),
        (
            "wxpay_request_duration_seconds{method=POST,outcome=error,path=/v3/pay/transactions/jsapi}"
                .to_owned(),
            1,
        ),
        (
            "wxpay_requests_total{error=none,method=GET,path=/v3/pay/transactions/id/{},status=200}"
                .to_owned(),
            1,
        ),
        (
            "wxpay_certificate_refreshes_total{outcome=no_certificates,source=platform,trigger=bootstrap}"
                .to_owned(),
            1,
        ),
        (
            "wxpay_notifications_total{event_type=TRANSACTION.SUCCESS,verdict=processed}".to_owned(),
            1,
        ),
        (
            "wxpay_notifications_total{event_type=TRANSACTION.SUCCESS,verdict=duplicate}".to_owned(),
            1,
        ),
        (
            "wxpay_notifications_total{event_type=unverified,verdict=rejected}".to_owned(),
            1,
        ),
    ];
    for (name, value) in expected {
        assert_eq!(series.get(&name), Some(&value), "{name} in {text}");
    }
}
