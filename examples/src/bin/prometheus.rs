//! Metrics for Prometheus: wxpay's `metrics` feature records into the
//! `metrics` facade, and `metrics-exporter-prometheus` renders what was
//! recorded at `/metrics`, served here next to the `notify_url` route.
//!
//! ```text
//! cargo run -p wxpay-examples --bin prometheus            # runs, scrapes itself, prints
//! cargo run -p wxpay-examples --bin prometheus -- --serve # then keeps serving /metrics
//! ```
//!
//! Offline, against the embedded sandbox: an order is placed, paid (the
//! notification goes through `Notifications`), queried, and an unknown
//! order is asked for (a 404); then the example GETs its own `/metrics`
//! over the socket and prints the `wxpay_` series. Their labels name
//! endpoints by path template, never an order number.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusBuilder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use wxpay::notify::{Event, MemoryDeduplicator, Notification, Notifications};
use wxpay::prelude::*;
use wxpay::v3::pay::transactions::jsapi::{Amount, Payer};
use wxpay::v3::pay::transactions::{Jsapi, OutTradeNo};
use wxpay_examples::config::{BoxError, order_number};
use wxpay_examples::receiver::NOTIFY_PATH;
use wxpay_sandbox::Sandbox;

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // The recorder first: whatever wxpay records from now on is kept.
    let prometheus = PrometheusBuilder::new().install_recorder()?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::builder()
        .notify_target(format!("http://{addr}"))
        .start()
        .await?;
    let client = sandbox.client()?;

    // One server: the notify_url route and /metrics.
    let (paid, mut inbox) = mpsc::unbounded_channel::<Notification>();
    let notifications =
        Notifications::new(client.clone()).deduplicate(MemoryDeduplicator::default());
    let app = Router::new()
        .route(
            NOTIFY_PATH,
            wxpay::notify::axum::post(notifications, move |n: Notification| {
                let paid = paid.clone();
                async move { paid.send(n).map_err(|_| "the example stopped") }
            }),
        )
        .route("/metrics", get(move || async move { prometheus.render() }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("serving http://{addr}/metrics");

    let mchid = client.mchid().to_owned();
    let out_trade_no = order_number("WXPAYPROM");
    let order = client
        .post_pay_transactions_jsapi(Jsapi {
            appid: APPID.into(),
            mchid: mchid.clone(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: out_trade_no.clone(),
            notify_url: format!("https://www.example.com{NOTIFY_PATH}"),
            amount: Amount {
                total: 100,
                currency: Some("CNY".into()),
            },
            payer: Payer {
                openid: OPENID.into(),
                ..Default::default()
            },
            ..Default::default()
        })
        .await?;
    println!("order {out_trade_no} placed");
    sandbox.request_payment(&client.jsapi_pay_params(APPID, &order.prepay_id)?)?;
    let notification = tokio::time::timeout(Duration::from_secs(10), inbox.recv())
        .await?
        .ok_or("the receiver stopped")?;
    if !matches!(notification.event, Event::TransactionSuccess(_)) {
        return Err(format!("expected a payment, got {:?}", notification.event).into());
    }
    println!("paid, notified as {}", notification.id());
    let order = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no: out_trade_no.clone(),
            mchid: mchid.clone(),
        })
        .await?;
    println!("the order reads {:?}", order.trade_state);
    let missing = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no: format!("{out_trade_no}-MISSING"),
            mchid,
        })
        .await
        .err()
        .ok_or("an unknown order was found")?;
    println!("an unknown order: {}", missing.code().unwrap_or("?"));

    let scrape = scrape(&format!("{addr}")).await?;
    println!("GET /metrics:");
    for line in scrape.lines().filter(|l| l.starts_with("wxpay_")) {
        println!("{line}");
    }

    if std::env::args().any(|a| a == "--serve") {
        println!("serving until Ctrl-C");
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}

/// `GET /metrics` on `addr` over HTTP/1.1, the way Prometheus scrapes:
/// the body.
async fn scrape(addr: &str) -> Result<String, BoxError> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or("no HTTP answer from /metrics")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("/metrics answered {head}").into());
    }
    Ok(body.to_owned())
}
