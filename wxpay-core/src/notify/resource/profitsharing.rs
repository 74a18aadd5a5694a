//! [`ProfitSharingNotification`]: a receiver got money from, or gave back
//! money to, a profit-sharing order (`PROFITSHARING`, `PROFITSHARING_RETURN`).
use serde::{Deserialize, Serialize};

/// A profit-sharing movement to or from one receiver.
///
/// Direct merchants get `mchid`, service providers `sp_mchid` and `sub_mchid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfitSharingNotification {
    /// The merchant (direct merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The platform's number of the shared order.
    pub transaction_id: String,
    /// The platform's profit-sharing order number.
    pub order_id: String,
    /// The merchant's profit-sharing order number.
    pub out_order_no: String,
    /// The receiver and the amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<ProfitSharingReceiver>,
    /// When the movement completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
}

/// The receiver of a profit-sharing movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfitSharingReceiver {
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The receiver's merchant id or openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
