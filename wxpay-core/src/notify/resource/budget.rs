//! [`Budget`]: a marketing budget application was locked, closed or used
//! up (`BUDGET.LOCKED`, `BUDGET.CLOSED`, `BUDGET.FINISHED`).
use serde::{Deserialize, Serialize};

/// A marketing budget that changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Budget {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The merchant's budget number.
    pub out_budget_no: String,
    /// The platform's budget number.
    pub budget_id: String,
    /// The budget in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The merchant funding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor_mchid: Option<String>,
    /// The campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_name: Option<String>,
    /// A remark on the campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_remark: Option<String>,
    /// `LOCKED`, `CLOSED` or `FINISHED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When it was locked (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_time: Option<String>,
    /// Why it was released, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_remark: Option<String>,
    /// When it was closed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_time: Option<String>,
    /// When it was used up (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<String>,
}
