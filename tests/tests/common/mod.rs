//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use wxpay_core::v3::pay::transactions::{Amount, ContractInfo, JsapiWithContract, Payer};
use wxpay_core::v3::transfer::{Batches, TransferDetailInput};

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
