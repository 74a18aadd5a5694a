//! [`Recharge`]: a platform's sub-merchant topped up its account
//! (`RECHARGE.SUCCESS`, `RECHARGE.CLOSED`).
use serde::{Deserialize, Serialize};

/// A recharge as the recharge query reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recharge {
    /// The service provider (platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The merchant's recharge number.
    pub out_recharge_no: String,
    /// The platform's recharge number.
    pub recharge_id: String,
    /// `BANK_TRANSFER`, `QR_RECHARGE` or `ONLINE_BANK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_channel: Option<String>,
    /// `DEPOSIT` or `OPERATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// `ECOMMERCE_DEPOSIT` or `ECOMMERCE_PAYMENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_scene: Option<String>,
    /// `SUCCESS`, `RECHARGING` or `CLOSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_state: Option<String>,
    /// The state in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_state_desc: Option<String>,
    /// The amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_amount: Option<RechargeAmount>,
    /// The remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The bank transfer, for that channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_transfer_info: Option<RechargeBankTransfer>,
    /// Who scanned, for the QR channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_recharge_info: Option<RechargeQr>,
    /// The online-banking payment, for that channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_bank_recharge_info: Option<RechargeOnlineBank>,
    /// When the recharge was accepted (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_time: Option<String>,
    /// When it succeeded (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// When it was closed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_time: Option<String>,
    /// The channels that could be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_recharge_channels: Option<Vec<String>>,
}

/// The amount of a [`Recharge`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RechargeAmount {
    /// In fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The currency (`CNY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// The bank transfer of a recharge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RechargeBankTransfer {
    /// The transfer's memo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// The bank's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_no: Option<String>,
    /// The bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    /// The last digits of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_card_tail: Option<String>,
    /// The account holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_name: Option<String>,
}

/// Who recharged by QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RechargeQr {
    /// `ADMIN`, `STAFF` or `LEGAL_PERSON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    /// Their openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
}

/// The online-banking payment of a recharge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RechargeOnlineBank {
    /// The bank's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_no: Option<String>,
    /// When it was returned, when so (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_time: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
    /// The bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    /// Corporate or personal online banking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_bank_type: Option<String>,
    /// The last digits of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_card_tail: Option<String>,
    /// The account holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_name: Option<String>,
}
