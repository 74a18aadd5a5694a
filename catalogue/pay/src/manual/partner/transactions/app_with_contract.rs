//! `POST /v3/pay/partner/transactions/app-with-contract` (服务商 APP下单并签约).

use serde::{Deserialize, Serialize};

use crate::transactions::{Amount, AppContractInfo, Detail, SceneInfo, SettleInfo};
use wxpay_core::endpoint;

/// Places an APP order for a sub-merchant that also signs a contract: the
/// partner form of
/// [`v3::pay::transactions::AppWithContract`](crate::transactions::AppWithContract).
#[endpoint(
    POST,
    "/v3/pay/partner/transactions/app-with-contract",
    response = AppWithContractResponse
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppWithContract {
    /// The service provider's appid.
    pub sp_appid: String,
    /// The service provider's merchant id (the one signing the request).
    pub sp_mchid: String,
    /// The sub-merchant's mobile app appid, when it has one.
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
    /// Line items, for single-goods discounts.
    pub detail: Option<Detail>,
    /// Where the payment takes place.
    pub scene_info: Option<SceneInfo>,
    /// The contract the user signs after paying.
    pub contract_info: AppContractInfo,
}

/// The answer to the partner [`AppWithContract`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppWithContractResponse {
    /// The prepayment session id (valid two hours).
    pub prepay_id: String,
}
