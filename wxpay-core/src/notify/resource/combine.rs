//! [`CombineTransaction`]: a combined payment (合单支付) as its payment
//! notification and the combined-order queries report it.
use super::PromotionDetail;
use serde::{Deserialize, Serialize};

/// A combined payment: several sub-orders, possibly of different merchants, paid at once.
///
/// The resource of `TRANSACTION.SUCCESS` when it carries `combine_mchid`, and the
/// answer of the combined-order queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CombineTransaction {
    /// The appid of the merchant that placed the combined order.
    pub combine_appid: String,
    /// The merchant that placed the combined order.
    pub combine_mchid: String,
    /// The merchant's number for the combined order.
    pub combine_out_trade_no: String,
    /// The platform's number for the combined order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine_transaction_id: Option<String>,
    /// Where the payment took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<CombineSceneInfo>,
    /// The sub-orders and how each ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_orders: Option<Vec<CombineSubOrder>>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine_payer_info: Option<CombinePayer>,
    /// The trade scenario, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_scenario: Option<String>,
}

/// Where a combined payment took place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CombineSceneInfo {
    /// The merchant's terminal number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// Who paid a combined order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CombinePayer {
    /// The payer's openid under `combine_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
}

/// One sub-order of a [`CombineTransaction`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CombineSubOrder {
    /// The merchant the sub-order is for (the service provider, for a partner sub-order).
    pub mchid: String,
    /// The sub-merchant, for a service provider's sub-order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The sub-merchant's appid, when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The payer's openid under `sub_appid`, when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// The merchant's number of the sub-order.
    pub out_trade_no: String,
    /// The platform's number of the sub-order, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// How the payer paid (`JSAPI`, `NATIVE`, `APP`, `MWEB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// Where the sub-order stands (`SUCCESS`, `NOTPAY`, `CLOSED`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state: Option<String>,
    /// The bank or funding source code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// The merchant data given when placing the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// When payment completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// The sub-order's amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<CombineSubOrderAmount>,
    /// Discounts applied to the sub-order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
    /// The individual seller's authorisation id, when the sub-order is for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_auth_id: Option<String>,
    /// The individual seller's name, when the sub-order is for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_name: Option<String>,
}

/// The amounts of a [`CombineSubOrder`], in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CombineSubOrderAmount {
    /// The sub-order total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// What the payer paid for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_amount: Option<i64>,
    /// The sub-order's currency (`CNY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The currency the payer paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
    /// The settlement exchange rate, for foreign-currency orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_rate: Option<i64>,
}
