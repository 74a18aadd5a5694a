//! Enterprise payment (企业支付, `WEBIZPAY.*`): quota cards expired, paid,
//! refunded; employees' authorisations given and revoked.
use serde::{Deserialize, Serialize};

/// A quota card stopped being usable (`WEBIZPAY.QUOTACARDEXPIRED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuotaCardExpired {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The card.
    pub card_no: String,
    /// The employee holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// `ACTIVE` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_state: Option<String>,
    /// When it stopped (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_disabled_time: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A payment, or its refund, made with a quota card (`WEBIZPAY.PAYMENTSUCCESS`, `WEBIZPAY.PAYMENTREFUNDSUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuotaCardPayment {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The card.
    pub card_no: String,
    /// The employee who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// The merchant paid (short name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_mch_name: Option<String>,
    /// The merchant paid (full name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_mch_full_name: Option<String>,
    /// The merchant's organisation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_mch_organization_code: Option<String>,
    /// The acquirer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer: Option<String>,
    /// The platform's order number.
    pub transaction_id: String,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The payment's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_state: Option<String>,
    /// The amount paid in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// What was bought.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub goods_name: Option<String>,
    /// When it was paid.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub pay_success_time: Option<String>,
    /// The platform's refund number (refunds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The merchant's refund number (refunds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// The amount of this refund in fen (refunds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
    /// The amount refunded in all, in fen (refunds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<i64>,
    /// The refund's state (refunds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_state: Option<String>,
    /// When the refund was requested (refunds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub refund_create_time: Option<String>,
    /// When the refund completed (refunds).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub refund_success_time: Option<String>,
}

/// An employee's authorisation given or revoked (`WEBIZPAY.AUTHORIZED`, `WEBIZPAY.REVOKED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebizpayAuthorization {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The platform's user id.
    pub user_id: String,
    /// The enterprise's employee id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// `AUTHORIZED` or `REVOKED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_state: Option<String>,
    /// When it was given (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_time: Option<String>,
    /// When it was revoked (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_revoked_time: Option<String>,
    /// Why it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
