//! [`DiscountCard`]: a user took, used up or paid a "pay later" discount card (先享卡).
use serde::{Deserialize, Serialize};

/// A discount card that changed (`DISCOUNT_CARD.*`).
///
/// The older card API (`card_id`, `card_template_id`) and the newer order API
/// (`out_order_no`, `discount_card_id`) report different fields, so all are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscountCard {
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The card (older API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_id: Option<String>,
    /// The card template (older API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_template_id: Option<String>,
    /// The merchant's card number (older API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_card_code: Option<String>,
    /// The merchant's card order number (newer API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// The platform's card order number (newer API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The card (newer API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_card_id: Option<String>,
    /// The service (newer API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The merchant's order number of the payment, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The platform's order number of the payment, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Where the card stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Why the objectives were not met, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unfinished_reason: Option<String>,
    /// The amount at stake, in fen.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_int"
    )]
    pub total_amount: Option<i64>,
    /// When the card was taken (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When the card is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<DiscountCardTimeRange>,
    /// What the user promised to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objectives: Option<Vec<DiscountCardObjective>>,
    /// What the user gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewards: Option<Vec<DiscountCardReward>>,
    /// The payment for the card, when paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_information: Option<DiscountCardPayment>,
}

/// When a discount card is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscountCardTimeRange {
    /// Start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<String>,
    /// End (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

/// One objective of a discount card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscountCardObjective {
    /// The objective.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub objective_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// What the user did, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_description: Option<String>,
}

/// One reward of a discount card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscountCardReward {
    /// The reward.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub reward_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The payment for a discount card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiscountCardPayment {
    /// The platform's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Where it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_state: Option<String>,
    /// The amount in fen.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_int"
    )]
    pub pay_amount: Option<i64>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_time: Option<String>,
}
