//! Notifications end to end: the sandbox delivers signed, encrypted
//! notifications over real HTTP to an axum receiver that verifies them with
//! `wxpay_core::notify`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::post;
use common::receiver::{self, Seen, serve};
use http::{Method, StatusCode};
use tokio::sync::{Notify, mpsc};
use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::service_id::out_contract_code::Terminate;
use wxpay::v3::pay::transactions::{ContractInfo, TradeState};
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount, RefundStatus};
use wxpay_core::notify::{
    Answer, Event, MemoryDeduplicator, Notification, Notifications, NotifyError,
};
use wxpay_sandbox::{DeliveryState, NotificationRecord, Sandbox};

const WAIT: Duration = Duration::from_secs(10);
/// `common::order` notifies here.
const PAY_PATH: &str = "/wxpay/pay.php";
const REFUND_URL: &str = "https://www.weixin.qq.com/wxpay/refund.php";
const REFUND_PATH: &str = "/wxpay/refund.php";
/// `common::pre_sign_request` contracts notify here.
const CONTRACT_PATH: &str = "/notify";

/// A receiver for the sandbox's client on every test path.
fn inbox_app(client: &Client) -> (Router, mpsc::UnboundedReceiver<Seen>) {
    receiver::app(client, &[PAY_PATH, REFUND_PATH, CONTRACT_PATH])
}

/// A sandbox whose retries come 100 times sooner.
async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .notify_time_scale(0.01)
        .start()
        .await
        .unwrap()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("the receiver got a notification in time")
        .expect("the receiver is running")
}

/// Places a jsapi-with-contract order (signing a contract while paying).
async fn place(client: &Client, tag: &str) -> String {
    let no = common::trade_no(tag);
    client
        .post_pay_transactions_jsapi_with_contract(common::order(client.mchid(), &no))
        .await
        .unwrap();
    no
}

async fn delivered(sandbox: &Sandbox, id: &str) -> NotificationRecord {
    sandbox
        .wait_for_notification(|r| r.id == id && r.state != DeliveryState::Pending, WAIT)
        .await
        .unwrap()
}

fn record_about(sandbox: &Sandbox, event_type: &str, key: &str, value: &str) -> NotificationRecord {
    sandbox
        .notifications()
        .into_iter()
        .find(|r| r.event_type == event_type && r.resource[key] == value)
        .unwrap_or_else(|| panic!("no {event_type} notification for {key}={value}"))
}

#[tokio::test]
async fn a_payment_reaches_an_axum_receiver_verified_and_typed() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let no = place(&client, "NP").await;
    let paid = sandbox.pay_order(client.mchid(), &no).unwrap();

    let n = next(&mut rx).await.unwrap();
    assert_eq!(n.event_type(), "TRANSACTION.SUCCESS");
    assert_eq!(n.envelope.resource_type, "encrypt-resource");
    assert_eq!(n.envelope.original_type.as_deref(), Some("transaction"));
    assert!(n.id().starts_with("EV-"), "{}", n.id());
    assert!(n.envelope.request_id.is_some());
    let Event::TransactionSuccess(t) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(t.out_trade_no, no);
    assert_eq!(t.mchid, client.mchid());
    assert_eq!(t.trade_state, TradeState::Success);
    assert_eq!(t.transaction_id, paid.transaction_id);
    assert_eq!(t.amount.payer_total, Some(100));
    assert_eq!(t.payer.as_ref().unwrap().openid, common::OPENID);
    // What the notification says is what the order query says.
    let queried = client
        .get_pay_transactions_out_trade_no(wxpay::v3::pay::transactions::OutTradeNo {
            out_trade_no: no.clone(),
            mchid: client.mchid().into(),
        })
        .await
        .unwrap();
    assert_eq!(**t, queried);

    // The sandbox recorded the delivery and the 204.
    let record = delivered(&sandbox, n.id()).await;
    assert_eq!(record.state, DeliveryState::Delivered);
    assert!(!record.probe);
    assert_eq!(record.notify_url, "https://www.weixin.qq.com/wxpay/pay.php");
    let [attempt] = &record.attempts[..] else {
        panic!("{:?}", record.attempts)
    };
    assert_eq!(attempt.status, Some(204));
    assert!(attempt.accepted && attempt.body.is_empty());
    assert!(attempt.url.ends_with(PAY_PATH), "{}", attempt.url);
}

