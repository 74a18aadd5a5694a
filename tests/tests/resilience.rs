//! Under faults: timeouts, retries, failover, every fault of the sandbox
//! mapped to a typed error, over plain HTTP and over TLS.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde::Deserialize;
use wxpay::prelude::*;
use wxpay_core::error::TransportErrorKind;
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_core::{CallOptions, RetryPolicy, endpoint};
use wxpay_sandbox::{Fault, FaultRule, Reply, Sandbox};

use common::{order, trade_no};

/// What the echo route answers.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct Echo {
    pub id: String,
    pub mchid: String,
}

/// A read the sandbox does not implement: added per test with [`echo_route`].
#[endpoint(GET, "/v3/test/echo/{id}", response = Echo)]
pub struct GetEcho {
    pub id: String,
    pub mchid: String,
}

const ECHO: &str = "GET /v3/test/echo/{id}";
const ORDER: &str = "POST /v3/pay/transactions/jsapi-with-contract";

fn echo_route(sandbox: &Sandbox) {
    sandbox.route(Method::GET, "/v3/test/echo/{id}", |req| async move {
        match req.param("id") {
            Some("missing") => Reply::not_found("ORDER_NOT_EXIST", "no such order"),
            id => Reply::ok(&serde_json::json!({
                "id": id,
                "mchid": req.query("mchid"),
                "extra": "ignored",
            })),
        }
    });
}

fn echo(client: &Client, id: &str) -> GetEcho {
    GetEcho {
        id: id.into(),
        mchid: client.mchid().into(),
    }
}

fn status(status: u16, code: &str) -> Fault {
    Fault::Status {
        status,
        code: code.into(),
        signed: false,
    }
}

/// Quick retries, so tests do not wait on the default backoff.
fn quick() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
}

async fn sandbox_with_echo() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.unwrap();
    echo_route(&sandbox);
    let client = sandbox
        .client_builder()
        .unwrap()
        .retry_policy(quick())
        .build()
        .unwrap();
    (sandbox, client)
}

#[tokio::test]
async fn a_hung_server_never_hangs_the_caller() {
    let (sandbox, _) = sandbox_with_echo().await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(Duration::from_millis(300))
        .retry_policy(quick().deadline(Duration::from_secs(2)))
        .build()
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::Hang));
    let started = Instant::now();
    let e = client.call(echo(&client, "1")).await.unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sandbox.hits(ECHO), 3, "a GET timing out is retried");
    sandbox.clear_faults();

    // A bare socket that accepts and never reads or answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let to_silent = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    // The per-call timeout overrides the client's 60 s.
    let e = to_silent
        .call_with(
            order(client.mchid(), &trade_no("hung")),
            CallOptions::new().timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout(d) if d == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    accepting.abort();
}

