//! Combined orders (合单) end to end: placed through the typed client on
//! each of the five routes, looked up both ways, paid, failed, expired and
//! closed; the payment notified once to a receiver that verifies and
//! decrypts it; a sub-order refunded like any order and listed in the
//! day's trade bill.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, Method, StatusCode};
use tokio::sync::mpsc;
use wxpay::prelude::*;
use wxpay::v3::bill::Tradebill;
use wxpay::v3::combine_transactions::{
    App, H5, Id, Jsapi, Miniprogram, Native, OutTradeNo, OutTradeNoResponse, app, h5, jsapi,
    miniprogram, native, out_trade_no,
};
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
use wxpay_core::bill::TradeBillReader;
use wxpay_core::notify::RawNotification;
use wxpay_sandbox::{DeliveryState, RefundStatus, Sandbox, SandboxError, TradeState};

use common::{control, trade_no};

/// The sub-merchant of partner sub-orders (`sub_mchid`).
const SUB: &str = "1900000111";
const APPID: &str = "wxd678efh567hg6787";
const NOTIFY_URL: &str = "https://www.weixin.qq.com/wxpay/combine.php";
const NOTIFY_PATH: &str = "/wxpay/combine.php";
const FUTURE: &str = "2030-06-08T10:34:56+08:00";
const OPENID: &str = common::OPENID;
const WAIT: Duration = Duration::from_secs(10);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Sub-order numbers for a combined order: `n` distinct ones.
fn sub_nos(no: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{no}s{i}")).collect()
}

/// A JSAPI combined order whose sub-orders (100 fen, 200 fen, …) the
/// signer places for the sub-merchant [`SUB`].
fn jsapi_order(mchid: &str, no: &str, subs: &[String]) -> Jsapi {
    Jsapi {
        combine_appid: APPID.into(),
        combine_mchid: mchid.into(),
        combine_out_trade_no: no.into(),
        sub_orders: subs
            .iter()
            .enumerate()
            .map(|(i, sub_no)| jsapi::SubOrders {
                mchid: mchid.into(),
                attach: format!("attach {i}"),
                amount: jsapi::Amount {
                    total_amount: 100 * (i as i64 + 1),
                    currency: "CNY".into(),
                },
                out_trade_no: sub_no.clone(),
                sub_mchid: SUB.into(),
                description: format!("商品 {i}"),
                ..Default::default()
            })
            .collect(),
        combine_payer_info: jsapi::CombinePayerInfo {
            openid: Some(OPENID.into()),
            ..Default::default()
        },
        time_expire: Some(FUTURE.into()),
        notify_url: NOTIFY_URL.into(),
        ..Default::default()
    }
}

/// An APP combined order of the signer's own sub-orders (no `sub_mchid`),
/// 100 fen, 200 fen, …, with no payer named.
fn app_order(mchid: &str, no: &str, subs: &[String]) -> App {
    App {
        combine_appid: APPID.into(),
        combine_mchid: mchid.into(),
        combine_out_trade_no: no.into(),
        sub_orders: subs
            .iter()
            .enumerate()
            .map(|(i, sub_no)| app::SubOrders {
                mchid: mchid.into(),
                attach: format!("attach {i}"),
                amount: app::Amount {
                    total_amount: 100 * (i as i64 + 1),
                    currency: "CNY".into(),
                },
                out_trade_no: sub_no.clone(),
                description: format!("商品 {i}"),
                ..Default::default()
            })
            .collect(),
        time_expire: Some(FUTURE.into()),
        notify_url: NOTIFY_URL.into(),
        ..Default::default()
    }
}

