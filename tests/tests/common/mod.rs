//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use wxpay_core::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};

/// A distinct, valid `out_trade_no` per call.
pub fn trade_no(tag: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!(
        "T{tag}{}x{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// A valid jsapi-with-contract order for `mchid`.
pub fn order(mchid: &str, out_trade_no: &str) -> JsapiWithContract {
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
            openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        },
        contract_info: ContractInfo {
            token: Some("201710180325670965".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}
