//! Places a JSAPI order under a password-free contract and prints the
//! `prepay_id` and the `wx.requestPayment` parameters.
//!
//! ```text
//! cargo run -p wxpay-examples --bin jsapi_with_contract
//! ```
//!
//! With no configuration it starts the embedded sandbox and runs offline.
//! To talk to WeChat Pay instead, set:
//!
//! | variable | what |
//! |---|---|
//! | `WXPAY_MCHID` | merchant id |
//! | `WXPAY_MERCHANT_SERIAL` | merchant API certificate serial |
//! | `WXPAY_MERCHANT_KEY_FILE` | path of `apiclient_key.pem` |
//! | `WXPAY_PUBLIC_KEY_ID` | WeChat Pay public key id (`PUB_KEY_ID_…`) |
//! | `WXPAY_PUBLIC_KEY_FILE` | path of the WeChat Pay public key PEM |
//! | `WXPAY_BASE_URL` | optional; default `https://api.mch.weixin.qq.com` |
//! | `WXPAY_APPID`, `WXPAY_OPENID`, `WXPAY_NOTIFY_URL`, `WXPAY_CONTRACT_TOKEN` | the order's appid, payer, notification URL and pre-sign token (against the sandbox the example pre-signs one itself) |

use std::time::{SystemTime, UNIX_EPOCH};

use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::normal::pre_entrust_sign::MiniProgram;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay_examples::config::{client_or_sandbox, or, var};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the sandbox alive as long as the client talks to it.
    let (client, sandbox) = client_or_sandbox().await?;

    let appid = or("WXPAY_APPID", "wxd678efh567hg6787");
    let openid = or("WXPAY_OPENID", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let token = match (var("WXPAY_CONTRACT_TOKEN"), &sandbox) {
        (Some(token), _) => token,
        // Against the sandbox: pre-sign a contract first; its session id is the token.
        (None, Some(_)) => {
            let presign = client
                .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(
                    MiniProgram {
                        appid: appid.clone(),
                        service_id: 12535,
                        out_contract_code: format!("WXPAYRSC{now}"),
                        notify_url: "https://www.example.com/wxpay/contract".into(),
                        contract_display_account: "example user".into(),
                        openid: openid.clone(),
                    },
                )
                .await?;
            println!(
                "pre-signed: pre_entrustweb_id {}",
                presign.pre_entrustweb_id
            );
            presign.pre_entrustweb_id
        }
        (None, None) => {
            return Err("WXPAY_CONTRACT_TOKEN must be set along with WXPAY_MCHID".into());
        }
    };
    let request = JsapiWithContract {
        appid: appid.clone(),
        mchid: client.mchid().to_owned(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: format!("WXPAYRS{now}"),
        notify_url: or("WXPAY_NOTIFY_URL", "https://www.example.com/wxpay/notify"),
        amount: Amount {
            total: 1,
            currency: Some("CNY".into()),
        },
        payer: Payer { openid },
        contract_info: ContractInfo {
            token: Some(token),
            ..Default::default()
        },
        ..Default::default()
    };
    println!(
        "placing order {} for {} fen",
        request.out_trade_no, request.amount.total
    );

    match client
        .post_pay_transactions_jsapi_with_contract(request)
        .await
    {
        Ok(answer) => {
            println!("prepay_id: {}", answer.prepay_id);
            let params = client.jsapi_pay_params(&appid, &answer.prepay_id)?;
            println!(
                "wx.requestPayment parameters:\n{}",
                serde_json::to_string_pretty(&params)?
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("the order failed: {e}");
            if let Some(id) = e.request_id() {
                eprintln!("quote Request-ID {id} to WeChat Pay support");
            }
            Err(e.into())
        }
    }
}