#[tokio::test]
async fn a_service_providers_payment_is_typed_as_a_partner_transaction() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (url, mut rx) = receiver::listen(&client, &["/wxpay/partner.php"]).await;
    sandbox.set_notify_target(Some(&url)).unwrap();

    let no = common::trade_no("NPP");
    client
        .post_pay_partner_transactions_jsapi_with_contract(common::partner_order("1900000110", &no))
        .await
        .unwrap();
    sandbox.pay_order("1900000110", &no).unwrap();
    let n = next(&mut rx).await.unwrap();
    let Event::PartnerTransactionSuccess(t) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(t.sub_mchid, "1900000110");
    assert_eq!(t.sp_mchid, client.mchid());
    assert_eq!(t.out_trade_no, no);
}

#[tokio::test]
async fn every_refund_outcome_is_notified() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();
    let mchid = client.mchid().to_owned();

    for (status, tag) in [
        (wxpay_sandbox::RefundStatus::Success, "NRS"),
        (wxpay_sandbox::RefundStatus::Closed, "NRC"),
        (wxpay_sandbox::RefundStatus::Abnormal, "NRA"),
    ] {
        let no = place(&client, tag).await;
        sandbox.pay_order(&mchid, &no).unwrap();
        let payment = next(&mut rx).await.unwrap();
        assert_eq!(payment.event_type(), "TRANSACTION.SUCCESS");

        let out_refund_no = format!("R{no}");
        let refund = client
            .post_refund_domestic_refunds(PostRefunds {
                out_trade_no: Some(no.clone()),
                out_refund_no: out_refund_no.clone(),
                notify_url: Some(REFUND_URL.into()),
                amount: PostRefundsAmount {
                    refund: 60,
                    from: None,
                    total: 100,
                    currency: "CNY".into(),
                },
                ..Default::default()
            })
            .await
            .unwrap();
        sandbox
            .settle_refund(&mchid, &out_refund_no, status)
            .unwrap();

        let n = next(&mut rx).await.unwrap();
        assert_eq!(n.envelope.original_type.as_deref(), Some("refund"));
        let (r, expected_type, expected_status) = match &n.event {
            Event::RefundSuccess(r) => (r, "REFUND.SUCCESS", RefundStatus::Success),
            Event::RefundClosed(r) => (r, "REFUND.CLOSED", RefundStatus::Closed),
            Event::RefundAbnormal(r) => (r, "REFUND.ABNORMAL", RefundStatus::Abnormal),
            other => panic!("{other:?}"),
        };
        assert_eq!(n.event_type(), expected_type);
        assert_eq!(expected_type, format!("REFUND.{}", status.as_str()));
        assert_eq!(r.refund_status, expected_status);
        assert_eq!(r.mchid.as_deref(), Some(mchid.as_str()));
        assert_eq!(r.out_refund_no, out_refund_no);
        assert_eq!(r.refund_id, refund.refund_id);
        assert_eq!(r.out_trade_no, no);
        assert_eq!(r.transaction_id, refund.transaction_id);
        assert_eq!(
            (
                r.amount.total,
                r.amount.refund,
                r.amount.payer_total,
                r.amount.payer_refund
            ),
            (100, 60, 100, 60)
        );
        assert_eq!(
            r.success_time.is_some(),
            expected_status == RefundStatus::Success
        );
        let record = delivered(&sandbox, n.id()).await;
        assert_eq!(record.state, DeliveryState::Delivered);
        assert_eq!(record.notify_url, REFUND_URL);
    }
}

