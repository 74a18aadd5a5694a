//! The order as the platform reports it: [`Transaction`], shared by the
//! order queries and the payment notification.

use serde::{Deserialize, Serialize};

use super::{Detail, Payer, StoreInfo};

crate::open_enum! {
    /// How the payer paid (`trade_type`).
    pub enum TradeType {
        /// In an official account or mini-program (`wx.requestPayment`).
        Jsapi = "JSAPI",
        /// By scanning the merchant's QR code.
        Native = "NATIVE",
        /// In a mobile app through the WeChat SDK.
        App = "APP",
        /// The merchant scanned the payer's payment code.
        Micropay = "MICROPAY",
        /// In a mobile web page outside WeChat (H5).
        Mweb = "MWEB",
        /// By face recognition.
        Facepay = "FACEPAY",
    }
}

crate::open_enum! {
    /// Where the order stands (`trade_state`).
    pub enum TradeState {
        /// Paid.
        Success = "SUCCESS",
        /// Paid, then a refund was requested for it.
        Refund = "REFUND",
        /// Not paid yet.
        Notpay = "NOTPAY",
        /// Closed without payment.
        Closed = "CLOSED",
        /// Cancelled (payment-code orders).
        Revoked = "REVOKED",
        /// The payer is still confirming (payment-code orders).
        Userpaying = "USERPAYING",
        /// Payment failed, for example refused by the bank.
        Payerror = "PAYERROR",
    }
}

crate::open_enum! {
    /// Which goods a discount applies to (`scope`).
    pub enum PromotionScope {
        /// The whole order.
        Global = "GLOBAL",
        /// Single goods.
        Single = "SINGLE",
    }
}

crate::open_enum! {
    /// Who funded a discount (`type` of a promotion).
    pub enum PromotionType {
        /// A coupon the merchant funded in advance.
        Cash = "CASH",
        /// A coupon that needs no advance funding.
        Nocash = "NOCASH",
    }
}

crate::open_enum! {
    /// A payment method the order excluded (`limit_pay`).
    pub enum LimitPay {
        /// No WeChat balance.
        NoBalance = "no_balance",
        /// No credit cards.
        NoCredit = "no_credit",
        /// No debit cards.
        NoDebit = "no_debit",
        /// WeChat balance only.
        BalanceOnly = "balance_only",
    }
}

/// A direct merchant's order as the platform reports it: the answer to
/// direct order queries (`/v3/pay/transactions/…`), and the
/// resource of a payment notification.
///
/// The fields a paid order has and an unpaid one lacks (`transaction_id`,
/// `success_time`, `payer`, the payer's amount, …) are `Option`. The spec
/// builds this answer from the order-placing definitions, which list
/// `description` and `notify_url` as required; answers do not carry them,
/// so they are `Option` here too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The appid the order was placed under.
    pub appid: String,
    /// The merchant the order belongs to.
    pub mchid: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The platform's order number, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// How the payer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<TradeType>,
    /// Where the order stands.
    pub trade_state: TradeState,
    /// The state in words, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// The bank or funding source code (`OTHERS` for WeChat balance and
    /// the like).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// The merchant data given when placing the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// When payment completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// The order's amount and what the payer paid.
    pub amount: TransactionAmount,
    /// Where the payment took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<TransactionSceneInfo>,
    /// Discounts applied to the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
    /// What was sold, when the answer includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the order stopped accepting payment (RFC 3339), when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
    /// The notification URL of the order, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    /// The discount tag of the order, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_tag: Option<String>,
    /// Payment methods the order excluded, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_pay: Option<Vec<LimitPay>>,
    /// Whether the payer could ask for an electronic invoice, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_fapiao: Option<bool>,
    /// The line items of the order, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    /// Instalment payment details (WeChat Pay credit, 分付), when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_info: Option<InstallmentInfo>,
}

/// The amounts of a [`Transaction`] (both direct and partner orders).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// The order total in fen.
    pub total: i64,
    /// What the payer actually paid in fen (the total minus discounts), once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The order's currency (`CNY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The currency the payer paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// Where a reported payment took place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionSceneInfo {
    /// The payer's device IP address, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_client_ip: Option<String>,
    /// The merchant's terminal or till number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The shop, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_info: Option<StoreInfo>,
}

/// A discount applied to a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionDetail {
    /// The coupon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_id: Option<String>,
    /// The discount's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether it applies to the whole order or to single goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PromotionScope>,
    /// How the discount is funded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PromotionType>,
    /// The discount's value in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The campaign (stock) the coupon belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_id: Option<String>,
    /// The part WeChat Pay funded, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_contribute: Option<i64>,
    /// The part the merchant funded, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_contribute: Option<i64>,
    /// The part others funded, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_contribute: Option<i64>,
    /// The discount's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The goods the discount applied to (single-goods discounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<PromotionGoodsDetail>>,
}

