//! `POST /v3/pay/transactions/app-with-contract` (APP下单并签约).

use serde::{Deserialize, Serialize};

use super::{Amount, Detail, SceneInfo, SettleInfo};
use wxpay_core::endpoint;

/// Places an APP order that also signs a contract: after paying, the user
/// is led to sign the contract described in
/// [`contract_info`](Self::contract_info).
///
/// The answer's `prepay_id` becomes the app's payment parameters through
/// [`Client::app_pay_params`](wxpay_core::Client::app_pay_params).
#[endpoint(POST, "/v3/pay/transactions/app-with-contract", response = AppWithContractResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppWithContract {
    /// The mobile app's appid, bound to the merchant.
    pub appid: String,
    /// The merchant id placing the order.
    pub mchid: String,
    /// What is sold, as shown to the payer (at most 127 characters).
    pub description: String,
    /// The merchant's order number: 6–32 characters of letters, digits,
    /// `_`, `-`, `|` and `*`, unique per merchant.
    pub out_trade_no: String,
    /// When the order stops accepting payment, RFC 3339.
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
    /// Line items, for single-goods discounts.
    pub detail: Option<Detail>,
    /// Where the payment takes place.
    pub scene_info: Option<SceneInfo>,
    /// Settlement options, such as profit sharing.
    pub settle_info: Option<SettleInfo>,
    /// The contract the user signs after paying.
    pub contract_info: AppContractInfo,
}

/// The contract an APP order signs (the `contract_info` of
/// [`AppWithContract`] and of the partner variant).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppContractInfo {
    /// The contract template configured in the merchant platform.
    pub plan_id: String,
    /// The merchant id the contract is signed with.
    pub contract_mchid: String,
    /// The appid the contract is signed under.
    pub contract_appid: String,
    /// The merchant's own contract number, unique per merchant.
    pub contract_code: String,
    /// The merchant's serial number for this signing request.
    pub request_serial: String,
    /// How the user's account is shown on the contract.
    pub contract_display_account: String,
    /// HTTPS URL that receives the contract notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_notify_url: Option<String>,
}

/// The answer to [`AppWithContract`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppWithContractResponse {
    /// The prepayment session id (valid two hours) from which the app's
    /// payment parameters are made.
    pub prepay_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn body_has_the_contract_and_omits_none() {
        let req = AppWithContract {
            appid: "wxd678efh567hg6787".into(),
            mchid: "1230000109".into(),
            description: "d".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            amount: Amount {
                total: 100,
                currency: None,
            },
            contract_info: AppContractInfo {
                plan_id: "3484306348".into(),
                contract_mchid: "1230000109".into(),
                contract_appid: "wxd678efh567hg6787".into(),
                contract_code: "100001256".into(),
                request_serial: "1695".into(),
                contract_display_account: "123456".into(),
                contract_notify_url: None,
            },
            ..Default::default()
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, "/v3/pay/transactions/app-with-contract");
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "amount",
                "appid",
                "contract_info",
                "description",
                "mchid",
                "notify_url",
                "out_trade_no"
            ]
        );
        assert!(v["amount"].get("currency").is_none());
        assert!(v["contract_info"].get("contract_notify_url").is_none());
        assert_eq!(v["contract_info"]["plan_id"], "3484306348");
        assert!(v.get("payer").is_none(), "APP orders have no payer");
    }
}