fn native_order(mchid: &str, no: &str, subs: &[String]) -> Native {
    Native {
        combine_appid: APPID.into(),
        combine_mchid: mchid.into(),
        combine_out_trade_no: no.into(),
        scene_info: Some(native::SceneInfo {
            device_id: Some("POS1:1".into()),
            payer_client_ip: "14.17.22.32".into(),
        }),
        sub_orders: subs
            .iter()
            .map(|sub_no| native::SubOrders {
                mchid: mchid.into(),
                attach: "a".into(),
                amount: native::Amount {
                    total_amount: 300,
                    currency: "CNY".into(),
                },
                out_trade_no: sub_no.clone(),
                sub_mchid: SUB.into(),
                description: "扫码商品".into(),
                ..Default::default()
            })
            .collect(),
        notify_url: NOTIFY_URL.into(),
        ..Default::default()
    }
}

fn h5_order(mchid: &str, no: &str, subs: &[String]) -> H5 {
    H5 {
        combine_appid: APPID.into(),
        combine_mchid: mchid.into(),
        combine_out_trade_no: no.into(),
        scene_info: h5::SceneInfo {
            device_id: "POS1:1".into(),
            payer_client_ip: "14.17.22.32".into(),
            h5_info: h5::H5Info {
                r#type: "iOS".into(),
                ..Default::default()
            },
        },
        sub_orders: subs
            .iter()
            .map(|sub_no| h5::SubOrders {
                mchid: mchid.into(),
                attach: "a".into(),
                amount: h5::Amount {
                    total_amount: 150,
                    currency: "CNY".into(),
                },
                out_trade_no: sub_no.clone(),
                sub_mchid: SUB.into(),
                description: "H5 商品".into(),
                ..Default::default()
            })
            .collect(),
        notify_url: NOTIFY_URL.into(),
        ..Default::default()
    }
}

fn miniprogram_order(mchid: &str, no: &str, subs: &[String]) -> Miniprogram {
    Miniprogram {
        combine_appid: APPID.into(),
        combine_mchid: mchid.into(),
        combine_out_trade_no: no.into(),
        combine_payer_info: miniprogram::CombinePayerInfo {
            openid: OPENID.into(),
        },
        sub_orders: subs
            .iter()
            .enumerate()
            .map(|(i, sub_no)| miniprogram::SubOrders {
                mchid: mchid.into(),
                individual_auth_id: format!("AUTH{i}"),
                individual_name: Some(format!("小店{i}")),
                out_trade_no: sub_no.clone(),
                amount: miniprogram::Amount {
                    total_amount: 10,
                    currency: "CNY".into(),
                },
                attach: "a".into(),
                description: "个人收款".into(),
                ..Default::default()
            })
            .collect(),
        notify_url: Some(NOTIFY_URL.into()),
        ..Default::default()
    }
}

async fn query(client: &Client, no: &str) -> OutTradeNoResponse {
    client
        .call(OutTradeNo {
            combine_out_trade_no: no.into(),
        })
        .await
        .unwrap()
}

/// The sub-orders' `trade_state`s as the combined query reports them.
async fn states(client: &Client, no: &str) -> Vec<String> {
    query(client, no)
        .await
        .sub_orders
        .unwrap()
        .iter()
        .map(|s| s.trade_state.as_ref().unwrap().to_string())
        .collect()
}

/// The API error of a refused call: (status, code, detail field).
fn refusal<T: std::fmt::Debug>(
    result: Result<T, wxpay_core::Error>,
) -> (StatusCode, String, Option<String>) {
    let e = result.unwrap_err();
    let api = e.as_api().unwrap_or_else(|| panic!("{e:?}"));
    (
        e.status().unwrap(),
        e.code().unwrap().to_owned(),
        api.detail_field().map(str::to_owned),
    )
}

