//! The parts of an order that the platform reports back in a
//! [`Transaction`](super::Transaction) and that the order-placing requests
//! send: who pays, the line items, the shop.

use serde::{Deserialize, Serialize};

/// Who pays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// The payer's openid under the order's `appid`.
    pub openid: String,
}

/// Line items, used by discount campaigns that target single goods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    /// The original price of the whole order in fen, when it differs from the
    /// amount charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_price: Option<i64>,
    /// The merchant's receipt number for the purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// The goods bought.
    pub goods_detail: Vec<GoodsDetail>,
}

/// One line of [`Detail`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsDetail {
    /// The merchant's own code for the item.
    pub merchant_goods_id: String,
    /// The item's code registered with WeChat Pay, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_goods_id: Option<String>,
    /// Item name as shown to the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_name: Option<String>,
    /// How many were bought.
    pub quantity: i64,
    /// Price of one item in fen.
    pub unit_price: i64,
}

/// A merchant's shop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// The merchant's shop number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Shop name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Administrative area code of the shop (six digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}