#[tokio::test]
async fn contract_signing_and_termination_are_notified_as_other_events() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let code = format!("NC{}", std::process::id());
    let pre = common::pre_sign(&client, 501, &code).await;
    let no = common::trade_no("NC");
    client
        .post_pay_transactions_jsapi_with_contract(common::order_under(
            client.mchid(),
            &no,
            ContractInfo {
                token: Some(pre.pre_entrustweb_id.clone()),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    sandbox.pay_order(client.mchid(), &no).unwrap();

    let mut events = Vec::new();
    for _ in 0..2 {
        events.push(next(&mut rx).await.unwrap());
    }
    events.sort_by_key(|n| n.event_type().to_owned());
    assert_eq!(events[0].event_type(), "PAPAY.SIGN");
    assert_eq!(events[1].event_type(), "TRANSACTION.SUCCESS");
    let Event::PapaySign(contract) = &events[0].event else {
        panic!("{:?}", events[0].event)
    };
    assert_eq!(contract.out_contract_code, code);
    assert_eq!(contract.contract_state.as_deref(), Some("SIGNED"));

    client
        .post_password_exempt_contract_contracts_service_id_out_contract_code_terminate(Terminate {
            service_id: 501,
            out_contract_code: code.clone(),
            contract_termination_remark: "the user asked".into(),
        })
        .await
        .unwrap();
    let n = next(&mut rx).await.unwrap();
    assert_eq!(n.event_type(), "PAPAY.TERMINATE");
    let Event::PapayTerminate(contract) = &n.event else {
        panic!("{:?}", n.event)
    };
    assert_eq!(contract.contract_state.as_deref(), Some("TERMINATED"));
}

#[tokio::test]
async fn a_probe_gets_a_non_2xx_answer() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let id = sandbox.send_probe("https://www.weixin.qq.com/wxpay/pay.php");
    let e = next(&mut rx).await.unwrap_err();
    assert!(e.is_probe(), "{e}");
    let record = delivered(&sandbox, &id).await;
    assert!(record.probe);
    assert_eq!(record.state, DeliveryState::Failed);
    let [attempt] = &record.attempts[..] else {
        panic!("a probe is sent once: {:?}", record.attempts)
    };
    assert_eq!(attempt.status, Some(401));
    assert!(!attempt.accepted);
    let body: serde_json::Value = serde_json::from_str(&attempt.body).unwrap();
    assert_eq!(body["code"], "FAIL");

    // The same through the control plane, and the records are readable there.
    let (status, answer) = common::control(
        &sandbox,
        Method::POST,
        "/sandbox/notifications/probe",
        Some(serde_json::json!({"url": "https://www.weixin.qq.com/wxpay/pay.php"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id2 = answer["id"].as_str().unwrap().to_owned();
    assert!(next(&mut rx).await.unwrap_err().is_probe());
    delivered(&sandbox, &id2).await;
    let (status, one) = common::control(
        &sandbox,
        Method::GET,
        &format!("/sandbox/notifications/{id2}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["probe"], true);
    assert_eq!(one["state"], "FAILED");
    assert_eq!(one["attempts"][0]["status"], 401);
    let (status, all) =
        common::control(&sandbox, Method::GET, "/sandbox/notifications", None).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&id2.as_str()));
    let (status, _) = common::control(
        &sandbox,
        Method::GET,
        "/sandbox/notifications/EV-NOPE",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_it_again_on_the_scaled_schedule() {
    // 15 s → 300 ms, 15 s → 300 ms.
    let sandbox = Sandbox::builder()
        .notify_time_scale(0.02)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        PAY_PATH,
        post({
            let calls = calls.clone();
            let client = client.clone();
            move |headers: http::HeaderMap, body: Bytes| async move {
                let n = client.parse_notification(&headers, &body).await.unwrap();
                let _ = tx.send(n.id().to_owned());
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Answer::fail(StatusCode::INTERNAL_SERVER_ERROR, "not yet")
                } else {
                    Answer::success()
                }
            }
        }),
    );
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let no = place(&client, "NR").await;
    sandbox.pay_order(client.mchid(), &no).unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            tokio::time::timeout(WAIT, rx.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "same id every time: {ids:?}"
    );
    let record = delivered(&sandbox, &ids[0]).await;
    assert_eq!(record.state, DeliveryState::Delivered);
    let statuses: Vec<_> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(204)]);
    assert_eq!(
        record.attempts[0].body,
        r#"{"code":"FAIL","message":"not yet"}"#
    );
    // Attempt k comes after the first k waits of the schedule, scaled; the
    // upper bound only allows for a slow machine.
    let offsets: Vec<u64> = record.attempts.iter().map(|a| a.offset_ms).collect();
    for (offset, due) in offsets.iter().zip([0, 300, 600]) {
        assert!(
            *offset >= due && *offset < due + 3_000,
            "attempt offsets {offsets:?}, expected about [0, 300, 600] ms"
        );
    }
    assert!(offsets[1] - offsets[0] >= 250 && offsets[2] - offsets[1] >= 250);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "no attempt after the accepted one"
    );
}

/// Parses the body as JSON and serialises it again, as some frameworks'
/// body handling does.
async fn reserialise(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let again = serde_json::to_vec(&value).unwrap();
    next.run(Request::from_parts(parts, axum::body::Body::from(again)))
        .await
}

#[tokio::test]
async fn a_body_re_serialised_by_a_middleware_fails_verification() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    let app = app.layer(middleware::from_fn(reserialise));
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let no = place(&client, "NM").await;
    sandbox.pay_order(client.mchid(), &no).unwrap();
    let e = next(&mut rx).await.unwrap_err();
    assert!(
        matches!(e, NotifyError::BadSignature(_)),
        "a re-serialised body cannot verify: {e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("signature does not match")
            && text.contains("raw body bytes exactly as received"),
        "{text}"
    );
    let record = sandbox
        .wait_for_notification(|r| !r.attempts.is_empty(), WAIT)
        .await
        .unwrap();
    assert_eq!(record.attempts[0].status, Some(401));
    assert!(
        record.attempts[0]
            .body
            .contains("signature verification failed")
    );
    assert_eq!(record.state, DeliveryState::Pending, "it will be retried");
}

#[tokio::test]
async fn duplicate_deliveries_are_processed_once_with_the_hook() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let processed = Arc::new(AtomicUsize::new(0));
    let notifications =
        Notifications::new(client.clone()).deduplicate(MemoryDeduplicator::new(100));
    let process = {
        let calls = calls.clone();
        let processed = processed.clone();
        move |n: Notification| {
            let calls = calls.clone();
            let processed = processed.clone();
            async move {
                assert_eq!(n.event_type(), "TRANSACTION.SUCCESS");
                // The first processing fails (a database hiccup, say).
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err("database unavailable");
                }
                processed.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        }
    };
    let app: Router = Router::new().route(
        PAY_PATH,
        wxpay_core::notify::axum::post(notifications, process),
    );
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let no = place(&client, "ND").await;
    sandbox.pay_order(client.mchid(), &no).unwrap();
    let record = sandbox
        .wait_for_notification(|r| r.state == DeliveryState::Delivered, WAIT)
        .await
        .unwrap();
    let statuses: Vec<_> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(204)], "failed, then retried");
    assert_eq!(processed.load(Ordering::SeqCst), 1);

    // The platform delivers it again (an acknowledgement lost on the way):
    // acknowledged, not processed again.
    sandbox.redeliver(&record.id).unwrap();
    let again = sandbox
        .wait_for_notification(|r| r.id == record.id && r.attempts.len() == 3, WAIT)
        .await
        .unwrap();
    assert_eq!(again.attempts[2].status, Some(204));
    let (status, _) = common::control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/notifications/{}/redeliver", record.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = sandbox
        .wait_for_notification(|r| r.id == record.id && r.attempts.len() == 4, WAIT)
        .await
        .unwrap();
    assert_eq!(again.attempts[3].status, Some(204));
    assert_eq!(processed.load(Ordering::SeqCst), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(sandbox.redeliver("EV-NOPE").is_err());
}

