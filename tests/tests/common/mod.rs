//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

pub mod receiver;

use std::sync::atomic::{AtomicU32, Ordering};

use http::{Method, StatusCode};
use wxpay::prelude::*;
use wxpay::v3::password_exempt_contract::contracts::normal::pre_entrust_sign::{
    MiniProgram, MiniProgramResponse,
};
use wxpay::v3::pay::partner;
use wxpay::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay::v3::transfer::{Batches, TransferDetailInput};
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_sandbox::Sandbox;

/// The payer of every test order.
pub const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A distinct, valid `out_trade_no` per call.
pub fn trade_no(tag: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!(
        "T{tag}{}x{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// A valid jsapi-with-contract order for `mchid` that signs a contract
/// while paying (template `plan_id` and a contract number), so it needs no
/// pre-sign.
pub fn order(mchid: &str, out_trade_no: &str) -> JsapiWithContract {
    order_under(
        mchid,
        out_trade_no,
        ContractInfo {
            plan_id: Some("3484306348".into()),
            contract_code: Some(format!("C{out_trade_no}")),
            ..Default::default()
        },
    )
}

/// A valid jsapi-with-contract order under the given contract block.
pub fn order_under(mchid: &str, out_trade_no: &str, contract: ContractInfo) -> JsapiWithContract {
    JsapiWithContract {
        appid: "wxd678efh567hg6787".into(),
        mchid: mchid.into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: out_trade_no.into(),
        time_expire: Some("2030-06-08T10:34:56+08:00".into()),
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        amount: Amount {
            total: 100,
            currency: Some("CNY".into()),
        },
        payer: Payer {
            openid: OPENID.into(),
        },
        contract_info: contract,
        ..Default::default()
    }
}

/// A partner jsapi-with-contract order the sandbox's merchant, as service
/// provider, places for `sub_mchid` (signing a contract while paying).
pub fn partner_order(
    sub_mchid: &str,
    out_trade_no: &str,
) -> partner::transactions::JsapiWithContract {
    partner::transactions::JsapiWithContract {
        sp_appid: "wx8888888888888888".into(),
        sp_mchid: wxpay_sandbox::keys::DEFAULT_MCHID.into(),
        sub_appid: Some("wxd678efh567hg6999".into()),
        sub_mchid: sub_mchid.into(),
        description: "partner order".into(),
        out_trade_no: out_trade_no.into(),
        notify_url: "https://www.weixin.qq.com/wxpay/partner.php".into(),
        amount: Amount {
            total: 100,
            currency: None,
        },
        payer: partner::transactions::Payer {
            sp_openid: Some("o-sp".into()),
            sub_openid: Some("o-sub".into()),
        },
        contract_info: ContractInfo {
            plan_id: Some("3484306348".into()),
            contract_code: Some(format!("C{out_trade_no}")),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A mini-program pre-sign request of a direct merchant.
pub fn pre_sign_request(service_id: u64, out_contract_code: &str) -> MiniProgram {
    MiniProgram {
        appid: "wxd678efh567hg6787".into(),
        service_id,
        out_contract_code: out_contract_code.into(),
        notify_url: "https://yourapp.com/notify".into(),
        contract_display_account: "微信代扣用户A".into(),
        openid: OPENID.into(),
    }
}

/// Pre-signs a contract over HTTP; its `pre_entrustweb_id` is the token
/// for orders.
pub async fn pre_sign(
    client: &Client,
    service_id: u64,
    out_contract_code: &str,
) -> MiniProgramResponse {
    client
        .post_password_exempt_contract_contracts_normal_pre_entrust_sign_mini_program(
            pre_sign_request(service_id, out_contract_code),
        )
        .await
        .expect("pre-sign succeeds")
}

/// Calls a `/sandbox/…` control route over HTTP: status and JSON body
/// (`Null` when empty).
pub async fn control(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let transport = HyperTransport::builder()
        .allow_http(true)
        .build()
        .expect("transport");
    let bytes = body
        .map(|b| serde_json::to_vec(&b).expect("json"))
        .unwrap_or_default();
    let request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(bytes))
        .expect("request");
    let answer = transport
        .send(request)
        .await
        .expect("control call answered");
    let status = answer.status();
    let json = if answer.body().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(answer.body()).expect("control answers JSON")
    };
    (status, json)
}
/// A valid two-transfer batch; the first transfer carries an identity card
/// number too, so three fields are encrypted.
pub fn transfer_batch(out_batch_no: &str) -> Batches {
    let detail = |n: u32, id_card: Option<&str>| TransferDetailInput {
        out_detail_no: format!("{out_batch_no}d{n}"),
        transfer_amount: 150 * i64::from(n),
        transfer_remark: "报销".into(),
        openid: format!("o-MYE42l80oelYMDE34nYD456X{n}"),
        user_name: format!("张{n}"),
        user_id_card: id_card.map(str::to_owned),
    };
    Batches {
        appid: "wxf636efh567hg4356".into(),
        out_batch_no: out_batch_no.into(),
        batch_name: "2019年1月深圳分部报销单".into(),
        batch_remark: "2019年1月深圳分部报销单".into(),
        total_amount: 450,
        total_num: 2,
        transfer_detail_list: vec![detail(1, Some("11010119900307000X")), detail(2, None)],
        transfer_scene_id: "1001".into(),
        notify_url: None,
    }
}

/// A refund that ended `ABNORMAL`: an order placed, paid, refunded in full,
/// and the refund settled as abnormal. Returns `(refund_id, out_refund_no)`.
pub async fn abnormal_refund(sandbox: &Sandbox, client: &Client) -> (String, String) {
    use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
    let mchid = client.mchid().to_owned();
    let no = trade_no("AB");
    client.call(order(&mchid, &no)).await.expect("order placed");
    sandbox.pay_order(&mchid, &no).expect("order paid");
    let out_refund_no = format!("R{no}");
    let refund = client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: Some(no),
            out_refund_no: out_refund_no.clone(),
            amount: PostRefundsAmount {
                refund: 100,
                from: None,
                total: 100,
                currency: "CNY".into(),
            },
            ..Default::default()
        })
        .await
        .expect("refund accepted");
    sandbox
        .settle_refund(
            &mchid,
            &out_refund_no,
            wxpay_sandbox::RefundStatus::Abnormal,
        )
        .expect("refund settled as abnormal");
    (refund.refund_id, out_refund_no)
}

/// The fixtures' merchant as the sandbox knows it (its real API
/// certificate and private key, for mutual TLS), and that certificate and
/// key as PEM for the client.
pub fn fixture_merchant() -> (wxpay_sandbox::Merchant, Vec<u8>, Vec<u8>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let cert_pem = std::fs::read(format!("{dir}/merchant_cert.pem")).unwrap();
    let key_pem = std::fs::read(format!("{dir}/merchant_key.pem")).unwrap();
    let cert = wxpay_core::crypto::Certificate::from_pem(&cert_pem).unwrap();
    let merchant = wxpay_sandbox::Merchant {
        mchid: wxpay_sandbox::keys::DEFAULT_MCHID.into(),
        serial: cert.serial().to_owned(),
        public_key: cert.public_key().clone(),
        private_key: Some(wxpay_core::crypto::PrivateKey::from_pem(&key_pem).unwrap()),
        apiv3_key: wxpay_sandbox::keys::DEFAULT_APIV3_KEY.into(),
    };
    (merchant, cert_pem, key_pem)
}
