//! Receives a payment notification: the embedded sandbox pays an order and
//! POSTs the signed, encrypted notification to a local axum receiver, which
//! verifies it over the raw body, decrypts it and prints the `Transaction`.
//!
//! ```text
//! cargo run -p wxpay-examples --bin notifications
//! ```
//!
//! Offline, no configuration. In production the receiver is the same: an
//! axum route at your `notify_url`'s path with the
//! [`VerifiedNotification`](wxpay::notify::axum::VerifiedNotification)
//! extractor (see `examples/src/receiver.rs`) and a client configured with the
//! platform keys and the APIv3 key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxpay::notify::Event;
use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::normal::pre_entrust_sign::MiniProgram;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay_examples::receiver::Receiver;
use wxpay_sandbox::{DeliveryState, Sandbox};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The receiver's socket first, so the sandbox knows where to deliver:
    // notifications for https://www.example.com/wxpay/notify go to
    // http://127.0.0.1:port/wxpay/notify.
    let receiver = Receiver::bind().await?;
    let sandbox = Sandbox::builder()
        .notify_target(receiver.url())
        .start()
        .await?;
    let client = sandbox.client()?;
    println!(
        "sandbox at {}, receiver at {}",
        sandbox.base_url(),
        receiver.url()
    );
    let mut inbox = receiver.serve(client.clone());

    // A JSAPI order under a password-free contract pre-signed just before.
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let appid = "wxd678efh567hg6787";
    let openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    let presign = client
        .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(MiniProgram {
            appid: appid.into(),
            service_id: 12535,
            out_contract_code: format!("WXPAYNC{now}"),
            notify_url: "https://www.example.com/wxpay/contract".into(),
            contract_display_account: "example user".into(),
            openid: openid.into(),
        })
        .await?;
    let out_trade_no = format!("WXPAYN{now}");
    let order = client
        .post_pay_transactions_jsapi_with_contract(JsapiWithContract {
            appid: appid.into(),
            mchid: client.mchid().to_owned(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: out_trade_no.clone(),
            notify_url: "https://www.example.com/wxpay/notify".into(),
            amount: Amount {
                total: 1,
                currency: Some("CNY".into()),
            },
            payer: Payer {
                openid: openid.into(),
            },
            contract_info: ContractInfo {
                token: Some(presign.pre_entrustweb_id),
                ..Default::default()
            },
            ..Default::default()
        })
        .await?;
    println!("order {out_trade_no} placed: prepay_id {}", order.prepay_id);

    // The user pays in WeChat; the platform notifies.
    sandbox.pay_order(client.mchid(), &out_trade_no)?;
    let notification = inbox.next(Duration::from_secs(10)).await?;
    println!(
        "received {} ({}), verified and decrypted",
        notification.id(),
        notification.event_type()
    );
    match &notification.event {
        Event::TransactionSuccess(transaction) => {
            println!("{}", serde_json::to_string_pretty(transaction)?);
        }
        other => return Err(format!("expected a payment, got {other:?}").into()),
    }

    // What the platform saw of the receiver's answer.
    let record = sandbox
        .wait_for_notification(
            |r| r.id == notification.id() && r.state != DeliveryState::Pending,
            Duration::from_secs(10),
        )
        .await?;
    if let Some(attempt) = record.attempts.last() {
        println!(
            "the receiver answered {:?} after {} attempt(s)",
            attempt.status,
            record.attempts.len()
        );
    }
    Ok(())
}
