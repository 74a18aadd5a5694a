//! `POST /v3/pay/partner/transactions/jsapi-with-contract` (服务商 JSAPI下单并授权).

use serde::{Deserialize, Serialize};

use super::Payer;
use crate::transactions::{Amount, ContractInfo, Detail, SceneInfo, SettleInfo};
use wxpay_core::endpoint;

/// Places a JSAPI order for a sub-merchant under a password-free contract,
/// or signs the contract while paying: the partner form of
/// [`v3::pay::transactions::JsapiWithContract`](crate::transactions::JsapiWithContract).
///
/// Front-end parameters come from the answer's `prepay_id` through
/// [`Client::jsapi_pay_params`](wxpay_core::Client::jsapi_pay_params), with the
/// appid the payer uses (`sub_appid` when the payer is identified by
/// `sub_openid`, else `sp_appid`).
#[endpoint(
    POST,
    "/v3/pay/partner/transactions/jsapi-with-contract",
    response = JsapiWithContractResponse
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsapiWithContract {
    /// The service provider's appid.
    pub sp_appid: String,
    /// The service provider's merchant id (the one signing the request).
    pub sp_mchid: String,
    /// The sub-merchant's appid, when the payer uses it.
    pub sub_appid: Option<String>,
    /// The sub-merchant the order is for.
    pub sub_mchid: String,
    /// What is sold, as shown to the payer (at most 127 characters).
    pub description: String,
    /// The sub-merchant's order number: 6–32 characters of letters, digits,
    /// `_`, `-`, `|` and `*`.
    pub out_trade_no: String,
    /// When the order stops accepting payment, RFC 3339.
    pub time_expire: Option<String>,
    /// Free text returned unchanged in queries and notifications (at most 128 bytes).
    pub attach: Option<String>,
    /// HTTPS URL, without a query string, that receives the payment notification.
    pub notify_url: String,
    /// Tag that makes the order eligible for matching discount campaigns.
    pub goods_tag: Option<String>,
    /// Settlement options, such as profit sharing.
    pub settle_info: Option<SettleInfo>,
    /// Whether the payer may request an electronic invoice from the payment receipt.
    pub support_fapiao: Option<bool>,
    /// How much to charge.
    pub amount: Amount,
    /// Who pays (`sp_openid` or `sub_openid`).
    pub payer: Payer,
    /// Line items, for single-goods discounts.
    pub detail: Option<Detail>,
    /// Where the payment takes place.
    pub scene_info: Option<SceneInfo>,
    /// The contract to pay under, or to sign while paying.
    pub contract_info: ContractInfo,
}

/// The answer to the partner [`JsapiWithContract`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiWithContractResponse {
    /// The prepayment session id (valid two hours).
    pub prepay_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn body_uses_partner_fields_and_omits_none() {
        let req = JsapiWithContract {
            sp_appid: "wx8888888888888888".into(),
            sp_mchid: "1230000109".into(),
            sub_mchid: "1900000109".into(),
            description: "d".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            amount: Amount {
                total: 1,
                currency: Some("CNY".into()),
            },
            payer: Payer {
                sp_openid: None,
                sub_openid: Some("o-sub".into()),
            },
            contract_info: ContractInfo {
                password_free_contract_id: Some("C1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 9, "{v}");
        assert_eq!(v["payer"], serde_json::json!({"sub_openid": "o-sub"}));
        assert_eq!(
            v["contract_info"],
            serde_json::json!({"password_free_contract_id": "C1"})
        );
        assert!(v.get("sub_appid").is_none());
        assert_eq!(
            JsapiWithContract::PATH,
            "/v3/pay/partner/transactions/jsapi-with-contract"
        );
    }
}
