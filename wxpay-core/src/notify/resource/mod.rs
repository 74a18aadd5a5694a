//! What notifications carry, once verified and decrypted: the models of
//! the resources [`Event`](super::Event) types.
//!
//! They are the runtime's own, hand-written: a payment notification
//! carries the order as the order queries answer it ([`Transaction`], or
//! [`PartnerTransaction`] for a service provider), a refund notification a
//! [`RefundNotification`]. The catalogue's query endpoints answer these
//! same types, so an order reads the same whichever way it arrives.

mod order;
mod partner_transaction;
mod refund;
mod transaction;

pub use order::{Detail, GoodsDetail, Payer, StoreInfo};
pub use partner_transaction::{PartnerPayer, PartnerTransaction, TransactionSettleInfo};
pub use refund::{RefundNotification, RefundNotificationAmount, RefundStatus};
pub use transaction::{
    InstallmentInfo, LimitPay, PromotionDetail, PromotionGoodsDetail, PromotionScope,
    PromotionType, TradeState, TradeType, Transaction, TransactionAmount, TransactionSceneInfo,
};
