//! [`Refund`]: a refund as the platform reports it, shared by the refund
//! operations (refund notifications carry a
//! [`RefundNotification`](super::RefundNotification) instead).

use serde::{Deserialize, Serialize};

// What refund notifications carry: the runtime's own models.
pub use wxpay_core::notify::resource::{
    RefundNotification, RefundNotificationAmount, RefundStatus,
};

wxpay_core::open_enum! {
    /// Which goods a refunded discount applied to (`promotion_detail.scope`;
    /// the refund area's own type, so that `refund` builds without `pay`).
    pub enum PromotionScope {
        /// The whole order.
        Global = "GLOBAL",
        /// Single goods.
        Single = "SINGLE",
    }
}

wxpay_core::open_enum! {
    /// Where the refunded money went (`channel`).
    pub enum RefundChannel {
        /// Back the way it was paid.
        Original = "ORIGINAL",
        /// To the payer's WeChat balance.
        Balance = "BALANCE",
        /// To another balance account, the original one being unusable.
        OtherBalance = "OTHER_BALANCE",
        /// To another bank card, the original one being unusable.
        OtherBankcard = "OTHER_BANKCARD",
    }
}

wxpay_core::open_enum! {
    /// A merchant account refunds are paid from (`funds_account`, `from.account`).
    pub enum FundsAccount {
        /// Funds not yet settled to the merchant.
        Unsettled = "UNSETTLED",
        /// The available balance.
        Available = "AVAILABLE",
        /// Frozen funds.
        Unavailable = "UNAVAILABLE",
        /// The operation account.
        Operation = "OPERATION",
        /// The basic account.
        Basic = "BASIC",
        /// The basic account in digital CNY.
        EcnyBasic = "ECNY_BASIC",
    }
}

wxpay_core::open_enum! {
    /// How a refunded discount was funded (`type` in `promotion_detail`).
    pub enum RefundPromotionType {
        /// A coupon the merchant funded in advance.
        Coupon = "COUPON",
        /// A discount that needs no advance funding.
        Discount = "DISCOUNT",
    }
}

/// A refund as the platform reports it: the answer to
/// [`PostRefunds`](super::PostRefunds) and [`GetRefunds`](super::GetRefunds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The platform's refund number.
    pub refund_id: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The platform's number of the refunded order.
    pub transaction_id: String,
    /// The merchant's number of the refunded order.
    pub out_trade_no: String,
    /// Where the money goes.
    pub channel: RefundChannel,
    /// The account credited, in words (e.g. the payer's balance or a bank card).
    pub user_received_account: String,
    /// When the refund succeeded (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// When the refund was accepted (RFC 3339).
    pub create_time: String,
    /// Where the refund stands.
    pub status: RefundStatus,
    /// The merchant account the refund is paid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_account: Option<FundsAccount>,
    /// The amounts.
    pub amount: RefundAmount,
    /// Discounts refunded along with the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<RefundPromotionDetail>>,
}

/// The amounts of a [`Refund`], in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// The order total.
    pub total: i64,
    /// The amount refunded.
    pub refund: i64,
    /// Which merchant accounts fund the refund, when split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<FundsFrom>>,
    /// What the payer paid for the order.
    pub payer_total: i64,
    /// What the payer gets back.
    pub payer_refund: i64,
    /// The refund net of non-cash discounts (what settles against the merchant).
    pub settlement_refund: i64,
    /// The order total net of non-cash discounts.
    pub settlement_total: i64,
    /// The part of the refund that returns discounts.
    pub discount_refund: i64,
    /// The currency (`CNY`).
    pub currency: String,
    /// The handling fee refunded to the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fee: Option<i64>,
}

/// One merchant account's share of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsFrom {
    /// The account.
    pub account: FundsAccount,
    /// Its share in fen.
    pub amount: i64,
}

/// A discount refunded along with a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPromotionDetail {
    /// The coupon id.
    pub promotion_id: String,
    /// Whether it applied to the whole order or to single goods.
    pub scope: PromotionScope,
    /// How the discount was funded.
    pub r#type: RefundPromotionType,
    /// The coupon's value in fen.
    pub amount: i64,
    /// The part of the discount refunded, in fen.
    pub refund_amount: i64,
    /// The goods concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<RefundGoodsDetail>>,
}

/// One item of a refund.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundGoodsDetail {
    /// The merchant's own code for the item.
    pub merchant_goods_id: String,
    /// The item's code registered with WeChat Pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_goods_id: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_name: Option<String>,
    /// Price of one item in fen.
    pub unit_price: i64,
    /// The amount refunded for this item, in fen.
    pub refund_amount: i64,
    /// How many items are returned.
    pub refund_quantity: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's example answer (shared by the create and query operations).
    const SPEC_EXAMPLE: &str = r#"{
        "refund_id":"50000000382019052709732678859",
        "out_refund_no":"1217752501201407033233368018",
        "transaction_id":"1217752501201407033233368018",
        "out_trade_no":"1217752501201407033233368018",
        "channel":"ORIGINAL","user_received_account":"招商银行信用卡0403",
        "success_time":"2020-12-01T16:18:12+08:00","create_time":"2020-12-01T16:18:12+08:00",
        "status":"SUCCESS","funds_account":"UNSETTLED",
        "amount":{"total":100,"refund":100,"from":[{"account":"AVAILABLE","amount":444}],
            "payer_total":90,"payer_refund":90,"settlement_refund":100,"settlement_total":100,
            "discount_refund":10,"currency":"CNY","refund_fee":100},
        "promotion_detail":[{"promotion_id":"109519","scope":"SINGLE","type":"DISCOUNT",
            "amount":5,"refund_amount":100,"goods_detail":[{"merchant_goods_id":"1217752501201407033233368018",
            "wechatpay_goods_id":"1001","goods_name":"iPhone6s 16G","unit_price":528800,
            "refund_amount":528800,"refund_quantity":1}]}]
    }"#;

    #[test]
    fn decodes_the_spec_example() {
        let r: Refund = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        assert_eq!(r.status, RefundStatus::Success);
        assert_eq!(r.channel, RefundChannel::Original);
        assert_eq!(r.funds_account, Some(FundsAccount::Unsettled));
        assert_eq!(r.amount.payer_refund, 90);
        assert_eq!(r.amount.refund_fee, Some(100));
        assert_eq!(
            r.amount.from,
            Some(vec![FundsFrom {
                account: FundsAccount::Available,
                amount: 444
            }])
        );
        let promo = &r.promotion_detail.as_ref().unwrap()[0];
        assert_eq!(promo.r#type, RefundPromotionType::Discount);
        assert_eq!(promo.goods_detail.as_ref().unwrap()[0].refund_quantity, 1);
    }

    #[test]
    fn unknown_values_are_kept() {
        let text = SPEC_EXAMPLE
            .replace(r#""status":"SUCCESS""#, r#""status":"CLOSE""#)
            .replace(r#""channel":"ORIGINAL""#, r#""channel":"TO_THE_MOON""#)
            .replace(
                r#""funds_account":"UNSETTLED""#,
                r#""funds_account":"NEW_ACCOUNT""#,
            );
        let r: Refund = serde_json::from_str(&text).unwrap();
        assert_eq!(r.status, RefundStatus::Other("CLOSE".into()));
        assert_eq!(r.channel, RefundChannel::Other("TO_THE_MOON".into()));
        assert_eq!(
            r.funds_account,
            Some(FundsAccount::Other("NEW_ACCOUNT".into()))
        );
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["channel"], "TO_THE_MOON");
        assert_eq!(RefundStatus::from("CLOSED"), RefundStatus::Closed);
    }
}