#[tokio::test]
async fn the_connect_timeout_bounds_a_connection_that_never_opens() {
    // A listener with a full backlog that never accepts: further SYNs are
    // dropped, so connecting hangs (Linux).
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..16 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => {
                full = true;
                break;
            }
        }
    }
    assert!(full, "the backlog never filled");

    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .call(order(client.mchid(), &trade_no("syn")))
        .await
        .unwrap_err();
    let Error::Transport(t) = &e else {
        panic!("expected a connect error, got {e:?}")
    };
    assert!(t.is_connect(), "{t}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn reads_are_retried_with_a_fresh_nonce_and_timestamp_each_time() {
    let (sandbox, client) = sandbox_with_echo().await;
    sandbox.inject(FaultRule::new(status(503, "SYSTEM_ERROR")).times(1));
    sandbox.inject(FaultRule::new(Fault::Reset).times(1));
    let answer = client.call(echo(&client, "r1")).await.unwrap();
    assert_eq!(
        answer,
        Echo {
            id: "r1".into(),
            mchid: client.mchid().into()
        }
    );
    assert_eq!(sandbox.hits(ECHO), 3);
    assert_eq!(sandbox.faults_applied("status"), 1);
    assert_eq!(sandbox.faults_applied("reset"), 1);
    let seen: Vec<_> = sandbox
        .recent_requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v3/test/echo/r1"))
        .collect();
    assert_eq!(seen.len(), 3);
    let nonces: HashSet<_> = seen.iter().map(|r| r.nonce.as_str()).collect();
    assert_eq!(nonces.len(), 3, "every attempt has its own nonce: {seen:?}");
    // Each attempt is signed when it is sent (the sandbox checked each
    // signature and timestamp; here, the timestamps are current).
    let now = wxpay_sandbox::time::now_unix();
    assert!(seen.iter().all(|r| (now - r.timestamp).abs() <= 5));

    // 429 is retried too; a business error is not.
    sandbox.inject(FaultRule::new(status(429, "FREQUENCY_LIMITED")).times(2));
    client.call(echo(&client, "r2")).await.unwrap();
    assert_eq!(sandbox.hits(ECHO), 6);
    let e = client.call(echo(&client, "missing")).await.unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"));
    assert_eq!(sandbox.hits(ECHO), 7, "a 4xx business error is not retried");

    // Out of attempts: the last error comes back.
    sandbox.inject(FaultRule::new(status(500, "BANK_ERROR")).times(3));
    let e = client.call(echo(&client, "r3")).await.unwrap_err();
    assert_eq!(e.code(), Some("BANK_ERROR"));
    assert!(e.request_id().is_some());
    assert_eq!(sandbox.hits(ECHO), 10);
}

