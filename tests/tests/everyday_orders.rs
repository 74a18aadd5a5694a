//! Everyday orders against the sandbox, end to end: JSAPI, APP, Native,
//! H5 and code payments, direct and through a service provider. Each is
//! placed with the typed client, paid the way its payer pays (signed
//! front-end parameters, a scanned `code_url`, the control plane), and
//! then notified to an axum receiver that verifies and decrypts it,
//! queried both ways, refused closing, refunded twice in part (a third
//! refund over the rest refused), its refunds notified and queried, and
//! found in the day's trade bill.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::receiver::{self, Seen};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wxpay::prelude::*;
use wxpay::v3::bill::Tradebill;
use wxpay::v3::pay::partner;
use wxpay::v3::pay::transactions::{self, TradeState, TradeType};
use wxpay::v3::refund::domestic::{GetRefunds, PostRefunds, PostRefundsAmount, RefundStatus};
use wxpay_core::bill::{TradeBillReader, TradeBillRow};
use wxpay_core::notify::{Event, Notification};
use wxpay_core::pay_params::JsapiPayParams;
use wxpay_sandbox::{Sandbox, SandboxError};

use common::{OPENID, control, trade_no};

const WAIT: Duration = Duration::from_secs(10);
const PAY_URL: &str = "https://shop.example.com/everyday/pay";
const REFUND_URL: &str = "https://shop.example.com/everyday/refund";
const APPID: &str = "wxd678efh567hg6787";
const SP_APPID: &str = "wx8888888888888888";
const SUB_APPID: &str = "wxd678efh567hg6999";
const SUB: &str = "1900000111";

/// A sandbox, its merchant's client, and a receiver for its notifications.
struct Shop {
    sandbox: Sandbox,
    client: Client,
    mchid: String,
    inbox: mpsc::UnboundedReceiver<Seen>,
}

async fn shop_with(builder: wxpay_sandbox::SandboxBuilder) -> Shop {
    let sandbox = builder.notify_time_scale(0.01).start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (url, inbox) = receiver::listen(&client, &["/everyday/pay", "/everyday/refund"]).await;
    sandbox.set_notify_target(Some(&url)).unwrap();
    let mchid = client.mchid().to_owned();
    Shop {
        sandbox,
        client,
        mchid,
        inbox,
    }
}

async fn shop() -> Shop {
    shop_with(Sandbox::builder()).await
}

impl Shop {
    async fn next(&mut self) -> Notification {
        tokio::time::timeout(WAIT, self.inbox.recv())
            .await
            .expect("a notification in time")
            .expect("the receiver runs")
            .expect("the notification verifies")
    }

    /// Nothing more arrives for a while.
    async fn quiet(&mut self) {
        let more = tokio::time::timeout(Duration::from_millis(300), self.inbox.recv()).await;
        assert!(more.is_err(), "unexpected notification: {more:?}");
    }
}

/// `time_expire` `seconds` from now.
fn in_seconds(seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    wxpay_sandbox::time::format_china(now + seconds)
}

fn today() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    wxpay_sandbox::time::china_date(now)
}

fn amount(total: i64) -> transactions::jsapi::Amount {
    transactions::jsapi::Amount {
        total,
        currency: Some("CNY".into()),
    }
}

fn jsapi(mchid: &str, no: &str) -> transactions::Jsapi {
    transactions::Jsapi {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: no.into(),
        time_expire: Some(in_seconds(3600)),
        notify_url: PAY_URL.into(),
        amount: amount(100),
        payer: transactions::jsapi::Payer {
            openid: OPENID.into(),
            identity: None,
        },
        ..Default::default()
    }
}

fn native(mchid: &str, no: &str) -> transactions::Native {
    transactions::Native {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "QR".into(),
        out_trade_no: no.into(),
        notify_url: PAY_URL.into(),
        amount: amount(100),
        ..Default::default()
    }
}

fn app(mchid: &str, no: &str) -> transactions::App {
    transactions::App {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "in the app".into(),
        out_trade_no: no.into(),
        notify_url: PAY_URL.into(),
        amount: amount(100),
        ..Default::default()
    }
}

