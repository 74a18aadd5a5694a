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
//! [`VerifiedNotification`] extractor and a client configured with the
//! platform keys and the APIv3 key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use tokio::sync::mpsc;
use wxpay::notify::axum::VerifiedNotification;
use wxpay::notify::{Answer, Event, Notification};
use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::normal::pre_entrust_sign::MiniProgram;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay_sandbox::{DeliveryState, Sandbox};

/// What the receiver's handlers share: the client that verifies and
/// decrypts, and where to hand notifications on.
#[derive(Clone)]
struct Receiver {
    client: Client,
    received: mpsc::UnboundedSender<Notification>,
}

impl FromRef<Receiver> for Client {
    fn from_ref(receiver: &Receiver) -> Client {
        receiver.client.clone()
    }
}

/// The `notify_url` handler. A notification that does not verify never
/// gets here: the extractor answers it (401, 400 or 500 with
/// `{"code":"FAIL",…}`) and the platform sends it again later.
async fn notified(
    State(receiver): State<Receiver>,
    VerifiedNotification(notification): VerifiedNotification,
) -> Answer {
    let _ = receiver.received.send(notification);
    Answer::success() // 204: processed
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The receiver's socket first, so the sandbox knows where to deliver.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver_url = format!("http://{}", listener.local_addr()?);

    // The platform: notifications for https://www.example.com/wxpay/notify
    // go to http://127.0.0.1:port/wxpay/notify.
    let sandbox = Sandbox::builder()
        .notify_target(&receiver_url)
        .start()
        .await?;
    let client = sandbox.client()?;
    println!(
        "sandbox at {}, receiver at {receiver_url}",
        sandbox.base_url()
    );

    let (received, mut inbox) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/wxpay/notify", post(notified))
        .with_state(Receiver {
            client: client.clone(),
            received,
        });
    tokio::spawn(async move { axum::serve(listener, app).await });

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
    let notification = tokio::time::timeout(Duration::from_secs(10), inbox.recv())
        .await
        .map_err(|_| "no notification within 10 s")?
        .ok_or("the receiver stopped")?;
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
