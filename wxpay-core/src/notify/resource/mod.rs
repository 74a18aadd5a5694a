//! What notifications carry, once verified and decrypted: the models of
//! the resources [`Event`](super::Event) types, one file per product
//! family.
//!
//! They are the runtime's own, hand-written: a payment notification
//! carries the order as the order queries answer it ([`Transaction`], or
//! [`PartnerTransaction`] for a service provider, [`CombineTransaction`]
//! for a combined payment), a refund notification a
//! [`RefundNotification`]. The catalogue's query endpoints answer these
//! same types, so an order reads the same whichever way it arrives.
//!
//! Most products document their notification only on a web page, not in
//! the endpoint spec; the field names here come from those pages, from the
//! spec's query answers for the same object, and from the public SDKs. So
//! only the identifiers every such notification carries are required;
//! everything else is an `Option`, and fields this crate does not know are
//! ignored: a notification with a new field, or without an optional one,
//! still decodes. Amounts are fen (`i64`).

mod budget;
mod combine;
mod complaint;
mod coupon;
mod discount_card;
mod entrust;
mod lenient;
mod mall;
mod membercard;
mod misc;
mod order;
mod partner_transaction;
mod payscore;
mod profitsharing;
mod recharge;
mod refund;
mod school;
mod transaction;
mod transfer;
mod webizpay;

pub use budget::Budget;
pub use combine::{
    CombinePayer, CombineSceneInfo, CombineSubOrder, CombineSubOrderAmount, CombineTransaction,
};
pub use complaint::{ComplaintAction, ComplaintNotification};
pub use coupon::{
    CouponAmount, CouponConsumption, CouponDiscountTo, CouponGoods, CouponSend, CouponSendAttach,
    CouponUse, SingleItemDiscountOff,
};
pub use discount_card::{
    DiscountCard, DiscountCardObjective, DiscountCardPayment, DiscountCardReward,
    DiscountCardTimeRange,
};
pub use entrust::{
    EcommerceEntrustContract, EntrustedAmount, EntrustedPayer, EntrustedPayment, PapayContract,
    PapayTermination, TerminationRetention,
};
pub use mall::{MallAuthorization, MallRefund, MallTransaction};
pub use membercard::{
    BrandMemberCard, BrandMemberCardCustomField, BrandMemberCardField, BrandMemberCardUser,
    BrandMemberCardValidity, MemberCardEvent,
};
pub use misc::{ApplymentState, FacepayUserState, InsuranceOrder, PersonalSettlement};
pub use order::{Detail, GoodsDetail, Payer, StoreInfo};
pub use partner_transaction::{PartnerPayer, PartnerTransaction, TransactionSettleInfo};
pub use payscore::{
    PayScoreCollection, PayScoreCollectionDetail, PayScoreLocation, PayScorePermission,
    PayScorePostDiscount, PayScorePostPayment, PayScoreRiskFund, PayScoreServiceAccountBinding,
    PayScoreServiceOrder, PayScoreSignPlan, PayScoreSignPlanDetail, PayScoreTimeRange,
};
pub use profitsharing::{ProfitSharingNotification, ProfitSharingReceiver};
pub use recharge::{
    Recharge, RechargeAmount, RechargeBankTransfer, RechargeOnlineBank, RechargeQr,
};
pub use refund::{RefundNotification, RefundNotificationAmount, RefundStatus};
pub use school::{
    IndustryAmount, IndustryDevice, IndustryPayer, IndustryTransaction, SchoolPayContract,
    SchoolPayContractInfo, UserDebtState,
};
pub use transaction::{
    InstallmentInfo, LimitPay, PromotionDetail, PromotionGoodsDetail, PromotionScope,
    PromotionType, TradeState, TradeType, Transaction, TransactionAmount, TransactionSceneInfo,
};
pub use transfer::{
    QqWalletTransfer, TransferAuthorization, TransferAuthorizationClose, Withdrawal,
};
pub use webizpay::{QuotaCardExpired, QuotaCardPayment, WebizpayAuthorization};