#[tokio::test]
async fn a_stale_timestamp_is_refused() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();

    let no = place(&client, "NS").await;
    sandbox.set_clock_offset(-400);
    sandbox.pay_order(client.mchid(), &no).unwrap();
    let e = next(&mut rx).await.unwrap_err();
    let NotifyError::StaleTimestamp {
        skew_secs,
        allowed_secs,
    } = e
    else {
        panic!("{e}")
    };
    assert!((399..=402).contains(&skew_secs), "{skew_secs}");
    assert_eq!(allowed_secs, 300);
    let record = record_about(&sandbox, "TRANSACTION.SUCCESS", "out_trade_no", &no);
    let record = sandbox
        .wait_for_notification(|r| r.id == record.id && !r.attempts.is_empty(), WAIT)
        .await
        .unwrap();
    assert_eq!(record.attempts[0].status, Some(401));

    // With the clock right again, a retry (freshly signed) is accepted;
    // retries made before that were refused the same way.
    sandbox.set_clock_offset(0);
    let n = loop {
        match next(&mut rx).await {
            Ok(n) => break n,
            Err(e) => assert!(matches!(e, NotifyError::StaleTimestamp { .. }), "{e}"),
        }
    };
    assert_eq!(n.id(), record.id);
    assert_eq!(
        delivered(&sandbox, &record.id).await.state,
        DeliveryState::Delivered
    );
}