#[tokio::test]
async fn each_route_places_a_combined_order_and_answers_its_own_way() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    let no = trade_no("CJ");
    let jsapi = client
        .call(jsapi_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    assert!(jsapi.prepay_id.starts_with("wx"), "{}", jsapi.prepay_id);
    let q = query(&client, &no).await;
    assert_eq!(q.combine_mchid, mchid);
    assert_eq!(q.combine_appid, APPID);
    assert_eq!(q.combine_out_trade_no, no);
    assert_eq!(q.combine_payer_info.unwrap().openid, OPENID);
    let subs = q.sub_orders.unwrap();
    assert_eq!(subs.len(), 2);
    for (i, s) in subs.iter().enumerate() {
        assert_eq!(s.out_trade_no, sub_nos(&no, 2)[i]);
        assert_eq!(s.mchid, mchid);
        assert_eq!(s.sub_mchid.as_deref(), Some(SUB));
        assert_eq!(s.trade_state, Some(out_trade_no::TradeState::Notpay));
        assert_eq!(s.trade_type, Some(out_trade_no::TradeType::Jsapi));
        assert_eq!(s.transaction_id, None);
        let amount = s.amount.as_ref().unwrap();
        assert_eq!(amount.total_amount, 100 * (i as i64 + 1));
        assert_eq!(amount.payer_amount, 0);
    }
    // Each sub-order is an order of the sub-merchant, placed by the signer.
    let order = sandbox.order(SUB, &sub_nos(&no, 2)[1]).unwrap();
    assert_eq!(order.sp_mchid.as_deref(), Some(mchid.as_str()));
    assert_eq!((order.total, order.trade_state), (200, TradeState::Notpay));

    let no = trade_no("CM");
    let mini = client
        .call(miniprogram_order(&mchid, &no, &sub_nos(&no, 3)))
        .await
        .unwrap();
    assert!(mini.prepay_id.starts_with("wx"));
    let subs = query(&client, &no).await.sub_orders.unwrap();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[2].individual_auth_id.as_deref(), Some("AUTH2"));
    assert_eq!(subs[2].trade_type, Some(out_trade_no::TradeType::Jsapi));
    // Without sub_mchid, a sub-order is the signer's own.
    assert!(sandbox.order(&mchid, &sub_nos(&no, 3)[0]).is_some());

    let no = trade_no("CA");
    let answer = client
        .call(app_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    assert!(answer.prepay_id.starts_with("wx"));
    let q = query(&client, &no).await;
    assert_eq!(q.combine_payer_info, None, "no payer named yet");
    assert_eq!(
        q.sub_orders.unwrap()[0].trade_type,
        Some(out_trade_no::TradeType::App)
    );

    let no = trade_no("CN");
    let answer = client
        .call(native_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    assert!(
        answer.code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{}",
        answer.code_url
    );
    let q = query(&client, &no).await;
    assert_eq!(q.scene_info.unwrap().device_id.as_deref(), Some("POS1:1"));
    assert_eq!(
        q.sub_orders.unwrap()[1].trade_type,
        Some(out_trade_no::TradeType::Native)
    );

    let no = trade_no("CH");
    let answer = client
        .call(h5_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    assert!(
        answer.h5_url.starts_with("https://wx.tenpay.com/"),
        "{}",
        answer.h5_url
    );
    assert_eq!(
        query(&client, &no).await.sub_orders.unwrap()[0].trade_type,
        Some(out_trade_no::TradeType::Mweb)
    );
}

#[tokio::test]
async fn a_repeat_answers_the_same_and_a_changed_one_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("CR");
    let order = jsapi_order(&mchid, &no, &sub_nos(&no, 2));
    let first = client.call(order.clone()).await.unwrap();
    let again = client.call(order.clone()).await.unwrap();
    assert_eq!(first.prepay_id, again.prepay_id);

    let mut changed = order.clone();
    changed.sub_orders[0].amount.total_amount = 101;
    let (status, code, _) = refusal(client.call(changed).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    // The same number on another route is another order.
    let (_, code, _) = refusal(
        client
            .call(native_order(&mchid, &no, &sub_nos(&no, 2)))
            .await,
    );
    assert_eq!(code, "INVALID_REQUEST");
    let stored = sandbox.combine_order(&mchid, &no).unwrap();
    assert_eq!(stored.sub_orders.len(), 2);
    assert_eq!(sandbox.order(SUB, &sub_nos(&no, 2)[0]).unwrap().total, 100);
}

/// A change that spoils a good order.
type Change = Box<dyn Fn(&mut Jsapi)>;

#[tokio::test]
async fn bad_combined_orders_are_refused_and_leave_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    let cases: Vec<(&str, Change)> = vec![
        ("sub_orders", Box::new(|o| o.sub_orders.truncate(1))),
        (
            "sub_orders",
            Box::new(|o| {
                let one = o.sub_orders[0].clone();
                o.sub_orders = (0..51)
                    .map(|i| jsapi::SubOrders {
                        out_trade_no: format!("{}n{i}", one.out_trade_no),
                        ..one.clone()
                    })
                    .collect();
            }),
        ),
        (
            "sub_orders[1].out_trade_no",
            Box::new(|o| o.sub_orders[1].out_trade_no = o.sub_orders[0].out_trade_no.clone()),
        ),
        (
            "combine_mchid",
            Box::new(|o| o.combine_mchid = "1230000109".into()),
        ),
        (
            "sub_orders[0].mchid",
            Box::new(|o| o.sub_orders[0].mchid = "1230000109".into()),
        ),
        (
            "time_expire",
            Box::new(|o| o.time_expire = Some("2020-01-01T00:00:00+08:00".into())),
        ),
        (
            "sub_orders[1].amount.total_amount",
            Box::new(|o| o.sub_orders[1].amount.total_amount = 0),
        ),
        (
            "combine_payer_info.openid",
            Box::new(|o| o.combine_payer_info.openid = None),
        ),
    ];
    for (field, change) in cases {
        let no = trade_no("CB");
        let mut order = jsapi_order(&mchid, &no, &sub_nos(&no, 2));
        change(&mut order);
        let (status, code, detail) = refusal(client.call(order).await);
        assert_eq!(
            (status, code.as_str(), detail.as_deref()),
            (StatusCode::BAD_REQUEST, "PARAM_ERROR", Some(field)),
            "{field}"
        );
        assert!(sandbox.combine_order(&mchid, &no).is_none(), "{field}");
        assert!(sandbox.order(SUB, &sub_nos(&no, 2)[0]).is_none(), "{field}");
    }

    // A sub-order number another order of that merchant already has.
    let taken = trade_no("CT");
    client.call(common::order(&mchid, &taken)).await.unwrap();
    let no = trade_no("CB");
    let mut order = app_order(&mchid, &no, &sub_nos(&no, 2));
    order.sub_orders[1].out_trade_no = taken.clone();
    let (_, code, detail) = refusal(client.call(order).await);
    assert_eq!(code, "PARAM_ERROR");
    assert_eq!(detail.as_deref(), Some("sub_orders[1].out_trade_no"));
    assert!(sandbox.combine_order(&mchid, &no).is_none());
    assert!(sandbox.order(&mchid, &sub_nos(&no, 2)[0]).is_none());
    // The same number for another merchant is fine.
    let no = trade_no("CB");
    let mut order = jsapi_order(&mchid, &no, &sub_nos(&no, 2));
    order.sub_orders[1].out_trade_no = taken;
    client.call(order).await.unwrap();
}

#[tokio::test]
async fn queried_by_out_trade_no_and_by_combine_transaction_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("CQ");
    client
        .call(miniprogram_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    sandbox.pay_combine_order(&mchid, &no).unwrap();
    let by_no = query(&client, &no).await;
    let by_id = client
        .call(Id {
            combine_transaction_id: by_no.combine_transaction_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(by_id.combine_out_trade_no, no);
    assert_eq!(
        by_id.combine_payer_info.unwrap().openid.as_deref(),
        Some(OPENID)
    );
    assert_eq!(by_id.combine_transaction_id, by_no.combine_transaction_id);
    let brief = |subs: Vec<out_trade_no::SubOrders>| -> Vec<(String, Option<String>)> {
        subs.into_iter()
            .map(|s| (s.out_trade_no, s.transaction_id))
            .collect()
    };
    let id_subs: Vec<out_trade_no::SubOrders> = by_id
        .sub_orders
        .unwrap()
        .into_iter()
        .map(|s| out_trade_no::SubOrders {
            out_trade_no: s.out_trade_no,
            transaction_id: s.transaction_id,
            ..Default::default()
        })
        .collect();
    assert_eq!(brief(id_subs), brief(by_no.sub_orders.unwrap()));

    let (status, code, _) = refusal(
        client
            .call(OutTradeNo {
                combine_out_trade_no: "NO_SUCH_ORDER".into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
    let (status, _, _) = refusal(
        client
            .call(Id {
                combine_transaction_id: "4200000100000000000000000000".into(),
            })
            .await,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Only individual-collection (mini-program) orders are found by id.
    let other = trade_no("CQ");
    client
        .call(jsapi_order(&mchid, &other, &sub_nos(&other, 2)))
        .await
        .unwrap();
    let id = query(&client, &other).await.combine_transaction_id;
    assert!(!id.is_empty());
    let (status, code, _) = refusal(
        client
            .call(Id {
                combine_transaction_id: id,
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
}

/// What the receiver saw: the verified, decrypted notifications.
type Inbox = mpsc::UnboundedSender<RawNotification>;

async fn receive(
    State((client, inbox)): State<(Client, Inbox)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match client.open_notification(&headers, &body).await {
        Ok(n) => {
            let _ = inbox.send(n);
            StatusCode::NO_CONTENT
        }
        Err(e) => e.status(),
    }
}

/// A receiver on [`NOTIFY_PATH`] that verifies and decrypts with `client`.
async fn receiver(sandbox: &Sandbox, client: &Client) -> mpsc::UnboundedReceiver<RawNotification> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(NOTIFY_PATH, post(receive))
        .with_state((client.clone(), tx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    sandbox
        .set_notify_target(Some(&format!("http://{addr}")))
        .unwrap();
    rx
}

#[tokio::test]
async fn paying_sends_one_notification_with_the_combined_order() {
    let sandbox = Sandbox::builder()
        .notify_time_scale(0.01)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let mut inbox = receiver(&sandbox, &client).await;

    let no = trade_no("CP");
    let subs = sub_nos(&no, 3);
    client.call(jsapi_order(&mchid, &no, &subs)).await.unwrap();
    // The payer pays, through the control plane over HTTP.
    let (status, paid) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/combine-orders/{mchid}/{no}/pay"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let paid = paid.as_array().unwrap().clone();
    assert_eq!(paid.len(), 3);

    let n = tokio::time::timeout(WAIT, inbox.recv())
        .await
        .expect("the notification arrived in time")
        .unwrap();
    assert_eq!(n.envelope.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(n.envelope.original_type.as_deref(), Some("transaction"));
    let r = &n.resource;
    assert_eq!(r["combine_out_trade_no"], no.as_str());
    assert_eq!(r["combine_mchid"], mchid.as_str());
    assert_eq!(r["combine_appid"], APPID);
    assert_eq!(r["combine_payer_info"]["openid"], OPENID);
    let resource_subs = r["sub_orders"].as_array().unwrap();
    assert_eq!(resource_subs.len(), 3);
    for (i, s) in resource_subs.iter().enumerate() {
        assert_eq!(s["out_trade_no"], subs[i].as_str());
        assert_eq!(s["sub_mchid"], SUB);
        assert_eq!(s["trade_state"], "SUCCESS");
        assert_eq!(s["transaction_id"], paid[i]["transaction_id"]);
        assert_eq!(s["amount"]["total_amount"], 100 * (i as i64 + 1));
        assert_eq!(s["amount"]["payer_amount"], 100 * (i as i64 + 1));
        assert!(s["success_time"].is_string());
    }
    // What the notification says is what the query says.
    let q = query(&client, &no).await;
    let q_subs = q.sub_orders.unwrap();
    assert_eq!(
        r["combine_transaction_id"],
        q.combine_transaction_id.as_str()
    );
    for (s, qs) in resource_subs.iter().zip(&q_subs) {
        assert_eq!(s["transaction_id"], qs.transaction_id.as_deref().unwrap());
        assert_eq!(s["success_time"], qs.success_time.as_deref().unwrap());
    }

    // One notification for the whole, delivered; paying again is refused.
    let sent: Vec<_> = sandbox
        .notifications()
        .into_iter()
        .filter(|r| r.event_type == "TRANSACTION.SUCCESS")
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].notify_url, NOTIFY_URL);
    let record = sandbox
        .wait_for_notification(
            |r| r.id == n.envelope.id && r.state != DeliveryState::Pending,
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(record.state, DeliveryState::Delivered);
    assert!(matches!(
        sandbox.pay_combine_order(&mchid, &no),
        Err(SandboxError::InvalidState(_))
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(inbox.try_recv().is_err(), "no second notification");
}

#[tokio::test]
async fn a_payment_that_fails_and_orders_that_expire() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    let no = trade_no("CF");
    client
        .call(native_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    let failed = sandbox.fail_combine_order(&mchid, &no).unwrap();
    assert!(failed.iter().all(|o| o.trade_state == TradeState::Payerror));
    assert_eq!(states(&client, &no).await, ["PAYERROR", "PAYERROR"]);
    assert!(matches!(
        sandbox.pay_combine_order(&mchid, &no),
        Err(SandboxError::InvalidState(_))
    ));

    // Expired through the control plane.
    let no = trade_no("CE");
    client
        .call(h5_order(&mchid, &no, &sub_nos(&no, 2)))
        .await
        .unwrap();
    let path = format!("/sandbox/combine-orders/{mchid}/{no}/expire");
    let (status, answer) = control(&sandbox, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer[0]["trade_state"], "CLOSED");
    assert_eq!(states(&client, &no).await, ["CLOSED", "CLOSED"]);
    let (status, answer) = control(&sandbox, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["code"], "INVALID_STATE");
    let (status, _) = control(
        &sandbox,
        Method::POST,
        &format!("/sandbox/combine-orders/{mchid}/NO_SUCH/pay"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Expired by its time_expire passing.
    let no = trade_no("CX");
    let mut order = app_order(&mchid, &no, &sub_nos(&no, 2));
    order.time_expire = Some(wxpay_sandbox::time::format_china(now() + 2));
    client.call(order).await.unwrap();
    assert_eq!(states(&client, &no).await, ["NOTPAY", "NOTPAY"]);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(states(&client, &no).await, ["CLOSED", "CLOSED"]);
    assert!(matches!(
        sandbox.pay_combine_order(&mchid, &no),
        Err(SandboxError::InvalidState(_))
    ));
}

fn close(no: &str, subs: &[(&str, &str)]) -> out_trade_no::Close {
    out_trade_no::Close {
        combine_out_trade_no: no.into(),
        combine_appid: APPID.into(),
        sub_orders: subs
            .iter()
            .map(|(mchid, sub_no)| out_trade_no::close::SubOrders {
                mchid: (*mchid).into(),
                out_trade_no: (*sub_no).into(),
                sub_mchid: Some(SUB.into()),
                ..Default::default()
            })
            .collect(),
    }
}

#[tokio::test]
async fn closing_an_unpaid_combined_order_and_a_paid_one() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    let no = trade_no("CC");
    let subs = sub_nos(&no, 2);
    client.call(jsapi_order(&mchid, &no, &subs)).await.unwrap();
    let named: Vec<(&str, &str)> = subs.iter().map(|s| (mchid.as_str(), s.as_str())).collect();
    // The body must name the order's appid and its own sub-orders.
    let mut wrong_appid = close(&no, &named);
    wrong_appid.combine_appid = "wx0000000000000000".into();
    let (_, code, detail) = refusal(client.call(wrong_appid).await);
    assert_eq!(
        (code.as_str(), detail.as_deref()),
        ("PARAM_ERROR", Some("combine_appid"))
    );
    let (_, _, detail) = refusal(
        client
            .call(close(&no, &[(mchid.as_str(), "NOT_A_SUB_ORDER")]))
            .await,
    );
    assert_eq!(detail.as_deref(), Some("sub_orders[0].out_trade_no"));
    assert_eq!(states(&client, &no).await, ["NOTPAY", "NOTPAY"]);

    client.call(close(&no, &named)).await.unwrap();
    assert_eq!(states(&client, &no).await, ["CLOSED", "CLOSED"]);
    client.call(close(&no, &named)).await.unwrap(); // again: still fine
    assert_eq!(
        sandbox.order(SUB, &subs[0]).unwrap().trade_state,
        TradeState::Closed
    );

    let paid = trade_no("CC");
    let paid_subs = sub_nos(&paid, 2);
    client
        .call(jsapi_order(&mchid, &paid, &paid_subs))
        .await
        .unwrap();
    sandbox.pay_combine_order(&mchid, &paid).unwrap();
    let named: Vec<(&str, &str)> = paid_subs
        .iter()
        .map(|s| (mchid.as_str(), s.as_str()))
        .collect();
    let (status, code, _) = refusal(client.call(close(&paid, &named)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "ORDER_PAID")
    );
    assert_eq!(states(&client, &paid).await, ["SUCCESS", "SUCCESS"]);

    let (status, code, _) = refusal(client.call(close("NO_SUCH_ORDER", &named)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
}

fn refund(sub_mchid: Option<&str>, out_refund_no: &str, refund: i64, total: i64) -> PostRefunds {
    PostRefunds {
        sub_mchid: sub_mchid.map(str::to_owned),
        out_refund_no: out_refund_no.into(),
        notify_url: Some("https://www.weixin.qq.com/wxpay/refund.php".into()),
        amount: PostRefundsAmount {
            refund,
            from: None,
            total,
            currency: "CNY".into(),
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn a_sub_order_is_refunded_like_any_order_and_billed() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();

    // Partner sub-orders (sub_mchid), refunded by out_trade_no and by transaction_id.
    let no = trade_no("CF");
    let subs = sub_nos(&no, 2);
    client.call(jsapi_order(&mchid, &no, &subs)).await.unwrap();
    let paid = sandbox.pay_combine_order(&mchid, &no).unwrap();
    let second_id = paid[1].transaction_id.clone().unwrap();

    let mut first = refund(Some(SUB), &format!("R{no}a"), 30, 100);
    first.out_trade_no = Some(subs[0].clone());
    let answer = client.call(first).await.unwrap();
    assert_eq!(answer.out_trade_no, subs[0]);
    assert_eq!(
        answer.transaction_id,
        paid[0].transaction_id.clone().unwrap()
    );
    // More than what is left of the 100 fen: refused.
    let mut over = refund(Some(SUB), &format!("R{no}b"), 71, 100);
    over.out_trade_no = Some(subs[0].clone());
    let (_, code, _) = refusal(client.call(over).await);
    assert_eq!(code, "INVALID_REQUEST");
    // By transaction_id, the whole of the second sub-order.
    let mut whole = refund(Some(SUB), &format!("R{no}c"), 200, 200);
    whole.transaction_id = Some(second_id);
    client.call(whole).await.unwrap();
    // Without sub_mchid the signer has no such order.
    let mut direct = refund(None, &format!("R{no}d"), 10, 100);
    direct.out_trade_no = Some(subs[0].clone());
    let (status, _, _) = refusal(client.call(direct).await);
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(states(&client, &no).await, ["REFUND", "REFUND"]);
    let settled = sandbox
        .settle_refund(SUB, &format!("R{no}a"), RefundStatus::Success)
        .unwrap();
    assert_eq!(settled.refund, 30);
    let record = sandbox
        .wait_for_notification(
            |r| {
                r.event_type == "REFUND.SUCCESS" && r.resource["out_refund_no"] == format!("R{no}a")
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(record.resource["sub_mchid"], SUB);
    assert_eq!(record.resource["out_trade_no"], subs[0].as_str());

    // The signer's own sub-orders (no sub_mchid) are refunded without it.
    let own = trade_no("CO");
    let own_subs = sub_nos(&own, 2);
    client
        .call(app_order(&mchid, &own, &own_subs))
        .await
        .unwrap();
    sandbox.pay_combine_order(&mchid, &own).unwrap();
    let mut part = refund(None, &format!("R{own}"), 150, 200);
    part.out_trade_no = Some(own_subs[1].clone());
    client.call(part).await.unwrap();
    assert_eq!(states(&client, &own).await, ["SUCCESS", "REFUND"]);
    // The payer was made up when paying (the APP order named none).
    let q = query(&client, &own).await;
    assert!(q.combine_payer_info.unwrap().openid.starts_with("oSandbox"));

    // Today's trade bill lists every paid sub-order.
    let today = wxpay_sandbox::time::china_date(now());
    let file = client
        .call(Tradebill {
            bill_date: today,
            ..Default::default()
        })
        .await
        .unwrap();
    let text = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    let rows = TradeBillReader::new(text.as_ref())
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    for sub in subs.iter().chain(&own_subs) {
        let paid_row = rows
            .iter()
            .find(|r| &r.out_trade_no == sub && r.trade_state.as_deref() == Some("SUCCESS"))
            .unwrap_or_else(|| panic!("no payment line for {sub}"));
        let order = sandbox
            .order(if own_subs.contains(sub) { &mchid } else { SUB }, sub)
            .unwrap();
        assert_eq!(
            Some(&paid_row.transaction_id),
            order.transaction_id.as_ref()
        );
        assert_eq!(paid_row.settlement_total, Some(order.total));
    }
    let partner_row = rows.iter().find(|r| r.out_trade_no == subs[0]).unwrap();
    assert_eq!(partner_row.sub_mchid.as_deref(), Some(SUB));
    let refunds = rows
        .iter()
        .filter(|r| r.trade_state.as_deref() == Some("REFUND"))
        .count();
    assert_eq!(refunds, 3);
}

#[tokio::test]
async fn a_sub_order_moves_only_with_its_combined_order() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("CS");
    let subs = sub_nos(&no, 2);
    let placed = client.call(jsapi_order(&mchid, &no, &subs)).await.unwrap();

    // One sub-order alone can be neither paid, failed, expired nor closed.
    for refused in [
        sandbox.pay_order(SUB, &subs[0]),
        sandbox.fail_order(SUB, &subs[0]),
        sandbox.expire_order(SUB, &subs[0]),
    ] {
        match refused {
            Err(SandboxError::InvalidState(m)) => assert!(m.contains(&no), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let e = client
        .post_pay_partner_transactions_out_trade_no_close(
            wxpay::v3::pay::partner::transactions::out_trade_no::Close {
                out_trade_no: subs[0].clone(),
                sp_mchid: mchid.clone(),
                sub_mchid: SUB.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    assert_eq!(states(&client, &no).await, ["NOTPAY", "NOTPAY"]);

    // The front end's wx.requestPayment with the combined prepay_id pays the whole.
    let params = client.jsapi_pay_params(APPID, &placed.prepay_id).unwrap();
    let paid = sandbox.request_payment(&params).unwrap();
    assert_eq!(paid.trade_state, TradeState::Success);
    assert_eq!(states(&client, &no).await, ["SUCCESS", "SUCCESS"]);
}