/// One discounted item of a [`PromotionDetail`].
///
/// Answers name items by `goods_id` and report `discount_amount`; the spec
/// describes them with the order's line-item fields. Both sets are here,
/// all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionGoodsDetail {
    /// The item's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_id: Option<String>,
    /// The merchant's own code for the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_goods_id: Option<String>,
    /// The item's code registered with WeChat Pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_goods_id: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_name: Option<String>,
    /// How many were bought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Price of one item in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<i64>,
    /// The discount on this item in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<i64>,
    /// The merchant's remark on the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_remark: Option<String>,
}

/// Instalment details of a payment made with WeChat Pay credit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentInfo {
    /// Whether the merchant paid the instalment interest.
    pub use_subsidy: bool,
    /// How many instalments the payer chose.
    pub selected_installment_number: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;

    #[test]
    fn decodes_the_notification_resource_of_the_vectors() {
        let v = tv::case("notification_transaction_success");
        let t: Transaction =
            serde_json::from_str(v["decrypted_resource"].as_str().unwrap()).unwrap();
        assert_eq!(t.mchid, "1900000109");
        assert_eq!(t.trade_state, TradeState::Success);
        assert_eq!(t.trade_type, Some(TradeType::Jsapi));
        assert_eq!(
            t.transaction_id.as_deref(),
            Some("4200000000202611270000000001")
        );
        assert_eq!(t.amount.total, 100);
        assert_eq!(t.amount.payer_total, Some(100));
        assert_eq!(
            t.payer.unwrap().openid,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".to_owned()
        );
        assert_eq!(t.success_time.as_deref(), Some("2026-11-27T14:00:00+08:00"));
    }

    #[test]
    fn decodes_a_full_answer_with_promotions_and_unknown_values() {
        let body = r#"{
            "appid":"wxd678efh567hg6787","mchid":"1230000109",
            "out_trade_no":"1217752501201407033233368018",
            "transaction_id":"1217752501201407033233368018",
            "trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功",
            "bank_type":"CMC","attach":"自定义数据","success_time":"2018-06-08T10:34:56+08:00",
            "payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount":{"total":100,"payer_total":90,"currency":"CNY","payer_currency":"CNY"},
            "scene_info":{"device_id":"013467007045764"},
            "promotion_detail":[{"coupon_id":"109519","name":"单品惠-6","scope":"SINGLE",
                "type":"DISCOUNT_NEW","stock_id":"931386","amount":10,
                "wechatpay_contribute":0,"merchant_contribute":10,"other_contribute":0,
                "currency":"CNY","goods_detail":[{"goods_id":"M1","quantity":1,
                "unit_price":100,"discount_amount":10,"goods_remark":"r"}]}],
            "installment_info":{"use_subsidy":false,"selected_installment_number":3},
            "limit_pay":["no_credit","no_such_limit"],
            "a_field_added_later":{"x":1}
        }"#;
        let t: Transaction = serde_json::from_str(body).unwrap();
        let promo = &t.promotion_detail.as_ref().unwrap()[0];
        assert_eq!(promo.scope, Some(PromotionScope::Single));
        assert_eq!(
            promo.r#type,
            Some(PromotionType::Other("DISCOUNT_NEW".into()))
        );
        let item = &promo.goods_detail.as_ref().unwrap()[0];
        assert_eq!(item.discount_amount, Some(10));
        assert_eq!(
            t.limit_pay.as_deref(),
            Some(&[LimitPay::NoCredit, LimitPay::Other("no_such_limit".into())][..])
        );
        assert_eq!(t.installment_info.unwrap().selected_installment_number, 3);
        assert_eq!(
            t.scene_info.unwrap().device_id.as_deref(),
            Some("013467007045764")
        );
    }

    #[test]
    fn an_unpaid_order_decodes_and_a_new_state_is_kept() {
        let t: Transaction = serde_json::from_str(
            r#"{"appid":"wx1","mchid":"1","out_trade_no":"T1","trade_state":"NOTPAY",
                "trade_state_desc":"订单未支付","amount":{"total":1,"currency":"CNY"}}"#,
        )
        .unwrap();
        assert_eq!(t.trade_state, TradeState::Notpay);
        assert!(t.transaction_id.is_none() && t.payer.is_none());
        let t: Transaction = serde_json::from_str(
            r#"{"appid":"wx1","mchid":"1","out_trade_no":"T1","trade_state":"FROZEN",
                "trade_type":"PALM","amount":{"total":1}}"#,
        )
        .unwrap();
        assert_eq!(t.trade_state, TradeState::Other("FROZEN".into()));
        assert_eq!(t.trade_type, Some(TradeType::Other("PALM".into())));
        let again = serde_json::to_value(&t).unwrap();
        assert_eq!(again["trade_state"], "FROZEN");
        assert!(again.get("payer").is_none(), "None fields are left out");
    }
}
