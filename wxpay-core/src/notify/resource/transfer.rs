//! Transfers and withdrawals: a QQ-wallet transfer finished, a user
//! authorised automatic transfers, a withdrawal changed state.
use serde::{Deserialize, Serialize};

/// A transfer to a QQ wallet that reached its final state (`MCHTRANSFER.QQWALLETBILL.FINISHED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QqWalletTransfer {
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The merchant's transfer number.
    pub out_bill_no: String,
    /// The platform's transfer number.
    pub transfer_bill_no: String,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// `SUCCESS`, `FAIL`, `CANCELLED`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_amount: Option<i64>,
    /// The remark shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_remark: Option<String>,
    /// The user's openid, when paid by openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's QQ number (encrypted), when paid by QQ number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_qq: Option<String>,
    /// The user's name (encrypted), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Why it failed, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// When it was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When it last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
}

/// A user's authorisation of automatic transfers (`MCHTRANSFER.AUTHORIZATION.CONFIRMED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransferAuthorization {
    /// The merchant's authorisation number.
    pub out_authorization_no: String,
    /// The platform's authorisation number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's name as shown (masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_display_name: Option<String>,
    /// `TAKING_EFFECT` or `CLOSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When the user authorised (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_time: Option<String>,
    /// How it was closed, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_info: Option<TransferAuthorizationClose>,
}

/// How a transfer authorisation was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransferAuthorizationClose {
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_time: Option<String>,
    /// `CLOSE_VIA_MCH_API` or `USER_CLOSE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
}

/// A withdrawal that changed state (`MCHWITHDRAW.CHANGE`).
///
/// Direct merchants, service providers' sub-merchants and platforms report
/// slightly different amounts and states, so most fields are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Withdrawal {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The platform's withdrawal number.
    pub withdraw_id: String,
    /// The merchant's withdrawal number.
    pub out_request_no: String,
    /// Where it stands (`SUCCESS`, `FAIL`, `REFUND`, `PROCESSING`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The total requested in fen (batch withdrawals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// The amount paid out in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_amount: Option<i64>,
    /// The amount that failed in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_amount: Option<i64>,
    /// The amount returned in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
    /// When it was requested (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When it last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// Why it failed, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The memo shown on the bank statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_memo: Option<String>,
    /// `BASIC`, `OPERATION` or `FEES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// What to do about a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
    /// The bank account (masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// The bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_bank: Option<String>,
    /// The branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
}
