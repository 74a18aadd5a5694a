//! Member cards: the merchant's card events (`MEMBERCARD.*`) and the
//! service providers' brand member cards (`MEMBERCARDSP.USER_CARD.*`).
use serde::{Deserialize, Serialize};

/// A user took, activated, viewed or removed a member card (`MEMBERCARD.*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberCardEvent {
    /// What happened (`NEW_ACTIVATE`, `MEMBER_CARD_ACTIVATE`, `USER_DELETE_MEMBERCARD`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The card template.
    pub card_id: String,
    /// The user's card code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// How the card was activated, on activation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate_scene: Option<String>,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's unionid, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    /// The user's phone number (encrypted), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The merchant's tracking value from the card link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outer_str: Option<String>,
}

/// A user's brand member card that was created or deleted (`MEMBERCARDSP.USER_CARD.CREATE`, `…DELETE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BrandMemberCard {
    /// The user's card code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_card_code: Option<String>,
    /// The card template.
    pub card_id: String,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<String>,
    /// `PURCHASE`, `NORMAL` or `BALANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_type: Option<String>,
    /// The card's colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_color: Option<String>,
    /// The card's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_picture_url: Option<String>,
    /// The user's phone number (encrypted), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The member level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// How long the card is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_date_information: Option<BrandMemberCardValidity>,
    /// When the user took the card (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_time: Option<String>,
    /// What the user filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_information: Option<BrandMemberCardUser>,
    /// The merchant data, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// `EFFECTIVE`, `EXPIRED`, `DELETE`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_card_state: Option<String>,
    /// Why the card stopped being valid, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// When it stopped being valid (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_time: Option<String>,
    /// When the card was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// When it last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify_time: Option<String>,
}

/// How long a brand member card is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BrandMemberCardValidity {
    /// `FIX_TIME_RANGE`, `FIX_TERM` or `PERMANENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_begin_time: Option<String>,
    /// End (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_end_time: Option<String>,
    /// Days valid after taking it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_day_after_receive: Option<i64>,
}

/// What a user filled in for a brand member card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BrandMemberCardUser {
    /// Standard fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_field_list: Option<Vec<BrandMemberCardField>>,
    /// The merchant's own fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field_list: Option<Vec<BrandMemberCardCustomField>>,
}

/// One standard field a user filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BrandMemberCardField {
    /// Which field (`USER_FORM_FLAG_NAME`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the user gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One custom field a user filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BrandMemberCardCustomField {
    /// Which field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the user chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_chosen_values: Option<Vec<String>>,
}