/// A merchant's H5 order, typed.
fn typed_h5(mchid: &str, no: &str) -> transactions::H5 {
    transactions::H5 {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "mobile web".into(),
        out_trade_no: no.into(),
        notify_url: PAY_URL.into(),
        amount: amount(100),
        scene_info: transactions::h5::SceneInfo {
            payer_client_ip: Some("14.23.150.211".into()),
            h5_info: Some(transactions::h5::H5Info {
                r#type: Some("Wap".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// An H5 order's body as JSON, to leave fields out or spoil them.
fn h5(mchid: &str, no: &str, partner: bool) -> Value {
    let mut body = json!({
        "description": "mobile web",
        "out_trade_no": no,
        "notify_url": PAY_URL,
        "amount": {"total": 100, "currency": "CNY"},
        "scene_info": {"payer_client_ip": "14.23.150.211", "h5_info": {"type": "Wap"}},
    });
    let parties = if partner {
        json!({"sp_appid": SP_APPID, "sp_mchid": mchid, "sub_mchid": SUB, "sub_appid": SUB_APPID})
    } else {
        json!({"appid": APPID, "mchid": mchid})
    };
    for (k, v) in parties.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// An order placed and paid, as the rest of its life needs it.
struct Paid {
    no: String,
    /// The merchant it belongs to (the sub-merchant of a partner order).
    owner: String,
    partner: bool,
    trade_type: TradeType,
    /// The payer's openid the notification and queries must name.
    openid: String,
}

/// What an order query reports, direct or partner.
#[derive(Debug, PartialEq)]
struct Looked {
    trade_state: TradeState,
    trade_type: Option<TradeType>,
    transaction_id: Option<String>,
    openid: Option<String>,
}

async fn look(shop: &Shop, paid: &Paid) -> Looked {
    let client = &shop.client;
    if !paid.partner {
        let by_no = client
            .get_pay_transactions_out_trade_no(transactions::OutTradeNo {
                out_trade_no: paid.no.clone(),
                mchid: shop.mchid.clone(),
            })
            .await
            .unwrap();
        let looked = Looked {
            trade_state: by_no.trade_state.clone(),
            trade_type: by_no.trade_type.clone(),
            transaction_id: by_no.transaction_id.clone(),
            openid: by_no.payer.as_ref().map(|p| p.openid.clone()),
        };
        if let Some(id) = &by_no.transaction_id {
            let by_id = client
                .get_pay_transactions_id_transaction_id(transactions::Id {
                    transaction_id: id.clone(),
                    mchid: shop.mchid.clone(),
                })
                .await
                .unwrap();
            assert_eq!(by_id, by_no);
        }
        return looked;
    }
    let by_no = client
        .get_pay_partner_transactions_out_trade_no(partner::transactions::OutTradeNo {
            out_trade_no: paid.no.clone(),
            sp_mchid: shop.mchid.clone(),
            sub_mchid: paid.owner.clone(),
        })
        .await
        .unwrap();
    if let Some(id) = &by_no.transaction_id {
        let by_id = client
            .get_pay_partner_transactions_id_transaction_id(partner::transactions::Id {
                transaction_id: id.clone(),
                sp_mchid: shop.mchid.clone(),
                sub_mchid: paid.owner.clone(),
            })
            .await
            .unwrap();
        assert_eq!(by_id, by_no);
    }
    Looked {
        trade_state: by_no.trade_state.clone(),
        trade_type: by_no.trade_type.clone(),
        transaction_id: by_no.transaction_id.clone(),
        openid: by_no.payer.as_ref().and_then(|p| p.sp_openid.clone()),
    }
}

async fn close(shop: &Shop, no: &str, owner: &str, partner: bool) -> Result<(), wxpay_core::Error> {
    if partner {
        shop.client
            .post_pay_partner_transactions_out_trade_no_close(
                partner::transactions::out_trade_no::Close {
                    out_trade_no: no.into(),
                    sp_mchid: shop.mchid.clone(),
                    sub_mchid: owner.into(),
                },
            )
            .await
            .map(drop)
    } else {
        shop.client
            .post_pay_transactions_out_trade_no_close(transactions::out_trade_no::Close {
                out_trade_no: no.into(),
                mchid: owner.into(),
            })
            .await
            .map(drop)
    }
}

fn refund(paid: &Paid, n: u32, amount: i64) -> PostRefunds {
    PostRefunds {
        sub_mchid: paid.partner.then(|| paid.owner.clone()),
        out_trade_no: Some(paid.no.clone()),
        out_refund_no: format!("R{n}{}", paid.no),
        notify_url: Some(REFUND_URL.into()),
        amount: PostRefundsAmount {
            refund: amount,
            from: None,
            total: 100,
            currency: "CNY".into(),
        },
        ..Default::default()
    }
}

/// The trade bill of today for the merchant (or the sub-merchant).
async fn bill_rows(shop: &Shop, sub_mchid: Option<&str>) -> Vec<TradeBillRow> {
    let file = shop
        .client
        .get_bill_tradebill(Tradebill {
            bill_date: today(),
            sub_mchid: sub_mchid.map(str::to_owned),
            ..Default::default()
        })
        .await
        .unwrap();
    let bytes = shop
        .client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    TradeBillReader::new(&bytes[..])
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// Everything after the payment: the notification, queries, closing,
/// refunds and their notifications, the bill.
async fn after_payment(shop: &mut Shop, paid: &Paid) {
    // The payment notification, verified and decrypted by the client.
    let n = shop.next().await;
    assert_eq!(n.event_type(), "TRANSACTION.SUCCESS");
    let (no, trade_type, state, openid, transaction_id) = match &n.event {
        Event::TransactionSuccess(t) if !paid.partner => (
            t.out_trade_no.clone(),
            t.trade_type.clone(),
            t.trade_state.clone(),
            t.payer.as_ref().map(|p| p.openid.clone()),
            t.transaction_id.clone(),
        ),
        Event::PartnerTransactionSuccess(t) if paid.partner => {
            assert_eq!(t.sub_mchid, paid.owner);
            assert_eq!(t.sp_mchid, shop.mchid);
            (
                t.out_trade_no.clone(),
                t.trade_type.clone(),
                t.trade_state.clone(),
                t.payer.as_ref().and_then(|p| p.sp_openid.clone()),
                t.transaction_id.clone(),
            )
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(no, paid.no);
    assert_eq!(trade_type.as_ref(), Some(&paid.trade_type));
    assert_eq!(state, TradeState::Success);
    assert_eq!(openid.as_deref(), Some(paid.openid.as_str()));

    // Both queries say the same as the notification.
    let looked = look(shop, paid).await;
    assert_eq!(
        looked,
        Looked {
            trade_state: TradeState::Success,
            trade_type: Some(paid.trade_type.clone()),
            transaction_id: transaction_id.clone(),
            openid: Some(paid.openid.clone()),
        }
    );

    // A paid order cannot be closed.
    let e = close(shop, &paid.no, &paid.owner, paid.partner)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_PAID"), "{e}");

    // Two partial refunds; a third over what is left is refused.
    let first = shop
        .client
        .post_refund_domestic_refunds(refund(paid, 1, 60))
        .await
        .unwrap();
    let second = shop
        .client
        .post_refund_domestic_refunds(refund(paid, 2, 30))
        .await
        .unwrap();
    let e = shop
        .client
        .post_refund_domestic_refunds(refund(paid, 3, 20))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    assert!(e.to_string().contains("10 fen"), "{e}");
    for (n, r) in [(1, &first), (2, &second)] {
        assert_eq!(r.transaction_id, transaction_id.clone().unwrap());
        shop.sandbox
            .settle_refund(
                &paid.owner,
                &format!("R{n}{}", paid.no),
                wxpay_sandbox::RefundStatus::Success,
            )
            .unwrap();
        let note = shop.next().await;
        let Event::RefundSuccess(r) = &note.event else {
            panic!("{:?}", note.event)
        };
        assert_eq!(r.out_refund_no, format!("R{n}{}", paid.no));
        assert_eq!(r.out_trade_no, paid.no);
        assert_eq!(r.refund_status, RefundStatus::Success);
        let queried = shop
            .client
            .get_refund_domestic_refunds_out_refund_no(GetRefunds {
                out_refund_no: format!("R{n}{}", paid.no),
                sub_mchid: paid.partner.then(|| paid.owner.clone()),
            })
            .await
            .unwrap();
        assert_eq!(queried.status, RefundStatus::Success);
        assert_eq!(queried.amount.refund, if n == 1 { 60 } else { 30 });
    }
    assert_eq!(look(shop, paid).await.trade_state, TradeState::Refund);

    // The day's trade bill lists the payment and both refunds.
    let rows = bill_rows(shop, paid.partner.then_some(paid.owner.as_str())).await;
    let mine: Vec<_> = rows.iter().filter(|r| r.out_trade_no == paid.no).collect();
    assert_eq!(mine.len(), 3, "{rows:?}");
    let payment = mine
        .iter()
        .find(|r| r.trade_state.as_deref() == Some("SUCCESS"))
        .unwrap();
    assert_eq!(
        payment.trade_type.as_deref(),
        Some(paid.trade_type.as_str())
    );
    assert_eq!(payment.openid.as_deref(), Some(paid.openid.as_str()));
    assert_eq!(Some(payment.transaction_id.clone()), transaction_id);
    let refunded: i64 = mine.iter().filter_map(|r| r.refund_amount).sum();
    assert_eq!(refunded, 90);
}

#[tokio::test]
async fn jsapi_paid_with_the_front_ends_parameters() {
    let mut shop = shop().await;
    let no = trade_no("J");
    let placed = shop
        .client
        .post_pay_transactions_jsapi(jsapi(&shop.mchid, &no))
        .await
        .unwrap();
    let params = shop
        .client
        .jsapi_pay_params(APPID, &placed.prepay_id)
        .unwrap();

    // A tampered paySign is refused, over HTTP and in Rust, and pays nothing.
    let mut tampered = params.clone();
    tampered.pay_sign = shop
        .client
        .jsapi_pay_params(APPID, &placed.prepay_id)
        .unwrap()
        .pay_sign;
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/request-payment",
        Some(serde_json::to_value(&tampered).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "SIGN_ERROR");
    assert!(
        body["message"].as_str().unwrap().contains("paySign"),
        "{body}"
    );
    let e = shop.sandbox.request_payment(&tampered).unwrap_err();
    assert!(matches!(e, SandboxError::Refused(_)), "{e:?}");
    assert_eq!(
        shop.sandbox.order(&shop.mchid, &no).unwrap().trade_state,
        wxpay_sandbox::TradeState::Notpay
    );

    // The parameters as the merchant made them pay the order, over HTTP.
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/request-payment",
        Some(serde_json::to_value(&params).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["trade_state"], "SUCCESS");
    // Once paid, the same parameters are refused.
    let e = shop.sandbox.request_payment(&params).unwrap_err();
    assert!(matches!(e, SandboxError::InvalidState(_)), "{e:?}");

    let paid = Paid {
        no,
        owner: shop.mchid.clone(),
        partner: false,
        trade_type: TradeType::Jsapi,
        openid: OPENID.into(),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn native_paid_by_scanning_its_code_url() {
    let mut shop = shop().await;
    let no = trade_no("N");
    let placed = shop
        .client
        .post_pay_transactions_native(native(&shop.mchid, &no))
        .await
        .unwrap();
    assert!(
        placed.code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{}",
        placed.code_url
    );
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/scan",
        Some(json!({"code_url": "weixin://wxpay/bizpayurl?pr=unknown"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/scan",
        Some(json!({ "code_url": placed.code_url })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paid = Paid {
        no,
        owner: shop.mchid.clone(),
        partner: false,
        trade_type: TradeType::Native,
        // Placed without a payer: the sandbox names the user who paid.
        openid: wxpay_sandbox::payer_openid(APPID),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn app_paid_with_the_apps_payreq() {
    let mut shop = shop().await;
    let no = trade_no("A");
    let placed = shop
        .client
        .post_pay_transactions_app(app(&shop.mchid, &no))
        .await
        .unwrap();
    let params = shop
        .client
        .app_pay_params(APPID, &placed.prepay_id)
        .unwrap();
    assert_eq!(params.partnerid, shop.mchid);
    // JSAPI parameters for an APP order are refused.
    let jsapi_params = shop
        .client
        .jsapi_pay_params(APPID, &placed.prepay_id)
        .unwrap();
    let e = shop.sandbox.request_payment(&jsapi_params).unwrap_err();
    assert!(e.to_string().contains("APP order"), "{e}");
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/request-payment",
        Some(serde_json::to_value(&params).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paid = Paid {
        no,
        owner: shop.mchid.clone(),
        partner: false,
        trade_type: TradeType::App,
        openid: wxpay_sandbox::payer_openid(APPID),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn h5_paid_through_the_control_plane() {
    let mut shop = shop().await;
    let no = trade_no("H");
    let placed = shop
        .client
        .post_pay_transactions_h5(typed_h5(&shop.mchid, &no))
        .await
        .unwrap();
    let url = placed.h5_url.as_str();
    let prepay_id = shop.sandbox.order(&shop.mchid, &no).unwrap().prepay_id;
    assert!(
        url.starts_with(&format!(
            "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package="
        )),
        "{url}"
    );
    // Without the payer's IP or the page type, refused.
    for (path, field) in [
        ("payer_client_ip", "scene_info.payer_client_ip"),
        ("h5_info", "scene_info.h5_info"),
    ] {
        let mut body = h5(&shop.mchid, &trade_no("H"), false);
        body["scene_info"].as_object_mut().unwrap().remove(path);
        let e = shop
            .client
            .request_json(Method::POST, "/v3/pay/transactions/h5", &[], Some(&body))
            .await
            .unwrap_err();
        assert_eq!(e.as_api().unwrap().detail_field(), Some(field), "{e}");
    }
    let mut body = h5(&shop.mchid, &trade_no("H"), false);
    body["scene_info"]["h5_info"]["type"] = json!("Desktop");
    let e = shop
        .client
        .request_json(Method::POST, "/v3/pay/transactions/h5", &[], Some(&body))
        .await
        .unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("scene_info.h5_info.type")
    );

    let path = format!("/sandbox/orders/{}/{no}/pay", shop.mchid);
    let (status, body) = control(&shop.sandbox, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let paid = Paid {
        no,
        owner: shop.mchid.clone(),
        partner: false,
        trade_type: TradeType::Mweb,
        openid: wxpay_sandbox::payer_openid(APPID),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn a_service_providers_app_order_is_paid_with_the_sub_merchant_as_partnerid() {
    let mut shop = shop().await;
    let no = trade_no("PA");
    let placed = shop
        .client
        .post_pay_partner_transactions_app(partner::transactions::App {
            sp_appid: SP_APPID.into(),
            sp_mchid: shop.mchid.clone(),
            sub_appid: Some(SUB_APPID.into()),
            sub_mchid: SUB.into(),
            description: "partner app".into(),
            out_trade_no: no.clone(),
            notify_url: PAY_URL.into(),
            amount: partner::transactions::app::Amount {
                total: 100,
                currency: None,
            },
            ..Default::default()
        })
        .await
        .unwrap();
    // The service provider's own id as partnerid is refused.
    let own = shop
        .client
        .app_pay_params(SUB_APPID, &placed.prepay_id)
        .unwrap();
    let e = shop.sandbox.request_app_payment(&own).unwrap_err();
    assert!(e.to_string().contains("partnerid"), "{e}");
    let params = shop
        .client
        .app_pay_params_for_sub_merchant(SUB, SUB_APPID, &placed.prepay_id)
        .unwrap();
    assert_eq!(params.partnerid, SUB);
    shop.sandbox.request_app_payment(&params).unwrap();
    let paid = Paid {
        no,
        owner: SUB.into(),
        partner: true,
        trade_type: TradeType::App,
        openid: wxpay_sandbox::payer_openid(SP_APPID),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn a_service_providers_native_jsapi_and_h5_orders() {
    let mut shop = shop().await;
    let sp = shop.mchid.clone();
    let no = trade_no("PN");
    let placed = shop
        .client
        .post_pay_partner_transactions_native(partner::transactions::Native {
            sp_appid: SP_APPID.into(),
            sp_mchid: sp.clone(),
            sub_mchid: SUB.into(),
            description: "partner QR".into(),
            out_trade_no: no.clone(),
            notify_url: PAY_URL.into(),
            amount: partner::transactions::native::Amount {
                total: 100,
                currency: None,
            },
            ..Default::default()
        })
        .await
        .unwrap();
    shop.sandbox.scan(&placed.code_url).unwrap();
    let paid = Paid {
        no,
        owner: SUB.into(),
        partner: true,
        trade_type: TradeType::Native,
        openid: wxpay_sandbox::payer_openid(SP_APPID),
    };
    after_payment(&mut shop, &paid).await;

    // JSAPI under the sub-merchant's appid: the front end signs with it.
    let no = trade_no("PJ");
    let placed = shop
        .client
        .post_pay_partner_transactions_jsapi(partner::transactions::Jsapi {
            sp_appid: SP_APPID.into(),
            sp_mchid: sp.clone(),
            sub_appid: Some(SUB_APPID.into()),
            sub_mchid: SUB.into(),
            description: "partner mini-program".into(),
            out_trade_no: no.clone(),
            notify_url: PAY_URL.into(),
            amount: partner::transactions::jsapi::Amount {
                total: 100,
                currency: None,
            },
            payer: partner::transactions::jsapi::Payer {
                sp_openid: "o-sp-payer".into(),
                sub_openid: Some("o-sub-payer".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let wrong = shop
        .client
        .jsapi_pay_params("wxf636efh567hg4356", &placed.prepay_id)
        .unwrap();
    let e = shop.sandbox.request_payment(&wrong).unwrap_err();
    assert!(e.to_string().contains("appId"), "{e}");
    let params = shop
        .client
        .jsapi_pay_params(SUB_APPID, &placed.prepay_id)
        .unwrap();
    shop.sandbox.request_payment(&params).unwrap();
    let paid = Paid {
        no,
        owner: SUB.into(),
        partner: true,
        trade_type: TradeType::Jsapi,
        openid: "o-sp-payer".into(),
    };
    after_payment(&mut shop, &paid).await;

    let no = trade_no("PH");
    let placed = shop
        .client
        .request_json(
            Method::POST,
            "/v3/pay/partner/transactions/h5",
            &[],
            Some(&h5(&sp, &no, true)),
        )
        .await
        .unwrap();
    assert!(placed["h5_url"].as_str().unwrap().contains("prepay_id=wx"));
    shop.sandbox.pay_order(SUB, &no).unwrap();
    let paid = Paid {
        no,
        owner: SUB.into(),
        partner: true,
        trade_type: TradeType::Mweb,
        openid: wxpay_sandbox::payer_openid(SP_APPID),
    };
    after_payment(&mut shop, &paid).await;
}

#[tokio::test]
async fn unpaid_orders_close_fail_and_expire() {
    let mut shop = shop().await;
    let mchid = shop.mchid.clone();
    let state = |shop: &Shop, no: &str| shop.sandbox.order(&shop.mchid, no).unwrap().trade_state;
    let unpaid = |no: &str| Paid {
        no: no.into(),
        owner: mchid.clone(),
        partner: false,
        trade_type: TradeType::Native,
        openid: String::new(),
    };

    // Closing an unpaid order.
    let closed = trade_no("C");
    shop.client
        .post_pay_transactions_native(native(&mchid, &closed))
        .await
        .unwrap();
    close(&shop, &closed, &mchid, false).await.unwrap();
    assert_eq!(
        look(&shop, &unpaid(&closed)).await.trade_state,
        TradeState::Closed
    );

    // The payment fails: PAYERROR, nothing notified, no more paying.
    let failed = trade_no("F");
    shop.client
        .post_pay_transactions_native(native(&mchid, &failed))
        .await
        .unwrap();
    let path = format!("/sandbox/orders/{mchid}/{failed}/fail");
    let (status, body) = control(&shop.sandbox, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["trade_state"], "PAYERROR");
    let (status, _) = control(&shop.sandbox, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        look(&shop, &unpaid(&failed)).await.trade_state,
        TradeState::Payerror
    );
    assert!(matches!(
        shop.sandbox.pay_order(&mchid, &failed),
        Err(SandboxError::InvalidState(_))
    ));

    // Let expire on command: CLOSED, and the code can no longer be paid.
    let expired = trade_no("E");
    let placed = shop
        .client
        .post_pay_transactions_native(native(&mchid, &expired))
        .await
        .unwrap();
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        &format!("/sandbox/orders/{mchid}/{expired}/expire"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["trade_state"]),
        (StatusCode::OK, &json!("CLOSED"))
    );
    assert!(matches!(
        shop.sandbox.scan(&placed.code_url),
        Err(SandboxError::InvalidState(_))
    ));

    // Expire by time: placed to end in 70 s, read after the platform's
    // clock moved 2 minutes on.
    let timed = trade_no("T");
    let mut order = jsapi(&mchid, &timed);
    order.time_expire = Some(in_seconds(70));
    let placed = shop
        .client
        .post_pay_transactions_jsapi(order)
        .await
        .unwrap();
    assert_eq!(state(&shop, &timed), wxpay_sandbox::TradeState::Notpay);
    shop.sandbox.set_clock_offset(120);
    assert_eq!(state(&shop, &timed), wxpay_sandbox::TradeState::Closed);
    assert_eq!(
        look(&shop, &unpaid(&timed)).await.trade_state,
        TradeState::Closed
    );
    let params = shop
        .client
        .jsapi_pay_params(APPID, &placed.prepay_id)
        .unwrap();
    let e = shop.sandbox.request_payment(&params).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
    shop.sandbox.set_clock_offset(0);
    shop.sandbox.expire_order(&mchid, &timed).unwrap(); // already closed: still fine
    assert!(matches!(
        shop.sandbox.expire_order(&mchid, "NO_SUCH_ORDER"),
        Err(SandboxError::NotFound(_))
    ));
    shop.quiet().await;
}

#[tokio::test]
async fn the_platforms_checks_on_placing() {
    let shop = shop().await;
    let mchid = shop.mchid.clone();
    let refused = |e: wxpay_core::Error| {
        let field = e.as_api().and_then(|a| a.detail_field()).map(str::to_owned);
        (e.code().map(str::to_owned), field)
    };

    // time_expire in the past, or less than a minute ahead.
    for seconds in [-60, 30] {
        let mut o = jsapi(&mchid, &trade_no("X"));
        o.time_expire = Some(in_seconds(seconds));
        let e = shop
            .client
            .post_pay_transactions_jsapi(o)
            .await
            .unwrap_err();
        assert_eq!(
            refused(e),
            (Some("PARAM_ERROR".into()), Some("time_expire".into()))
        );
    }
    // Amounts: positive, CNY.
    let mut o = native(&mchid, &trade_no("X"));
    o.amount.total = 0;
    let e = shop
        .client
        .post_pay_transactions_native(o)
        .await
        .unwrap_err();
    assert_eq!(refused(e).1.as_deref(), Some("amount.total"));
    let mut o = native(&mchid, &trade_no("X"));
    o.amount.currency = Some("USD".into());
    let e = shop
        .client
        .post_pay_transactions_native(o)
        .await
        .unwrap_err();
    assert_eq!(refused(e).1.as_deref(), Some("amount.currency"));

    // The same out_trade_no: the same body answers the same, another body
    // (or another kind of order) is refused.
    let no = trade_no("D");
    let first = shop
        .client
        .post_pay_transactions_native(native(&mchid, &no))
        .await
        .unwrap();
    let again = shop
        .client
        .post_pay_transactions_native(native(&mchid, &no))
        .await
        .unwrap();
    assert_eq!(first, again);
    let mut changed = native(&mchid, &no);
    changed.amount.total = 101;
    let e = shop
        .client
        .post_pay_transactions_native(changed)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    let mut as_app = app(&mchid, &no);
    as_app.description = "QR".into();
    let e = shop
        .client
        .post_pay_transactions_app(as_app)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");

    // Relations: an appid of nobody here, a sub-merchant of another
    // service provider, a sub_appid of another sub-merchant.
    let mut o = native(&mchid, &trade_no("R"));
    o.appid = "wx0000000000000000".into();
    let e = shop
        .client
        .post_pay_transactions_native(o)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        refused(e),
        (Some("APPID_MCHID_NOT_MATCH".into()), Some("appid".into()))
    );
    let partner_native = |sub: &str, sub_appid: Option<&str>| partner::transactions::Native {
        sp_appid: SP_APPID.into(),
        sp_mchid: mchid.clone(),
        sub_appid: sub_appid.map(str::to_owned),
        sub_mchid: sub.into(),
        description: "QR".into(),
        out_trade_no: trade_no("R"),
        notify_url: PAY_URL.into(),
        amount: partner::transactions::native::Amount {
            total: 1,
            currency: None,
        },
        ..Default::default()
    };
    let e = shop
        .client
        .post_pay_partner_transactions_native(partner_native("1900000999", None))
        .await
        .unwrap_err();
    assert_eq!(
        refused(e),
        (Some("PARAM_ERROR".into()), Some("sub_mchid".into()))
    );
    let e = shop
        .client
        .post_pay_partner_transactions_native(partner_native(SUB, Some(APPID)))
        .await
        .unwrap_err();
    assert_eq!(
        refused(e),
        (
            Some("APPID_MCHID_NOT_MATCH".into()),
            Some("sub_appid".into())
        )
    );
    let mut o = partner_native(SUB, None);
    o.sp_appid = SUB_APPID.into();
    let e = shop
        .client
        .post_pay_partner_transactions_native(o)
        .await
        .unwrap_err();
    assert_eq!(refused(e).1.as_deref(), Some("sp_appid"));
}

#[tokio::test]
async fn relations_are_configured_on_the_builder() {
    let shop = shop_with(
        Sandbox::builder()
            .default_relations(false)
            .appid(wxpay_sandbox::keys::DEFAULT_MCHID, "wx1111111111111111")
            .sub_merchant(
                wxpay_sandbox::keys::DEFAULT_MCHID,
                "1900000222",
                ["wx2222222222222222"],
            ),
    )
    .await;
    let mchid = shop.mchid.clone();
    // The defaults are gone.
    let e = shop
        .client
        .post_pay_transactions_native(native(&mchid, &trade_no("B")))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("APPID_MCHID_NOT_MATCH"), "{e}");
    let mut o = native(&mchid, &trade_no("B"));
    o.appid = "wx1111111111111111".into();
    shop.client.post_pay_transactions_native(o).await.unwrap();
    shop.client
        .post_pay_partner_transactions_native(partner::transactions::Native {
            sp_appid: "wx1111111111111111".into(),
            sp_mchid: mchid.clone(),
            sub_appid: Some("wx2222222222222222".into()),
            sub_mchid: "1900000222".into(),
            description: "QR".into(),
            out_trade_no: trade_no("B"),
            notify_url: PAY_URL.into(),
            amount: partner::transactions::native::Amount {
                total: 1,
                currency: None,
            },
            ..Default::default()
        })
        .await
        .unwrap();
}

fn codepay(mchid: &str, no: &str, auth_code: &str) -> transactions::Codepay {
    transactions::Codepay {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "at the till".into(),
        out_trade_no: no.into(),
        payer: transactions::codepay::Payer {
            auth_code: auth_code.into(),
        },
        amount: transactions::codepay::Amount {
            total: 100,
            currency: Some("CNY".into()),
        },
        scene_info: transactions::codepay::SceneInfo {
            device_id: Some("POS-1".into()),
            device_ip: None,
            store_info: transactions::codepay::StoreInfo {
                id: Some("0001".into()),
                out_id: None,
            },
        },
        ..Default::default()
    }
}

fn reverse(mchid: &str, no: &str) -> transactions::out_trade_no::Reverse {
    transactions::out_trade_no::Reverse {
        out_trade_no: no.into(),
        appid: APPID.into(),
        mchid: mchid.into(),
    }
}

#[tokio::test]
async fn code_payments_at_once_pending_declined_and_reversed() {
    let mut shop = shop().await;
    let mchid = shop.mchid.clone();
    let code = |suffix: &str| format!("13006109882800{suffix}");

    // Paid at once.
    let now = trade_no("M");
    let answer = shop
        .client
        .post_pay_transactions_codepay(codepay(&mchid, &now, &code("1234")))
        .await
        .unwrap();
    assert_eq!(answer.trade_state, "SUCCESS");
    assert_eq!(answer.trade_type.as_deref(), Some("MICROPAY"));
    assert_eq!(
        answer.payer.unwrap().openid,
        Some(wxpay_sandbox::payer_openid(APPID))
    );
    let paid = Paid {
        no: now.clone(),
        owner: mchid.clone(),
        partner: false,
        trade_type: TradeType::Micropay,
        openid: wxpay_sandbox::payer_openid(APPID),
    };
    let looked = look(&shop, &paid).await;
    assert_eq!(looked.trade_type, Some(TradeType::Micropay));
    assert_eq!(looked.transaction_id, answer.transaction_id);
    // The same request again answers the same payment.
    let again = shop
        .client
        .post_pay_transactions_codepay(codepay(&mchid, &now, &code("1234")))
        .await
        .unwrap();
    assert_eq!(again.transaction_id, answer.transaction_id);
    // A payment code is 18 digits starting with 10 to 15.
    let e = shop
        .client
        .post_pay_transactions_codepay(codepay(&mchid, &trade_no("M"), "990061098828001234"))
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("payer.auth_code"));

    // Waiting for the payer (202 USERPAYING), then confirmed.
    let pending = trade_no("M");
    let answer = shop
        .client
        .post_pay_transactions_codepay(codepay(
            &mchid,
            &pending,
            &code(wxpay_sandbox::AUTH_CODE_PENDING_SUFFIX),
        ))
        .await
        .unwrap();
    assert_eq!(answer.trade_state, "USERPAYING");
    assert!(answer.transaction_id.is_none());
    // The answer also carries the code that says so (a 202).
    let body = shop
        .client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/codepay",
            &[],
            Some(&json!({
                "appid": APPID, "mchid": mchid, "description": "at the till",
                "out_trade_no": trade_no("M"),
                "payer": {"auth_code": code(wxpay_sandbox::AUTH_CODE_PENDING_SUFFIX)},
                "amount": {"total": 1}, "scene_info": {"store_info": {}},
            })),
        )
        .await
        .unwrap();
    assert_eq!(body["code"], "USERPAYING");
    assert_eq!(body["trade_state"], "USERPAYING");
    let e = close(&shop, &pending, &mchid, false).await.unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    let pending_order = Paid {
        no: pending.clone(),
        ..paid
    };
    assert_eq!(
        look(&shop, &pending_order).await.trade_state,
        TradeState::Userpaying
    );
    shop.sandbox.pay_order(&mchid, &pending).unwrap();
    assert_eq!(
        look(&shop, &pending_order).await.trade_state,
        TradeState::Success
    );

    // Declined: 403 NOT_ENOUGH, the order PAYERROR.
    let declined = trade_no("M");
    let e = shop
        .client
        .post_pay_transactions_codepay(codepay(
            &mchid,
            &declined,
            &code(wxpay_sandbox::AUTH_CODE_DECLINED_SUFFIX),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(StatusCode::FORBIDDEN), Some("NOT_ENOUGH"))
    );
    assert_eq!(
        shop.sandbox.order(&mchid, &declined).unwrap().trade_state,
        wxpay_sandbox::TradeState::Payerror
    );

    // Reversing a pending payment: REVOKED, and it cannot be paid any more.
    let abandoned = trade_no("M");
    shop.client
        .post_pay_transactions_codepay(codepay(
            &mchid,
            &abandoned,
            &code(wxpay_sandbox::AUTH_CODE_PENDING_SUFFIX),
        ))
        .await
        .unwrap();
    let reversed = shop
        .client
        .post_pay_transactions_out_trade_no_reverse(reverse(&mchid, &abandoned))
        .await
        .unwrap();
    assert_eq!(reversed.out_trade_no, abandoned);
    assert_eq!(reversed.mchid, mchid);
    let abandoned_order = Paid {
        no: abandoned.clone(),
        ..pending_order
    };
    assert_eq!(
        look(&shop, &abandoned_order).await.trade_state,
        TradeState::Revoked
    );
    assert!(matches!(
        shop.sandbox.pay_order(&mchid, &abandoned),
        Err(SandboxError::InvalidState(_))
    ));
    // Reversing a paid one: REVOKED, no longer refundable.
    shop.client
        .post_pay_transactions_out_trade_no_reverse(reverse(&mchid, &now))
        .await
        .unwrap();
    let now_order = Paid {
        no: now.clone(),
        ..abandoned_order
    };
    assert_eq!(
        look(&shop, &now_order).await.trade_state,
        TradeState::Revoked
    );
    let e = shop
        .client
        .post_refund_domestic_refunds(refund(&now_order, 1, 10))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    // Only code payments are reversed; unknown orders are not found.
    let qr = trade_no("M");
    shop.client
        .post_pay_transactions_native(native(&mchid, &qr))
        .await
        .unwrap();
    let e = shop
        .client
        .post_pay_transactions_out_trade_no_reverse(reverse(&mchid, &qr))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    let e = shop
        .client
        .post_pay_transactions_out_trade_no_reverse(reverse(&mchid, "NO_SUCH_ORDER"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"), "{e}");

    // Code payments have no notify_url: nothing was notified. The bill
    // lists the confirmed one and the reversed one.
    shop.quiet().await;
    let rows = bill_rows(&shop, None).await;
    let row = |no: &str| rows.iter().find(|r| r.out_trade_no == no).unwrap();
    assert_eq!(row(&pending).trade_type.as_deref(), Some("MICROPAY"));
    assert_eq!(row(&pending).trade_state.as_deref(), Some("SUCCESS"));
    assert_eq!(row(&now).trade_state.as_deref(), Some("REVOKED"));
    assert!(rows.iter().all(|r| r.out_trade_no != declined));
}

#[tokio::test]
async fn a_service_providers_code_payment_and_its_reversal() {
    let shop = shop().await;
    let sp = shop.mchid.clone();
    let no = trade_no("PM");
    let answer = shop
        .client
        .post_pay_partner_transactions_codepay(partner::transactions::Codepay {
            sp_appid: Some(SP_APPID.into()),
            sp_mchid: sp.clone(),
            sub_appid: Some(SUB_APPID.into()),
            sub_mchid: SUB.into(),
            description: "partner till".into(),
            out_trade_no: no.clone(),
            payer: partner::transactions::codepay::Payer {
                auth_code: "134567890123456789".into(),
            },
            amount: partner::transactions::codepay::Amount {
                total: 100,
                currency: None,
            },
            scene_info: partner::transactions::codepay::SceneInfo {
                store_info: partner::transactions::codepay::StoreInfo {
                    id: Some("0001".into()),
                    out_id: None,
                },
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(answer.trade_state, "SUCCESS");
    assert_eq!(answer.sub_mchid, SUB);
    assert_eq!(answer.sp_mchid, sp);
    let reversed = shop
        .client
        .post_pay_partner_transactions_out_trade_no_reverse(
            partner::transactions::out_trade_no::Reverse {
                out_trade_no: no.clone(),
                sp_appid: Some(SP_APPID.into()),
                sp_mchid: sp.clone(),
                sub_appid: None,
                sub_mchid: SUB.into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(reversed.sub_mchid, SUB);
    assert_eq!(
        shop.sandbox.order(SUB, &no).unwrap().trade_state,
        wxpay_sandbox::TradeState::Revoked
    );
    // The direct route does not see the service provider's order.
    let e = shop
        .client
        .post_pay_transactions_out_trade_no_reverse(reverse(&sp, &no))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ORDER_NOT_EXIST"), "{e}");
}

#[tokio::test]
async fn request_payment_refuses_what_does_not_fit() {
    let shop = shop().await;
    let mchid = shop.mchid.clone();
    // Unknown prepay_id, a package that is not one, a signType other than RSA.
    let made = shop.client.jsapi_pay_params(APPID, "wx-unknown").unwrap();
    assert!(matches!(
        shop.sandbox.request_payment(&made),
        Err(SandboxError::NotFound(_))
    ));
    let broken = JsapiPayParams {
        package: "wx-unknown".into(),
        ..made.clone()
    };
    assert!(matches!(
        shop.sandbox.request_payment(&broken),
        Err(SandboxError::Refused(_))
    ));
    let (status, body) = control(
        &shop.sandbox,
        Method::POST,
        "/sandbox/payer/request-payment",
        Some(json!({"hello": "world"})),
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("PARAM_ERROR"))
    );
    // A signature by another key.
    let no = trade_no("S");
    let placed = shop
        .client
        .post_pay_transactions_jsapi(jsapi(&mchid, &no))
        .await
        .unwrap();
    let merchant = shop.sandbox.merchant().unwrap();
    let stranger = wxpay_core::Credentials::new(
        &merchant.mchid,
        &merchant.serial,
        wxpay_core::crypto::PrivateKey::generate().unwrap(),
    )
    .unwrap();
    let foreign = JsapiPayParams::sign(
        &stranger,
        APPID,
        &placed.prepay_id,
        1_700_000_000,
        &wxpay_core::protocol::Nonce::generate().unwrap(),
    )
    .unwrap();
    let e = shop.sandbox.request_payment(&foreign).unwrap_err();
    assert!(
        matches!(&e, SandboxError::Refused(m) if m.contains("does not verify")),
        "{e:?}"
    );
    // Its own parameters pay it.
    let own = shop
        .client
        .jsapi_pay_params(APPID, &placed.prepay_id)
        .unwrap();
    let order = shop.sandbox.request_payment(&own).unwrap();
    assert_eq!(order.trade_state, wxpay_sandbox::TradeState::Success);
    assert_eq!(order.payer_openid.as_deref(), Some(OPENID));
}
