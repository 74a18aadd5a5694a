//! Industry and school payments: deduction results of the campus and
//! education-fee products, their contracts and users' debt state.
use super::PromotionDetail;
use serde::{Deserialize, Serialize};

/// The result of an industry deduction (`TRANSACTION.INDUSTRY_SUCCESS`, `TRANSACTION.INDUSTRY_FAILED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndustryTransaction {
    /// The merchant (the service provider, for a partner order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The appid of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The sub-merchant, for a partner order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The platform's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// How the order was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// Where the order stands (`SUCCESS`, `PAY_FAIL`, `ACCEPTED`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state: Option<String>,
    /// The state in words, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// The bank or funding source code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// The merchant data given with the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// When payment completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<IndustryPayer>,
    /// The amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<IndustryAmount>,
    /// The device the order came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_info: Option<IndustryDevice>,
    /// Discounts, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}

/// Who paid an industry order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndustryPayer {
    /// The payer's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The payer's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// The amounts of an industry order, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndustryAmount {
    /// The order total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// What the payer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_total: Option<i64>,
    /// The currency (`CNY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The device an industry order came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndustryDevice {
    /// The device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The device's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ip: Option<String>,
}

/// An education-fee deduction contract that was signed or released (`ENTRUST.SIGNING`, `ENTRUST.RELEASE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchoolPayContract {
    /// The platform's contract id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// The merchant (direct merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The appid the contract was signed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// The deduction plan.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub plan_id: Option<String>,
    /// The merchant's contract number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_contract_code: Option<String>,
    /// `ADD` (signed) or `DELETE` (released).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_status: Option<String>,
    /// When the contract changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// The contract, when reported as a nested object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_information: Option<SchoolPayContractInfo>,
}

/// The nested contract object of a [`SchoolPayContract`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchoolPayContractInfo {
    /// The platform's contract id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// `ADD` or `DELETE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_status: Option<String>,
    /// When it changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// A user's debt state at a campus merchant changed (`EDU_SCHOOL_PAY.USER_DEBT_STATE_UPDATE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserDebtState {
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid under `appid`.
    pub openid: String,
    /// The debt state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// How many debts are open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt_count: Option<i64>,
    /// When the state changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
}
