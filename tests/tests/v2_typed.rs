//! The typed APIv2 client (the generated `wxpay::v2` methods) against the
//! sandbox's stateful v2 routes over loopback TLS: a code payment, its
//! query, a refund over mutual TLS, and the day's bill downloaded through
//! the generated bill method and read row by row, plain and GZIP (whole,
//! and streamed to the async reader), plus the `No Bill Exist` answer as
//! an error; unified orders paid and notified
//! the v2 way to an axum receiver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wxpay::Client;
use wxpay::bill::{AsyncTradeBillReader, TradeBillReader};
use wxpay::v2::V2Key;
use wxpay::v2::pay::Unifiedorder;
use wxpay::v2::pay::downloadbill::{BillType, TarType};
use wxpay::v2::pay::orderquery::TradeState;
use wxpay::v2::pay::unifiedorder::SignType;
use wxpay::v2::pay::{Downloadbill, Micropay, Orderquery};
use wxpay::v2::prelude::*;
use wxpay::v2::secapi::pay::Refund;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::response::IntoResponse;
use http::StatusCode;
use tokio::sync::mpsc;
use wxpay::notify::axum::VerifiedV2Notification;
use wxpay::notify::v2::V2PaymentNotification;
use wxpay::notify::{V2Answer, V2Notification};
use wxpay_sandbox::{DeliveryState, RefundStatus};

mod common;

const APPID: &str = "wxd678efh567hg6787";

/// A sandbox that knows the fixtures' merchant, and a client presenting
/// that merchant's API certificate.
async fn sandbox_and_client() -> (wxpay_sandbox::Sandbox, Client) {
    sandbox_and_client_with(wxpay_sandbox::Sandbox::builder()).await
}

/// [`sandbox_and_client`] from a builder with other settings.
async fn sandbox_and_client_with(
    builder: wxpay_sandbox::SandboxBuilder,
) -> (wxpay_sandbox::Sandbox, Client) {
    let (merchant, cert_pem, key_pem) = common::fixture_merchant();
    let sandbox = builder.merchant(merchant).tls(true).start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .v2_key(V2Key::new(wxpay_sandbox::DEFAULT_V2_KEY).unwrap())
        .api_certificate_pem(&cert_pem, &key_pem)
        .build()
        .unwrap();
    (sandbox, client)
}

