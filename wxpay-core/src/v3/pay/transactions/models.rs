//! Models shared by the hand-written orders of directly connected
//! merchants (直连商户) in `v3::pay::transactions`: placing them
//! (`JsapiWithContract`, `AppWithContract`), looking them up (`OutTradeNo`,
//! `Id`, answering a `Transaction`), closing them (`out_trade_no::Close`).
//! The service providers' twins reuse them.

use serde::{Deserialize, Serialize};

/// How much the order is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// Order total in fen (1/100 CNY); must be positive.
    pub total: i64,
    /// ISO 4217 currency code; the platform assumes `CNY` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

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

/// Where the payment takes place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneInfo {
    /// The payer's device IP address (IPv4 or IPv6).
    pub payer_client_ip: String,
    /// The merchant's terminal or till number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The shop the sale belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_info: Option<StoreInfo>,
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

/// Settlement options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleInfo {
    /// Whether the funds are held for profit sharing (分账) after payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_sharing: Option<bool>,
}