#[tokio::test]
async fn an_unknown_serial_in_certificate_mode_triggers_one_download_then_verifies() {
    let sandbox = Sandbox::builder()
        .generated_certificate()
        .unwrap()
        .notify_time_scale(0.01)
        .start()
        .await
        .unwrap();
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .build()
        .unwrap();
    let old = sandbox.default_serial();
    let report = client.refresh_platform_certificates().await.unwrap();
    assert_eq!(report.listed, vec![old.clone()]);
    let no = place(&client, "NK").await;
    let before = client.platform_keys_status();

    let (app, mut rx) = inbox_app(&client);
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();
    let new = sandbox.rotate_certificate().unwrap();
    assert_ne!(new, old);
    assert!(!client.key_store().contains(&new));
    sandbox.pay_order(client.mchid(), &no).unwrap();

    let n = next(&mut rx).await.unwrap();
    assert!(matches!(n.event, Event::TransactionSuccess(_)));
    let record = delivered(&sandbox, n.id()).await;
    assert_eq!(record.attempts.len(), 1, "verified at the first attempt");
    assert!(client.key_store().contains(&new));
    let after = client.platform_keys_status();
    assert_eq!(after.on_demand_downloads, before.on_demand_downloads + 1);
    assert_eq!(after.downloads, before.downloads + 1);
}

#[tokio::test]
async fn deliveries_stop_when_the_sandbox_is_dropped() {
    // First retry 1.5 s after the first attempt.
    let sandbox = Sandbox::builder()
        .notify_time_scale(0.1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        PAY_PATH,
        post({
            let calls = calls.clone();
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(());
                Answer::fail(StatusCode::INTERNAL_SERVER_ERROR, "always failing")
            }
        }),
    );
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();
    let no = place(&client, "NX").await;
    sandbox.pay_order(client.mchid(), &no).unwrap();
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    drop(sandbox);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "no retry after the drop");
}

