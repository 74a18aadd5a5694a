//! Entrusted deduction (委托代扣) and password-free contracts: deduction
//! failures, contract signing and termination, termination retention.
use super::PromotionDetail;
use serde::{Deserialize, Serialize};

/// The result of an entrusted deduction that did not go through (`TRANSACTION.FAIL`).
///
/// Direct merchants get `appid`/`mchid`, service providers the `sp_`/`sub_` pairs; so only the order number is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntrustedPayment {
    /// The appid the deduction was made under (direct merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The merchant (direct merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The service provider's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_appid: Option<String>,
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The platform's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// How the order was paid (`PAP` for deductions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// Where the order stands (e.g. `PAYERROR`).
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
    /// When the order ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// The contract the deduction was made under, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// Who was to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<EntrustedPayer>,
    /// The amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<EntrustedAmount>,
    /// Discounts, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}

/// Who pays an entrusted deduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntrustedPayer {
    /// The payer's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The payer's openid under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// The payer's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// The amounts of an entrusted deduction, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntrustedAmount {
    /// The order total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// What the payer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The order's currency (`CNY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The currency the payer paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// A combined-deduction contract of an e-commerce platform that was signed or terminated
///
/// (`ECOMMERCE_ENTRUST.SIGN`, `ECOMMERCE_ENTRUST.TERMINATE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EcommerceEntrustContract {
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The merchant's contract number.
    pub out_contract_code: String,
    /// The deduction plan.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_int"
    )]
    pub plan_id: Option<i64>,
    /// The appid the contract was signed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// When the contract expires (RFC 3339), on signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// Who ended the contract (`USER_TERMINATE`, `MCH_API_TERMINATE`, …), on termination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_mode: Option<String>,
    /// When it was signed or terminated (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operate_time: Option<String>,
    /// The merchant data given when signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
}

/// A user is about to terminate a deduction contract: what the merchant needs to offer to keep them
///
/// (`ENTRUST.TERMINATE_RETENTION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TerminationRetention {
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The appid of the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The platform's contract id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// The merchant's contract number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_contract_code: Option<String>,
    /// The deduction plan.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_int"
    )]
    pub plan_id: Option<i64>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
}

/// A password-free (papay) contract that was signed or terminated (`PAPAY.SIGN`, `PAPAY.TERMINATE`).
///
/// Carries the fields of the contract queries as well as those of the signing pages;
/// direct merchants get `mchid`/`appid`/`openid`, service providers the `sp_`/`sub_` ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PapayContract {
    /// The platform's contract id.
    pub contract_id: String,
    /// The merchant's contract number.
    pub out_contract_code: String,
    /// The merchant (direct merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The appid the contract was signed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The service provider's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_appid: Option<String>,
    /// The user's openid under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// The deduction plan (template) id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_int"
    )]
    pub plan_id: Option<i64>,
    /// The password-free service id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub service_id: Option<String>,
    /// The account name shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// `SIGNED` or `TERMINATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_state: Option<String>,
    /// When the contract was signed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed_time: Option<String>,
    /// When the contract expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// Who ended the contract, on termination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_mode: Option<String>,
    /// When the contract changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operate_time: Option<String>,
    /// How the contract ended, on termination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<PapayTermination>,
}

/// How a [`PapayContract`] ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PapayTermination {
    /// Who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_mode: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminated_time: Option<String>,
    /// The reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_remark: Option<String>,
}