fn bill_request(date: &str, tar_type: Option<TarType>) -> Downloadbill {
    Downloadbill {
        appid: APPID.into(),
        bill_date: date.into(),
        bill_type: Some(BillType::All),
        tar_type,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_payment_its_refund_and_the_bill_through_the_typed_client() {
    let (_sandbox, client) = sandbox_and_client().await;
    let out_trade_no = "V2TYPED0001";

    let paid = client
        .post_pay_micropay(Micropay {
            appid: APPID.into(),
            body: "Coffee".into(),
            out_trade_no: out_trade_no.into(),
            total_fee: 1_200,
            spbill_create_ip: "203.0.113.7".into(),
            auth_code: "134567890123456789".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(paid.out_trade_no, out_trade_no);
    assert_eq!(paid.total_fee, 1_200);

    let order = client
        .post_pay_orderquery(Orderquery {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            ..Default::default() // transaction_id left empty: not sent
        })
        .await
        .unwrap();
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(order.transaction_id, paid.transaction_id);

    let refund = client
        .post_secapi_pay_refund(Refund {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            out_refund_no: "V2TYPEDR0001".into(),
            total_fee: 1_200,
            refund_fee: 300,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refund.refund_fee, 300);

    // The day's bill, through the generated method: CSV the reader takes.
    let day = &paid.time_end[..8];
    let csv = client
        .post_pay_downloadbill(bill_request(day, None))
        .await
        .unwrap();
    let mut bill = TradeBillReader::new(&csv[..]).unwrap();
    let rows: Vec<_> = (&mut bill).collect::<Result<_, _>>().unwrap();
    let row = rows
        .iter()
        .find(|r| r.out_trade_no == out_trade_no)
        .unwrap_or_else(|| panic!("{out_trade_no} is not in the bill: {rows:?}"));
    assert_eq!(row.transaction_id, paid.transaction_id);
    assert_eq!(row.total, Some(1_200));
    assert!(bill.summary().unwrap().count >= 1);

    // Asked as GZIP, the method inflates it: the same bytes.
    let inflated = client
        .post_pay_downloadbill(bill_request(day, Some(TarType::Gzip)))
        .await
        .unwrap();
    assert_eq!(inflated, csv);

    // A day without trades: the platform's XML answer is the error.
    no_bill(
        client
            .post_pay_downloadbill(bill_request("20200101", None))
            .await
            .unwrap_err(),
    );

    // Streamed instead (`download_v2_bill_stream`), plain and GZIP: the
    // same CSV, read by the async reader as it arrives.
    for tar_type in [None, Some(TarType::Gzip)] {
        let gzip = tar_type.is_some();
        let streamed = client
            .download_v2_bill_stream(bill_request(day, tar_type.clone()))
            .await
            .unwrap();
        let mut rows = AsyncTradeBillReader::new(streamed.into_async_read())
            .await
            .unwrap();
        let mut found = None;
        while let Some(row) = rows.next().await {
            let row = row.unwrap();
            if row.out_trade_no == out_trade_no {
                found = Some(row);
            }
        }
        let row = found.unwrap_or_else(|| panic!("{out_trade_no} is not in the streamed bill"));
        assert_eq!(row.transaction_id, paid.transaction_id, "gzip: {gzip}");
        assert_eq!(rows.summary().unwrap().count, bill.summary().unwrap().count);

        let mut streamed = client
            .download_v2_bill_stream(bill_request(day, tar_type))
            .await
            .unwrap();
        let mut whole = Vec::new();
        while let Some(chunk) = streamed.chunk().await.unwrap() {
            whole.extend_from_slice(&chunk);
        }
        assert_eq!(whole, csv, "gzip: {gzip}");
        assert_eq!(streamed.is_gzip(), gzip);
    }
    // The XML answer is the error before any of it is handed out.
    no_bill(
        client
            .download_v2_bill_stream(bill_request("20200101", None))
            .await
            .unwrap_err(),
    );
}

/// `error` is the platform's `No Bill Exist` answer.
fn no_bill(error: wxpay::Error) {
    let wxpay::Error::V2(e) = &error else {
        panic!("expected Error::V2, got {error:?}");
    };
    assert_eq!(e.return_code, "FAIL");
    assert_eq!(e.return_msg.as_deref(), Some("No Bill Exist"));
    // The sandbox's Request-ID, as the platform's gateway sends one.
    let id = e.request_id.as_deref().expect("the answer's Request-ID");
    assert!(error.to_string().contains(id), "{error}");
}

/// A v2 `notify_url` on loopback (`/v2/notify` for payments, `/v2/refund`
/// for refunds): verifies each notification with the
/// client's v2 key (the extractor answers the platform's `FAIL` XML when it
/// does not verify), passes it on, and answers the first `refusals` with a
/// 200 whose `return_code` is `FAIL` (which the platform does not take as
/// an acceptance), the rest with `V2Answer::success()`.
#[derive(Clone)]
struct V2Inbox {
    client: Client,
    seen: mpsc::UnboundedSender<V2Notification>,
    refusals: Arc<AtomicUsize>,
}

impl FromRef<V2Inbox> for Client {
    fn from_ref(inbox: &V2Inbox) -> Client {
        inbox.client.clone()
    }
}

async fn receive_v2(
    State(inbox): State<V2Inbox>,
    VerifiedV2Notification(n): VerifiedV2Notification,
) -> axum::response::Response {
    let _ = inbox.seen.send(n);
    let refuse = inbox
        .refusals
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refuse {
        let busy = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[busy]]></return_msg></xml>";
        return (StatusCode::OK, busy).into_response();
    }
    V2Answer::success().into_response()
}

async fn v2_receiver(
    client: &Client,
    refusals: usize,
) -> (String, mpsc::UnboundedReceiver<V2Notification>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route("/v2/notify", axum::routing::post(receive_v2))
        .route("/v2/refund", axum::routing::post(receive_v2))
        .with_state(V2Inbox {
            client: client.clone(),
            seen: tx,
            refusals: Arc::new(AtomicUsize::new(refusals)),
        });
    (common::receiver::serve(app).await, rx)
}

async fn next(inbox: &mut mpsc::UnboundedReceiver<V2Notification>) -> V2Notification {
    tokio::time::timeout(Duration::from_secs(10), inbox.recv())
        .await
        .expect("a v2 notification in time")
        .expect("the receiver runs")
}

async fn next_payment(
    inbox: &mut mpsc::UnboundedReceiver<V2Notification>,
) -> V2PaymentNotification {
    match next(inbox).await {
        V2Notification::Payment(paid) => *paid,
        other => panic!("not a payment result: {other:?}"),
    }
}

/// Nothing more arrives for a while.
async fn quiet(inbox: &mut mpsc::UnboundedReceiver<V2Notification>) {
    let more = tokio::time::timeout(Duration::from_millis(300), inbox.recv()).await;
    assert!(more.is_err(), "unexpected notification: {more:?}");
}

fn unified(out_trade_no: &str, sign_type: Option<SignType>) -> Unifiedorder {
    Unifiedorder {
        appid: APPID.into(),
        body: "Tea".into(),
        out_trade_no: out_trade_no.into(),
        total_fee: 2_500,
        spbill_create_ip: "203.0.113.7".into(),
        notify_url: "https://shop.example.com/v2/notify".into(),
        trade_type: "JSAPI".into(),
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        sign_type,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unified_orders_paid_are_notified_the_v2_way() {
    let builder = wxpay_sandbox::Sandbox::builder().notify_time_scale(0.01);
    let (sandbox, client) = sandbox_and_client_with(builder).await;
    let (url, mut inbox) = v2_receiver(&client, 1).await;
    sandbox.set_notify_target(Some(&url)).unwrap();
    let mchid = client.mchid().to_owned();

    // Placed with MD5: refused once with a 200 `FAIL`, then accepted.
    let placed = client
        .post_pay_unifiedorder(unified("V2NOTIFY0001", Some(SignType::Md5)))
        .await
        .unwrap();
    assert!(placed.prepay_id.starts_with("wx"), "{placed:?}");
    // Placing is not paying: nothing is notified yet.
    quiet(&mut inbox).await;
    let paid = sandbox.pay_order(&mchid, "V2NOTIFY0001").unwrap();
    let first = next_payment(&mut inbox).await;
    let again = next_payment(&mut inbox).await;
    for n in [&first, &again] {
        assert_eq!(n.result_code, "SUCCESS");
        assert_eq!(n.mch_id, mchid);
        assert_eq!(n.appid, APPID);
        assert_eq!(n.out_trade_no, "V2NOTIFY0001");
        assert_eq!(n.total_fee, 2_500);
        assert_eq!(n.trade_type.as_deref(), Some("JSAPI"));
        assert_eq!(n.openid.as_deref(), Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"));
        assert_eq!(Some(&n.transaction_id), paid.transaction_id.as_ref());
    }
    let queried = client
        .post_pay_orderquery(Orderquery {
            appid: APPID.into(),
            out_trade_no: "V2NOTIFY0001".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.transaction_id, queried.transaction_id);

    let record = sandbox
        .wait_for_notification(
            |r| r.v2 && r.resource["out_trade_no"] == "V2NOTIFY0001" && r.attempts.len() == 2,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(record.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(record.state, DeliveryState::Delivered);
    assert!(record.body.starts_with("<xml>"), "{}", record.body);
    assert_eq!(record.notify_url, "https://shop.example.com/v2/notify");
    let (refused, accepted) = (&record.attempts[0], &record.attempts[1]);
    assert_eq!((refused.status, refused.accepted), (Some(200), false));
    assert!(refused.body.contains("busy"), "{}", refused.body);
    assert_eq!((accepted.status, accepted.accepted), (Some(200), true));
    assert_eq!(record.resource.get("sign_type"), None);

    // Placed with the client's choice for this operation (HMAC-SHA256):
    // notified signed the same way, and accepted at once.
    client
        .post_pay_unifiedorder(unified("V2NOTIFY0002", None))
        .await
        .unwrap();
    sandbox.pay_order(&mchid, "V2NOTIFY0002").unwrap();
    let hmac = next_payment(&mut inbox).await;
    assert_eq!(hmac.out_trade_no, "V2NOTIFY0002");
    let record = sandbox
        .wait_for_notification(
            |r| {
                r.v2 && r.resource["out_trade_no"] == "V2NOTIFY0002"
                    && r.state == DeliveryState::Delivered
            },
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(record.resource["sign_type"], "HMAC-SHA256");
    assert_eq!(record.attempts.len(), 1);

    // A code payment has no notify_url: paid, and nothing sent.
    client
        .post_pay_micropay(Micropay {
            appid: APPID.into(),
            body: "Coffee".into(),
            out_trade_no: "V2NOTIFY0003".into(),
            total_fee: 100,
            spbill_create_ip: "203.0.113.7".into(),
            auth_code: "134567890123456789".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    quiet(&mut inbox).await;
    assert_eq!(sandbox.notifications().iter().filter(|r| r.v2).count(), 2);

    // Refunds: one naming a notify_url, notified when settled with its
    // `req_info` sealed under the v2 key; one naming none, not notified
    // at all (neither way).
    for (out_refund_no, notify_url) in [
        ("V2NOTIFYR01", Some("https://shop.example.com/v2/refund")),
        ("V2NOTIFYR02", None),
    ] {
        client
            .post_secapi_pay_refund(Refund {
                appid: APPID.into(),
                out_trade_no: "V2NOTIFY0001".into(),
                out_refund_no: out_refund_no.into(),
                total_fee: 2_500,
                refund_fee: 1_000,
                notify_url: notify_url.map(Into::into),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    quiet(&mut inbox).await;
    let settled = sandbox
        .settle_refund(&mchid, "V2NOTIFYR01", RefundStatus::Success)
        .unwrap();
    let V2Notification::Refund(refund) = next(&mut inbox).await else {
        panic!("not a refund result");
    };
    assert_eq!(
        (refund.appid.as_str(), refund.mch_id.as_str()),
        (APPID, mchid.as_str())
    );
    let info = &refund.info;
    assert_eq!(info.out_refund_no, "V2NOTIFYR01");
    assert_eq!(info.out_trade_no, "V2NOTIFY0001");
    assert_eq!(info.refund_id, settled.refund_id);
    assert_eq!(info.transaction_id, first.transaction_id);
    assert_eq!((info.total_fee, info.refund_fee), (2_500, 1_000));
    assert_eq!(info.refund_status, "SUCCESS");
    assert!(
        info.success_time.as_ref().is_some_and(|t| t.len() == 19),
        "{info:?}"
    );
    let record = sandbox
        .wait_for_notification(
            |r| {
                r.v2 && r.resource["out_refund_no"] == "V2NOTIFYR01"
                    && r.state == DeliveryState::Delivered
            },
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(record.event_type, "REFUND.SUCCESS");
    assert!(record.body.contains("<req_info>"), "{}", record.body);
    assert!(
        !record.body.contains("V2NOTIFYR01"),
        "req_info is sealed: {}",
        record.body
    );

    sandbox
        .settle_refund(&mchid, "V2NOTIFYR02", RefundStatus::Closed)
        .unwrap();
    quiet(&mut inbox).await;
    assert!(
        !sandbox
            .notifications()
            .iter()
            .any(|r| r.body.contains("V2NOTIFYR02") || r.resource["out_refund_no"] == "V2NOTIFYR02"),
        "a v2 refund without notify_url is not notified"
    );
}
