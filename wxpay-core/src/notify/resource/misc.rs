//! Events of single products: face-payment users, personal-collection
//! settlements, power-bank insurance, H5 payment applications.
use serde::{Deserialize, Serialize};

/// A face-payment user's contract state changed (`FACEPAY.USER_STATE_CHANGE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FacepayUserState {
    /// The platform's user id.
    pub user_id: String,
    /// The organisation's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_id: Option<String>,
    /// The organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mch_id: Option<String>,
    /// When the change happened (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_create_time: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
}

/// A personal-collection settlement batch completed (`SETTLEMENT.SUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonalSettlement {
    /// The merchant's batch number.
    pub out_settle_batch_no: String,
    /// The platform's batch number.
    pub settle_batch_no: String,
    /// The individual seller's authorisation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_auth_id: Option<String>,
    /// The batch, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the batch stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The trade scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_scenario: Option<String>,
    /// When it was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When it completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
}

/// A power-bank insurance order changed state (`HIRE_POWER_BANK.RECEIVE_INSURANCE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsuranceOrder {
    /// The platform's order number.
    pub order_id: String,
    /// The merchant's order number.
    pub out_order_no: String,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// How many claims are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_claim_count: Option<i64>,
    /// How many were made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_count: Option<i64>,
    /// When the insurance was taken (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_receive_time: Option<String>,
    /// The order's insurance state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_receive_state: Option<String>,
    /// When the rental began (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_begin_time: Option<String>,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_end_time: Option<String>,
}

/// An application for a payment permission (e.g. H5 payment) was approved (`APPLYMENT_STATE.APPROVED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplymentState {
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The platform's application number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applyment_id: Option<i64>,
    /// The merchant's application number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_applyment_id: Option<String>,
    /// `PENDING`, `UNDER_REVIEW`, `APPROVED` or `REJECTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applyment_state: Option<String>,
    /// Why it was rejected, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_reject_detail: Option<String>,
    /// `HAS_LAUNCHED` or `UN_LAUNCHED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_state: Option<String>,
    /// The website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    /// The domains applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Media ids of the business pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_business_page_pics: Option<Vec<String>>,
    /// Media ids of the home pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_homepage_pics: Option<Vec<String>>,
    /// The notification URL given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
}
