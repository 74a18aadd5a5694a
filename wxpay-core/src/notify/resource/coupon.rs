//! Coupons: a coupon was used (`COUPON.USE`, the cash coupon as the coupon
//! query reports it) or a merchant coupon was handed out (`COUPON.SEND`).
use serde::{Deserialize, Serialize};

/// A cash coupon that was used, as the coupon query reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponUse {
    /// The merchant that created the stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_creator_mchid: Option<String>,
    /// The coupon stock.
    pub stock_id: String,
    /// The coupon.
    pub coupon_id: String,
    /// The coupon's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_name: Option<String>,
    /// The coupon's state (`USED` once used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// What the coupon is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the coupon was issued (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// `NORMAL` or `CUT_TO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_type: Option<String>,
    /// Whether the coupon needs no advance funding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_cash: Option<bool>,
    /// Start of validity (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_begin_time: Option<String>,
    /// End of validity (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_end_time: Option<String>,
    /// Whether it applies to single goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singleitem: Option<bool>,
    /// The face value of a fixed-amount coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_coupon_information: Option<CouponAmount>,
    /// The price cap of a single-goods coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singleitem_discount_off: Option<SingleItemDiscountOff>,
    /// The target price of a cut-to coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_to: Option<CouponDiscountTo>,
    /// How the coupon was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_information: Option<CouponConsumption>,
    /// The coupon's business type (e.g. `MULTIUSE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_type: Option<String>,
}

/// The value of a fixed-amount coupon, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponAmount {
    /// The face value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_amount: Option<i64>,
    /// The smallest order it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_minimum: Option<i64>,
}

/// The price cap of a single-goods coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SingleItemDiscountOff {
    /// The highest item price it applies to, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_price_max: Option<i64>,
}

/// A cut-to coupon's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponDiscountTo {
    /// The price the item is cut to, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_to_price: Option<i64>,
    /// The highest original price it applies to, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<i64>,
}

/// How a coupon was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponConsumption {
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_time: Option<String>,
    /// The merchant it was used at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_mchid: Option<String>,
    /// The platform's order number of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The discount given, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_amount: Option<i64>,
    /// The goods it applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<CouponGoods>>,
}

/// One item a coupon applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponGoods {
    /// The item's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_id: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Price of one item in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// The discount on it in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<i64>,
}

/// A merchant coupon (商家券) handed to a user (`COUPON.SEND`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponSend {
    /// The kind of hand-out (`EVENT_TYPE_BUSICOUPON_SEND`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The coupon's code.
    pub coupon_code: String,
    /// The coupon stock.
    pub stock_id: String,
    /// When it was handed out (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_time: Option<String>,
    /// The user's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's unionid, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    /// Through which channel (`BUSICOUPON_SEND_CHANNEL_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_channel: Option<String>,
    /// The merchant that handed it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_merchant: Option<String>,
    /// The campaign, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_id: Option<String>,
    /// Details of the channel, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_info: Option<CouponSendAttach>,
}

/// Channel details of a [`CouponSend`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponSendAttach {
    /// The payment that earned the coupon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The campaign code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_code: Option<String>,
    /// The coupon hall code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hall_code: Option<String>,
    /// The merchant the hall belongs to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::lenient::opt_string"
    )]
    pub hall_belong_mch_id: Option<String>,
    /// The member card, when handed out with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_id: Option<String>,
    /// The member card code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The activity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    /// The user's phone number (encrypted), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The phone number's country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}