#[tokio::test]
async fn a_slow_receiver_does_not_hold_up_api_answers() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let release = Arc::new(Notify::new());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        PAY_PATH,
        post({
            let release = release.clone();
            move || async move {
                let _ = tx.send(());
                release.notified().await;
                Answer::success()
            }
        }),
    );
    sandbox.set_notify_target(Some(&serve(app).await)).unwrap();
    let no = place(&client, "NW").await;

    // Paid through the control plane while the receiver holds the delivery.
    let (status, order) = tokio::time::timeout(
        WAIT,
        common::control(
            &sandbox,
            Method::POST,
            &format!("/sandbox/orders/{}/{no}/pay", client.mchid()),
            None,
        ),
    )
    .await
    .expect("the control route answers while the delivery waits");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["trade_state"], "SUCCESS");
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    // The API answers too.
    let queried = client
        .get_pay_transactions_out_trade_no(wxpay::v3::pay::transactions::OutTradeNo {
            out_trade_no: no.clone(),
            mchid: client.mchid().into(),
        })
        .await
        .unwrap();
    assert_eq!(queried.trade_state, TradeState::Success);
    release.notify_one();
    let record = sandbox
        .wait_for_notification(|r| r.state == DeliveryState::Delivered, WAIT)
        .await
        .unwrap();
    assert_eq!(record.attempts.len(), 1);
}

#[tokio::test]
async fn an_https_url_without_a_target_is_recorded_as_failing() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let no = place(&client, "NH").await;
    sandbox.pay_order(client.mchid(), &no).unwrap();
    let record = sandbox
        .wait_for_notification(|r| !r.attempts.is_empty(), WAIT)
        .await
        .unwrap();
    let error = record.attempts[0].error.as_deref().unwrap();
    assert!(error.contains("notify_target"), "{error}");
    assert_eq!(record.attempts[0].status, None);
    assert!(
        Sandbox::builder()
            .notify_target("https://127.0.0.1:1")
            .start()
            .await
            .is_err()
    );
    assert!(
        sandbox
            .set_notify_target(Some("http://127.0.0.1:1/path"))
            .is_err()
    );
}

/// Sends a request head over a fresh connection, then `body_sent` bytes of
/// a body announced as `announced` bytes long, and returns the status of
/// the answer, waiting at most five seconds for it.
async fn raw_post(base: &str, headers: &str, announced: usize, body_sent: usize) -> Option<u16> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {PAY_PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{headers}Content-Length: {announced}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    // The body goes out in pieces; a receiver may answer (and close) early.
    let piece = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < body_sent {
        let n = piece.len().min(body_sent - sent);
        if socket.write_all(&piece[..n]).await.is_err() {
            break;
        }
        sent += n;
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()?;
    let line = String::from_utf8_lossy(&answer);
    line.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn receivers_check_headers_before_the_body_and_cap_its_size() {
    let sandbox = sandbox().await;
    let client = sandbox.client().unwrap();
    let (inbox, _rx) = inbox_app(&client);
    let notifications = Notifications::new(client.clone());
    let routed = Router::new().route(
        PAY_PATH,
        wxpay_core::notify::axum::post(notifications, |_n: Notification| async move {
            Ok::<(), std::convert::Infallible>(())
        }),
    );
    let signed = "Wechatpay-Timestamp: 1700000000\r\nWechatpay-Nonce: n\r\nWechatpay-Signature: c2ln\r\nWechatpay-Serial: PUB_KEY_ID_1\r\n";
    for base in [serve(inbox).await, serve(routed).await] {
        // No signature headers: refused at once, though the 10 MB body
        // announced never comes.
        let status = raw_post(&base, "", 10 << 20, 0).await;
        assert_eq!(status, Some(401), "{base}: answered before the body");
        // Signed-looking, but larger than any notification: refused
        // without buffering it all.
        let status = raw_post(&base, signed, 4 << 20, 4 << 20).await;
        assert!(
            status.is_some_and(|s| (400..500).contains(&s)),
            "{base}: {status:?}"
        );
    }
}
