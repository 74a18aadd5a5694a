//! A mini-program payment (JSAPI): places an order, signs the
//! `wx.requestPayment` parameters, lets the customer pay with them, then
//! refunds part of it; both notifications are received and printed.
//!
//! ```text
//! cargo run -p wxpay-examples --bin jsapi
//! ```
//!
//! Offline: the embedded sandbox plays the mini-program (it checks the
//! parameters' `paySign` against the merchant's certificate before paying)
//! and the platform (it notifies a local receiver, which verifies and
//! decrypts). The refund is settled the way the platform would settle it.

use std::time::Duration;

use wxpay::notify::Event;
use wxpay::prelude::*;
use wxpay::v3::pay::transactions::jsapi::{Amount, Payer};
use wxpay::v3::pay::transactions::{Jsapi, OutTradeNo};
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
use wxpay_examples::config::{BoxError, order_number};
use wxpay_examples::receiver::{Inbox, Receiver};
use wxpay_sandbox::{RefundStatus, Sandbox};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const NOTIFY_URL: &str = "https://www.example.com/wxpay/notify";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let receiver = Receiver::bind().await?;
    let sandbox = Sandbox::builder()
        .notify_target(receiver.url())
        .refund_notify_url(NOTIFY_URL)
        .start()
        .await?;
    let client = sandbox.client()?;
    let mut inbox = receiver.serve(client.clone());
    let mchid = client.mchid().to_owned();

    // The merchant's server places the order for the signed-in customer.
    let out_trade_no = order_number("WXPAYJSAPI");
    let order = client
        .post_pay_transactions_jsapi(Jsapi {
            appid: APPID.into(),
            mchid: mchid.clone(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: out_trade_no.clone(),
            notify_url: NOTIFY_URL.into(),
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
    println!("order {out_trade_no} placed: prepay_id {}", order.prepay_id);

    // ... signs what the mini-program passes to wx.requestPayment ...
    let params = client.jsapi_pay_params(APPID, &order.prepay_id)?;
    println!(
        "wx.requestPayment parameters:\n{}",
        serde_json::to_string_pretty(&params)?
    );

    // ... and the customer pays with them.
    sandbox.request_payment(&params)?;
    let paid = inbox.next(Duration::from_secs(10)).await?;
    let Event::TransactionSuccess(transaction) = &paid.event else {
        return Err(format!("expected a payment, got {:?}", paid.event).into());
    };
    println!(
        "paid: {:?}, {} fen, transaction {}, notification {}",
        transaction.trade_state,
        transaction.amount.payer_total.unwrap_or_default(),
        transaction.transaction_id.as_deref().unwrap_or("?"),
        paid.id()
    );

    refund_part(&client, &sandbox, &mut inbox, &out_trade_no).await?;

    let order = client
        .get_pay_transactions_out_trade_no(OutTradeNo {
            out_trade_no,
            mchid,
        })
        .await?;
    println!("the order now reads {:?}", order.trade_state);
    Ok(())
}

/// Part of the order is returned: 30 of its 100 fen go back, the platform
/// pays them and notifies.
async fn refund_part(
    client: &Client,
    sandbox: &Sandbox,
    inbox: &mut Inbox,
    out_trade_no: &str,
) -> Result<(), BoxError> {
    let out_refund_no = order_number("WXPAYREFUND");
    let refund = client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: Some(out_trade_no.to_owned()),
            out_refund_no: out_refund_no.clone(),
            reason: Some("one item returned".into()),
            amount: PostRefundsAmount {
                refund: 30,
                total: 100,
                currency: "CNY".into(),
                from: None,
            },
            ..Default::default()
        })
        .await?;
    println!("refund {} asked: {:?}", refund.refund_id, refund.status);

    sandbox.settle_refund(client.mchid(), &out_refund_no, RefundStatus::Success)?;
    let refunded = inbox.next(Duration::from_secs(10)).await?;
    let Event::RefundSuccess(notice) = &refunded.event else {
        return Err(format!("expected a refund, got {:?}", refunded.event).into());
    };
    println!(
        "refunded: {} fen of {} ({:?}), notification {}",
        notice.amount.refund,
        notice.amount.total,
        notice.refund_status,
        refunded.id()
    );
    Ok(())
}
