//! Models shared by the hand-written orders of directly connected
//! merchants (直连商户) in `v3::pay::transactions`: placing them
//! (`JsapiWithContract`, `AppWithContract`), looking them up (`OutTradeNo`,
//! `Id`, answering a `Transaction`), closing them (`out_trade_no::Close`).
//! The service providers' twins reuse them.

use serde::{Deserialize, Serialize};

// The order as the platform reports it, and its parts: the runtime's own
// models, since payment notifications carry them too.
pub use wxpay_core::notify::resource::{
    Detail, GoodsDetail, InstallmentInfo, LimitPay, Payer, PromotionDetail, PromotionGoodsDetail,
    PromotionScope, PromotionType, StoreInfo, TradeState, TradeType, Transaction,
    TransactionAmount, TransactionSceneInfo,
};

/// How much the order is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// Order total in fen (1/100 CNY); must be positive.
    pub total: i64,
    /// ISO 4217 currency code; the platform assumes `CNY` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
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

/// Settlement options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleInfo {
    /// Whether the funds are held for profit sharing (分账) after payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_sharing: Option<bool>,
}