#[tokio::test]
async fn posts_are_retried_only_when_the_call_opts_in() {
    let (sandbox, client) = sandbox_with_echo().await;
    let no = trade_no("post");
    sandbox.inject(FaultRule::new(status(503, "SYSTEM_ERROR")).times(1));
    let e = client.call(order(client.mchid(), &no)).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.hits(ORDER), 1, "a POST is not retried by default");

    // The answer is lost after the order was placed; the retry finds it.
    sandbox.inject(FaultRule::new(Fault::CloseBeforeHeaders).times(1));
    let answer = client
        .call_with(
            order(client.mchid(), &no),
            CallOptions::new().idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(sandbox.hits(ORDER), 3);
    assert_eq!(
        sandbox.order(client.mchid(), &no).unwrap().prepay_id,
        answer.prepay_id
    );

    // Opting in does not make business errors retryable.
    let mut bad = order(client.mchid(), &trade_no("post"));
    bad.amount.total = 0;
    let e = client
        .call_with(bad, CallOptions::new().idempotent(true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"));
    assert_eq!(sandbox.hits(ORDER), 4);

    // And a GET can be opted out.
    sandbox.inject(FaultRule::new(status(503, "SYSTEM_ERROR")).times(1));
    client
        .call_with(echo(&client, "x"), CallOptions::new().idempotent(false))
        .await
        .unwrap_err();
    assert_eq!(sandbox.hits(ECHO), 1);
}

#[tokio::test]
async fn the_deadline_bounds_every_attempt_and_wait() {
    let (sandbox, _) = sandbox_with_echo().await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(Duration::from_millis(400))
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(50)
                .backoff(Duration::from_millis(50), Duration::from_millis(100))
                .deadline(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    sandbox.inject(FaultRule::new(Fault::Delay { ms: 5_000 }));
    let started = Instant::now();
    let e = client.call(echo(&client, "slow")).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let attempts = sandbox.hits(ECHO);
    assert!(
        (2..=3).contains(&attempts),
        "{attempts} attempts in {took:?}"
    );

    // A per-call policy overrides the client's.
    sandbox.clear_faults();
    sandbox.inject(FaultRule::new(status(503, "SYSTEM_ERROR")).times(1));
    let e = client
        .call_with(
            echo(&client, "once"),
            CallOptions::new().retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

#[tokio::test]
async fn failover_moves_to_the_backup_host_after_a_host_failure() {
    let main = Sandbox::start().await.unwrap();
    let backup = Sandbox::start().await.unwrap();
    echo_route(&main);
    echo_route(&backup);
    let client = main
        .client_builder()
        .unwrap()
        .retry_policy(quick())
        .failover(true)
        .backup_base_url(backup.base_url())
        .build()
        .unwrap();

    // 5xx on the main host: the retry goes to the backup.
    main.inject(FaultRule::new(status(502, "SYSTEM_ERROR")));
    client.call(echo(&client, "f1")).await.unwrap();
    assert_eq!((main.hits(ECHO), backup.hits(ECHO)), (1, 1));

    // A business error is the host's answer, not its failure.
    main.clear_faults();
    client.call(echo(&client, "missing")).await.unwrap_err();
    assert_eq!((main.hits(ECHO), backup.hits(ECHO)), (2, 1));

    // The main host is gone: an order opted in to retries lands on the backup.
    let mchid = client.mchid().to_owned();
    drop(main);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let no = trade_no("failover");
    client
        .call_with(order(&mchid, &no), CallOptions::new().idempotent(true))
        .await
        .unwrap();
    assert!(backup.order(&mchid, &no).is_some());

    // Without failover the backup is never used.
    let alone = backup
        .client_builder()
        .unwrap()
        .base_url("http://127.0.0.1:9")
        .retry_policy(quick())
        .build()
        .unwrap();
    let before = backup.hits(ECHO);
    let e = alone.call(echo(&alone, "f2")).await.unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_connect()), "{e:?}");
    assert_eq!(backup.hits(ECHO), before);
}

/// Runs one order with `fault` applied and returns the error.
async fn order_under(sandbox: &Sandbox, client: &Client, fault: Fault) -> Error {
    sandbox.inject(FaultRule::new(fault).times(1));
    client
        .call(order(client.mchid(), &trade_no("fault")))
        .await
        .unwrap_err()
}

async fn connection_faults_are_typed_errors(sandbox: &Sandbox) {
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for (fault, headers_came) in [
        (Fault::CloseBeforeHeaders, false),
        (Fault::Reset, false),
        (Fault::CloseAfterHeaders, true),
        (Fault::TruncateBody, true),
    ] {
        let what = format!("{fault:?}");
        let e = order_under(sandbox, &client, fault).await;
        let Error::Transport(t) = &e else {
            panic!("{what}: expected a transport error, got {e:?}")
        };
        assert_eq!(t.kind(), TransportErrorKind::Io, "{what}: {t}");
        if what == "Reset" {
            // A TCP reset whatever the HTTP version, not a stream reset.
            let text = format!("{e:?}");
            assert!(text.contains("ConnectionReset"), "{text}");
        }
        assert!(e.is_retryable(), "{what}");
        if headers_came {
            let id = e.request_id().unwrap_or_else(|| panic!("{what}: {e}"));
            assert!(e.to_string().contains(id), "{what}: {e}");
        }
    }

    // Signed, verified, and still refused: decoding fails, with the Request-ID.
    for fault in [Fault::InvalidJson, Fault::WrongShape] {
        let e = order_under(sandbox, &client, fault).await;
        let Error::Decode(d) = &e else {
            panic!("expected a decode error, got {e:?}")
        };
        assert_eq!(d.status, StatusCode::OK);
        assert!(d.request_id.is_some());
        assert!(!e.is_retryable());
    }

    // Late and slow answers: fine within the timeout, a timeout beyond it.
    sandbox.inject(FaultRule::new(Fault::Delay { ms: 100 }).times(1));
    client
        .call(order(client.mchid(), &trade_no("late")))
        .await
        .unwrap();
    sandbox.inject(
        FaultRule::new(Fault::TrickleBody {
            chunk: 8,
            interval_ms: 5,
        })
        .times(1),
    );
    client
        .call(order(client.mchid(), &trade_no("trickle")))
        .await
        .unwrap();
    sandbox.inject(
        FaultRule::new(Fault::TrickleBody {
            chunk: 1,
            interval_ms: 100,
        })
        .times(1),
    );
    let e = client
        .call_with(
            order(client.mchid(), &trade_no("trickle")),
            CallOptions::new().timeout(Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    let e = order_under(sandbox, &client, status(503, "SYSTEM_ERROR")).await;
    assert!(!e.as_api().unwrap().verified);
    let e = order_under(
        sandbox,
        &client,
        Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR".into(),
            signed: true,
        },
    )
    .await;
    assert!(e.as_api().unwrap().verified);
}

#[tokio::test]
async fn every_fault_is_a_typed_error_over_http() {
    let sandbox = Sandbox::start().await.unwrap();
    connection_faults_are_typed_errors(&sandbox).await;
}

#[tokio::test]
async fn every_fault_is_a_typed_error_over_tls_and_http2() {
    let sandbox = Sandbox::builder().tls(true).start().await.unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    connection_faults_are_typed_errors(&sandbox).await;
}

#[tokio::test]
async fn tls_end_to_end_with_the_sandbox_certificate_as_an_extra_root() {
    let sandbox = Sandbox::builder().tls(true).start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .call(order(client.mchid(), &trade_no("tls")))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));

    // ALPN chose HTTP/2.
    let pem = sandbox.tls_certificate_pem().unwrap();
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(&pem)
        .unwrap()
        .build()
        .unwrap();
    let info = http::Request::get(format!("{}/sandbox/info", sandbox.base_url()))
        .body(bytes::Bytes::new())
        .unwrap();
    let answer = transport.send(info).await.unwrap();
    assert_eq!(answer.version(), http::Version::HTTP_2);
    let info: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert!(
        info["tls_certificate_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    // Without the extra root, the certificate is refused.
    let untrusting = sandbox
        .client_builder()
        .unwrap()
        .transport(std::sync::Arc::new(
            HyperTransport::builder().build().unwrap(),
        ))
        .build()
        .unwrap();
    let e = untrusting
        .call(order(client.mchid(), &trade_no("tls")))
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Transport(t) if t.is_connect()), "{e:?}");
    // And plain http to a TLS port is not an answer either.
    let plain = sandbox
        .client_builder()
        .unwrap()
        .base_url(sandbox.base_url().replace("https", "http"))
        .allow_http(true)
        .build()
        .unwrap();
    assert!(
        plain
            .call(order(client.mchid(), &trade_no("tls")))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn faults_are_scriptable_over_the_control_route() {
    let (sandbox, client) = sandbox_with_echo().await;
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let post = |json: &str| {
        http::Request::post(format!("{}/sandbox/faults", sandbox.base_url()))
            .body(bytes::Bytes::from(json.to_owned()))
            .unwrap()
    };
    let answer = transport
        .send(post(
            r#"{"fault":{"kind":"status","status":503},"method":"GET","path":"/v3/test/echo/","after":1,"every":2,"times":2}"#,
        ))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let bad = transport
        .send(post(r#"{"fault":{"kind":"meteor"}}"#))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Requests 1..=5 without retries: the 3rd and the 5th are hit.
    let once = CallOptions::new().retry(RetryPolicy::none());
    let mut outcomes = Vec::new();
    for i in 0..6 {
        let r = client
            .call_with(echo(&client, &i.to_string()), once.clone())
            .await;
        outcomes.push(r.map(|_| ()).map_err(|e| e.status()));
    }
    let unavailable = Err(Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        outcomes,
        [Ok(()), Ok(()), unavailable, Ok(()), unavailable, Ok(())]
    );
    let list = transport
        .send(
            http::Request::get(format!("{}/sandbox/faults", sandbox.base_url()))
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(list.body()).unwrap();
    assert_eq!(list["applied"]["status"], 2);
    assert_eq!(list["rules"], 0, "spent rules are dropped");
    let seen = transport
        .send(
            http::Request::get(format!("{}/sandbox/requests", sandbox.base_url()))
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let seen: serde_json::Value = serde_json::from_slice(seen.body()).unwrap();
    assert_eq!(seen.as_array().unwrap().len(), 6);
    assert_eq!(seen[0]["nonce"].as_str().unwrap().len(), 32);
}
