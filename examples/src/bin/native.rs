//! Native payment (扫码支付): places an order, draws its `code_url` as a QR
//! code in the terminal, and waits for the payment.
//!
//! ```text
//! cargo run -p wxpay-examples --bin native
//! ```
//!
//! Offline by default: the embedded sandbox plays the customer, who scans
//! the code and pays, and the signed, encrypted notification arrives at a
//! local receiver, which verifies and prints it.
//!
//! With `WXPAY_MCHID` and the other variables of the main example set
//! (`jsapi_with_contract`), it places a real order instead (`WXPAY_APPID`,
//! `WXPAY_NOTIFY_URL`): scan the code with WeChat on a phone, pay one fen,
//! and the example, which cannot receive your `notify_url`'s
//! notification, queries the order until it is paid (two minutes at most).

use std::io::IsTerminal;
use std::time::Duration;

use wxpay::notify::Event;
use wxpay::prelude::*;
use wxpay::v3::pay::transactions::native::Amount;
use wxpay::v3::pay::transactions::{Native, OutTradeNo, TradeState};
use wxpay_examples::config::{BoxError, or, order_number, real_client};
use wxpay_examples::qr;
use wxpay_examples::receiver::Receiver;
use wxpay_sandbox::Sandbox;

/// The order: one fen, paid by scanning.
fn order(client: &Client) -> Native {
    Native {
        appid: or("WXPAY_APPID", "wxd678efh567hg6787"),
        mchid: client.mchid().to_owned(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: order_number("WXPAYNATIVE"),
        notify_url: or("WXPAY_NOTIFY_URL", "https://www.example.com/wxpay/notify"),
        amount: Amount {
            total: 1,
            currency: Some("CNY".into()),
        },
        ..Default::default()
    }
}

/// Places the order and draws its code; the order number and `code_url`.
async fn place(client: &Client) -> Result<(String, String), BoxError> {
    let order = order(client);
    let out_trade_no = order.out_trade_no.clone();
    let answer = client.post_pay_transactions_native(order).await?;
    println!("order {out_trade_no} placed; scan to pay:");
    let drawing = qr::draw(&answer.code_url, std::io::stdout().is_terminal())?;
    println!("{}", drawing.trim_end_matches('\n'));
    println!("code_url: {}", answer.code_url);
    Ok((out_trade_no, answer.code_url))
}

/// Against the sandbox: the customer scans and pays, the platform notifies.
async fn offline() -> Result<(), BoxError> {
    let receiver = Receiver::bind().await?;
    let sandbox = Sandbox::builder()
        .notify_target(receiver.url())
        .start()
        .await?;
    println!(
        "no WXPAY_MCHID set: using the embedded sandbox at {}",
        sandbox.base_url()
    );
    let client = sandbox.client()?;
    let mut inbox = receiver.serve(client.clone());

    let (_, code_url) = place(&client).await?;
    sandbox.scan(&code_url)?;
    println!("the customer scanned the code and paid");

    let notification = inbox.next(Duration::from_secs(10)).await?;
    println!(
        "notification {} ({}), verified and decrypted:",
        notification.id(),
        notification.event_type()
    );
    match &notification.event {
        Event::TransactionSuccess(transaction) => {
            println!("{}", serde_json::to_string_pretty(transaction)?);
            Ok(())
        }
        other => Err(format!("expected a payment, got {other:?}").into()),
    }
}

/// Against WeChat Pay: a person scans; the example queries until paid.
async fn online(client: Client) -> Result<(), BoxError> {
    println!("talking to {}", client.base_url());
    let (out_trade_no, _) = place(&client).await?;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let order = client
            .get_pay_transactions_out_trade_no(OutTradeNo {
                out_trade_no: out_trade_no.clone(),
                mchid: client.mchid().to_owned(),
            })
            .await?;
        if order.trade_state != TradeState::Notpay {
            println!("trade_state: {:?}", order.trade_state);
            return Ok(());
        }
    }
    Err("not paid within two minutes; close the order or pay it later".into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    match real_client()? {
        Some(client) => online(client).await,
        None => offline().await,
    }
}
