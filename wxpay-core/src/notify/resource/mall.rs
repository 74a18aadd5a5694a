//! Business circles (商圈): a member authorised points, paid or got a
//! refund at a mall shop.
use serde::{Deserialize, Serialize};

/// A member authorised the mall's points service (`MALL_AUTH.ACTIVATE_CARD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MallAuthorization {
    /// The mall's merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The member's openid.
    pub openid: String,
    /// The member card code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What was authorised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
}

/// A member paid at a mall shop (`MALL_TRANSACTION.SUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MallTransaction {
    /// The mall's merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The mall's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    /// The shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_name: Option<String>,
    /// The shop's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_number: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The member's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// When the payment completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_end: Option<String>,
    /// The amount paid in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The platform's order number.
    pub transaction_id: String,
    /// Whether points were already given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_tag: Option<String>,
}

/// A mall shop refunded a member (`MALL_REFUND.SUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MallRefund {
    /// The mall's merchant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The mall's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    /// The shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_name: Option<String>,
    /// The shop's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_number: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The member's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// When the refund completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// The amount paid in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_amount: Option<i64>,
    /// The amount refunded in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
    /// The platform's order number.
    pub transaction_id: String,
    /// The platform's refund number.
    pub refund_id: String,
}
