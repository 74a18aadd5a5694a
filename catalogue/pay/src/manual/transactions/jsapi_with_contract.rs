//! `POST /v3/pay/transactions/jsapi-with-contract` (JSAPI下单并授权).

use serde::{Deserialize, Serialize};

use super::{Amount, Detail, Payer, SceneInfo, SettleInfo};
use wxpay_core::endpoint;

/// Places a JSAPI order (official account or mini-program) under a
/// password-free payment contract, or signs the contract while paying.
///
/// The merchant first gets a pre-sign `token` (or an existing
/// `password_free_contract_id`), then places the order with it in
/// [`contract_info`](Self::contract_info). The answer's `prepay_id` is what
/// the front end needs: turn it into `wx.requestPayment` parameters with
/// [`Client::jsapi_pay_params`](wxpay_core::Client::jsapi_pay_params).
///
/// Sending the same `out_trade_no` again with the same content returns the
/// same `prepay_id`, so retrying after a timeout is safe.
#[endpoint(POST, "/v3/pay/transactions/jsapi-with-contract", response = JsapiWithContractResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsapiWithContract {
    /// The official account or mini-program appid the payer uses; it must be
    /// bound to the merchant.
    pub appid: String,
    /// The merchant id placing the order.
    pub mchid: String,
    /// What is sold, as shown to the payer (at most 127 characters).
    pub description: String,
    /// The merchant's order number: 6–32 characters of letters, digits,
    /// `_`, `-`, `|` and `*`, unique per merchant.
    pub out_trade_no: String,
    /// When the order stops accepting payment, RFC 3339
    /// (`2018-06-08T10:34:56+08:00`).
    pub time_expire: Option<String>,
    /// Free text returned unchanged in queries and notifications (at most 128 bytes).
    pub attach: Option<String>,
    /// HTTPS URL, without a query string, that receives the payment notification.
    pub notify_url: String,
    /// Tag that makes the order eligible for matching discount campaigns.
    pub goods_tag: Option<String>,
    /// Whether the payer may request an electronic invoice from the payment receipt.
    pub support_fapiao: Option<bool>,
    /// How much to charge.
    pub amount: Amount,
    /// Who pays.
    pub payer: Payer,
    /// Line items, for single-goods discounts.
    pub detail: Option<Detail>,
    /// Where the payment takes place.
    pub scene_info: Option<SceneInfo>,
    /// Settlement options, such as profit sharing.
    pub settle_info: Option<SettleInfo>,
    /// The contract to pay under, or to sign while paying.
    pub contract_info: ContractInfo,
}

/// The password-free contract an order is placed under.
///
/// Give either a pre-sign `token` (the user signs while paying) or an
/// existing `password_free_contract_id`; the other fields describe the
/// contract to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// The pre-authorisation token from the pre-sign call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// An existing password-free contract to charge under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_free_contract_id: Option<String>,
    /// The contract template configured in the merchant platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The merchant id the contract is signed with, when it differs from the payee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_mchid: Option<String>,
    /// The appid the contract is signed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_appid: Option<String>,
    /// The merchant's own contract number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_code: Option<String>,
    /// The merchant's serial number for this signing request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_serial: Option<String>,
    /// How the user's account is shown on the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// HTTPS URL that receives the contract notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_notify_url: Option<String>,
}

/// The answer to [`JsapiWithContract`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiWithContractResponse {
    /// The prepayment session id (valid two hours) from which the front-end
    /// parameters are made.
    pub prepay_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual::test_vectors as tv;
    use crate::transactions::{Amount, Payer};
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    fn vector_request() -> JsapiWithContract {
        JsapiWithContract {
            appid: "wxd678efh567hg6787".into(),
            mchid: "1900000109".into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            time_expire: Some("2018-06-08T10:34:56+08:00".into()),
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

    #[test]
    fn body_matches_the_vector_byte_for_byte() {
        let v = tv::case("request_post_jsapi_with_contract");
        let req = vector_request();
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, v["url"].as_str().unwrap());
        assert_eq!(JsapiWithContract::METHOD, wxpay_core::http::Method::POST);
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        assert_eq!(
            String::from_utf8(body).unwrap(),
            v["body"].as_str().unwrap()
        );
    }

    #[test]
    fn every_optional_field_serialises_when_set() {
        let mut req = vector_request();
        req.attach = Some("a".into());
        req.goods_tag = Some("WXG".into());
        req.support_fapiao = Some(false);
        req.detail = Some(Detail {
            goods_detail: vec![Default::default()],
            ..Default::default()
        });
        req.scene_info = Some(SceneInfo {
            payer_client_ip: "14.23.150.211".into(),
            ..Default::default()
        });
        req.settle_info = Some(SettleInfo {
            profit_sharing: Some(true),
        });
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!()
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 15, "{keys:?}");
        assert_eq!(v["detail"]["goods_detail"][0]["quantity"], 0);
        assert!(v["detail"].get("cost_price").is_none());
        assert!(v["scene_info"].get("store_info").is_none());
    }

    #[test]
    fn response_decodes_and_ignores_new_fields() {
        let r =
            JsapiWithContract::decode_response(br#"{"prepay_id":"wx1","added_later":1}"#).unwrap();
        assert_eq!(r.prepay_id, "wx1");
        assert!(JsapiWithContract::decode_response(b"{}").is_err());
    }
}
