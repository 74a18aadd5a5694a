//! Criterion benchmarks of receiving a payment notification, against its
//! floor: one RSA-2048 verification of the body plus AES-256-GCM
//! decryption of its resource, which no receiver can avoid.
//!
//! - `notify/floor_rsa_verify_plus_aes_gcm`: those two operations alone,
//!   with OpenSSL, over the same bytes.
//! - `notify/parse_notification`: `Client::parse_notification` (headers,
//!   skew, key lookup, verification, envelope, decryption, typed event),
//!   polled once as a handler's `.await` would, outside `block_on`.
//! - `notify/axum_extractor` (feature `axum`): the `VerifiedNotification`
//!   extractor over an `axum` request (body read, then the above).
//! - `notify/axum_over_loopback` (feature `axum`): a POST over a loopback
//!   socket to an axum route that extracts the notification and answers
//!   204, sent with hyper's client; the whole exchange as a receiver sees it.
//!
//! `cargo bench -p wxpay-core --bench notify [--features axum]`
//!
//! Criterion times each benchmark in its own window, seconds apart, and
//! this kind of machine changes speed between windows by more than the
//! difference between the floor and `parse_notification`: compare them
//! with `bench --notifications` (the examples' bench binary), which times
//! them in paired rounds, or in instructions (callgrind).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use wxpay_core::crypto::{ApiV3Key, base64_decode};
use wxpay_core::notify::Event;
use wxpay_core::protocol::response_message;
use wxpay_core::testing::{APIV3_KEY, Answer, StubPlatform};

/// A payment's resource as the platform sends it (the test vectors' one).
fn transaction() -> Value {
    serde_json::json!({
        "mchid": "1900000109", "appid": "wxd678efh567hg6787",
        "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "4200000000202611270000000001",
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "bank_type": "OTHERS", "attach": "", "success_time": "2026-11-27T14:00:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}
    })
}

/// The output of a future that completes on its first poll, as
/// `parse_notification` does once the platform key is known: a handler
/// awaits it inside its own runtime, so entering one (`block_on`) is the
/// bench's cost, not the receiver's.
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let std::task::Poll::Ready(output) = std::pin::pin!(future).poll(&mut context) else {
        unreachable!("the future waited: the bench measures no download")
    };
    output
}

fn header<'a>(request: &'a http::Request<bytes::Bytes>, name: &str) -> &'a str {
    request.headers()[name].to_str().unwrap()
}

fn benches(c: &mut Criterion) {
    let platform = StubPlatform::new(|_| Answer::no_content()).unwrap();
    let client = platform.client().unwrap();
    let request = platform
        .notification(
            "https://www.example.com/wxpay/notify",
            "TRANSACTION.SUCCESS",
            &transaction(),
        )
        .unwrap();
    let body = request.body().clone();

    // The floor: the two operations over the same bytes.
    let public = platform.platform_public_key().clone();
    let message = response_message(
        header(&request, "wechatpay-timestamp"),
        header(&request, "wechatpay-nonce"),
        &body,
    );
    let signature = base64_decode(header(&request, "wechatpay-signature")).unwrap();
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    let resource = &envelope["resource"];
    let ciphertext = resource["ciphertext"].as_str().unwrap().to_owned();
    let nonce = resource["nonce"].as_str().unwrap().to_owned();
    let aad = resource["associated_data"].as_str().unwrap().to_owned();
    let key = ApiV3Key::new(APIV3_KEY).unwrap();
    c.bench_function("notify/floor_rsa_verify_plus_aes_gcm", |b| {
        b.iter(|| {
            assert!(public.verify(black_box(&message), &signature));
            // `decrypt` takes the resource's base64 text, as it arrives.
            key.decrypt(nonce.as_bytes(), aad.as_bytes(), black_box(&ciphertext))
                .unwrap()
        })
    });

    c.bench_function("notify/parse_notification", |b| {
        b.iter(|| {
            let n = ready(client.parse_notification(request.headers(), black_box(&body))).unwrap();
            assert!(matches!(n.event, Event::TransactionSuccess(_)));
            n
        })
    });

    #[cfg(feature = "axum")]
    axum_benches(c, &client, &request);
}

#[cfg(feature = "axum")]
fn axum_benches(
    c: &mut Criterion,
    client: &wxpay_core::Client,
    request: &http::Request<bytes::Bytes>,
) {
    use axum::extract::FromRequest;
    use http_body_util::{BodyExt, Full};
    use wxpay_core::notify::axum::VerifiedNotification;

    let runtime = &tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let axum_request = || {
        let mut r = http::Request::new(axum::body::Body::from(request.body().clone()));
        *r.method_mut() = http::Method::POST;
        *r.uri_mut() = request.uri().clone();
        *r.headers_mut() = request.headers().clone();
        r
    };
    c.bench_function("notify/axum_extractor", |b| {
        b.iter(|| {
            runtime
                .block_on(VerifiedNotification::from_request(axum_request(), client))
                .unwrap()
        })
    });

    // The same route over a loopback socket.
    let app = axum::Router::new()
        .route(
            "/wxpay/notify",
            axum::routing::post(|VerifiedNotification(n): VerifiedNotification| async move {
                black_box(n);
                http::StatusCode::NO_CONTENT
            }),
        )
        .with_state(client.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    // hyper's HTTP/1 server in front of the router, one task per connection.
    runtime.spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            let app = app.clone();
            let service =
                hyper::service::service_fn(move |r: http::Request<hyper::body::Incoming>| {
                    tower_service::Service::call(&mut app.clone(), r.map(axum::body::Body::new))
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    let sender = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let uri: http::Uri = format!("http://{address}/wxpay/notify").parse().unwrap();
    c.bench_function("notify/axum_over_loopback", |b| {
        b.iter(|| {
            let mut r = http::Request::new(Full::new(request.body().clone()));
            *r.method_mut() = http::Method::POST;
            *r.uri_mut() = uri.clone();
            *r.headers_mut() = request.headers().clone();
            runtime.block_on(async {
                let answer = sender.request(r).await.unwrap();
                assert_eq!(answer.status(), http::StatusCode::NO_CONTENT);
                answer.into_body().collect().await.unwrap()
            })
        })
    });
}

criterion_group! {
    name = notify;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(notify);
