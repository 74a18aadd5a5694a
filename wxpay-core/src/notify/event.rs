//! The envelope of a notification and the typed events inside it.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::NotifyError;
use super::resource::{
    ApplymentState, BrandMemberCard, Budget, CombineTransaction, ComplaintNotification, CouponSend,
    CouponUse, DiscountCard, EcommerceEntrustContract, EntrustedPayment, FacepayUserState,
    IndustryTransaction, InsuranceOrder, MallAuthorization, MallRefund, MallTransaction,
    MemberCardEvent, PapayContract, PartnerTransaction, PayScorePermission,
    PayScoreServiceAccountBinding, PayScoreServiceOrder, PayScoreSignPlan, PersonalSettlement,
    ProfitSharingNotification, QqWalletTransfer, QuotaCardExpired, QuotaCardPayment, Recharge,
    RefundNotification, SchoolPayContract, TerminationRetention, Transaction,
    TransferAuthorization, UserDebtState, WebizpayAuthorization, Withdrawal,
};

/// The envelope fields every notification carries, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The notification's id (`EV-…`). The same notification may be
    /// delivered more than once with the same id; see
    /// [`Deduplicator`](super::Deduplicator).
    pub id: String,
    /// When the platform created the notification (RFC 3339).
    pub create_time: String,
    /// What happened, e.g. `TRANSACTION.SUCCESS`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// A short text for people, e.g. `支付成功`.
    pub summary: Option<String>,
    /// `resource.original_type`: the kind of object encrypted
    /// (`transaction`, `refund`, …), when given.
    pub original_type: Option<String>,
    /// The `Request-ID` header of the delivery, when present (quote it to support).
    pub request_id: Option<String>,
}

/// A verified and decrypted notification whose resource is still JSON:
/// what [`Client::open_notification`](crate::Client::open_notification)
/// returns, for events this crate has no model for or to read a resource
/// your own way. [`decode`](Self::decode) types it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RawNotification {
    /// The envelope.
    pub envelope: Envelope,
    /// The decrypted resource.
    pub resource: serde_json::Value,
}

/// A verified, decrypted and typed notification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// The envelope: id, times, event type, summary.
    pub envelope: Envelope,
    /// What happened, with the decrypted resource.
    pub event: Event,
}

impl Notification {
    /// The notification id (`EV-…`), the key for de-duplication.
    pub fn id(&self) -> &str {
        &self.envelope.id
    }

    /// The event type, e.g. `TRANSACTION.SUCCESS`.
    pub fn event_type(&self) -> &str {
        &self.envelope.event_type
    }
}

/// Declares [`Event`]'s variants for the event types with one model each,
/// with [`Event::event_type`] and the decoding table, from one list.
macro_rules! events {
    ($( $wire:literal => $variant:ident($model:ident), $doc:literal; )*) => {
        /// What a notification reports: a variant per event type of the
        /// platform's list, with the decrypted resource typed.
        ///
        /// | event type | variant | resource |
        /// |---|---|---|
        /// | `TRANSACTION.SUCCESS` | [`TransactionSuccess`](Self::TransactionSuccess), [`PartnerTransactionSuccess`](Self::PartnerTransactionSuccess), [`CombineTransactionSuccess`](Self::CombineTransactionSuccess) (by shape) | [`Transaction`], [`PartnerTransaction`], [`CombineTransaction`] |
        /// | `REFUND.SUCCESS` | [`RefundSuccess`](Self::RefundSuccess) | [`RefundNotification`] |
        /// | `REFUND.ABNORMAL` | [`RefundAbnormal`](Self::RefundAbnormal) | [`RefundNotification`] |
        /// | `REFUND.CLOSED` | [`RefundClosed`](Self::RefundClosed) | [`RefundNotification`] |
        /// | `MALL_AUTH.ACTIVATE_CARD` | [`MallAuthActivateCard`](Self::MallAuthActivateCard) | [`MallAuthorization`] |
        /// | `MALL_TRANSACTION.SUCCESS` | [`MallTransactionSuccess`](Self::MallTransactionSuccess) | [`MallTransaction`] |
        /// | `MALL_REFUND.SUCCESS` | [`MallRefundSuccess`](Self::MallRefundSuccess) | [`MallRefund`] |
        /// | `TRANSACTION.FAIL` | [`TransactionFail`](Self::TransactionFail) | [`EntrustedPayment`] |
        /// | `ECOMMERCE_ENTRUST.SIGN` | [`EcommerceEntrustSign`](Self::EcommerceEntrustSign) | [`EcommerceEntrustContract`] |
        /// | `ECOMMERCE_ENTRUST.TERMINATE` | [`EcommerceEntrustTerminate`](Self::EcommerceEntrustTerminate) | [`EcommerceEntrustContract`] |
        /// | `ENTRUST.SIGNING` | [`EntrustSigning`](Self::EntrustSigning) | [`SchoolPayContract`] |
        /// | `ENTRUST.RELEASE` | [`EntrustRelease`](Self::EntrustRelease) | [`SchoolPayContract`] |
        /// | `ENTRUST.TERMINATE_RETENTION` | [`EntrustTerminateRetention`](Self::EntrustTerminateRetention) | [`TerminationRetention`] |
        /// | `PROFITSHARING` | [`ProfitSharing`](Self::ProfitSharing) | [`ProfitSharingNotification`] |
        /// | `PROFITSHARING_RETURN` | [`ProfitSharingReturn`](Self::ProfitSharingReturn) | [`ProfitSharingNotification`] |
        /// | `COMPLAINT.CREATE` | [`ComplaintCreate`](Self::ComplaintCreate) | [`ComplaintNotification`] |
        /// | `COMPLAINT.STATE_CHANGE` | [`ComplaintStateChange`](Self::ComplaintStateChange) | [`ComplaintNotification`] |
        /// | `COUPON.USE` | [`CouponUse`](Self::CouponUse) | [`CouponUse`] |
        /// | `COUPON.SEND` | [`CouponSend`](Self::CouponSend) | [`CouponSend`] |
        /// | `TRANSACTION.INDUSTRY_SUCCESS` | [`TransactionIndustrySuccess`](Self::TransactionIndustrySuccess) | [`IndustryTransaction`] |
        /// | `TRANSACTION.INDUSTRY_FAILED` | [`TransactionIndustryFailed`](Self::TransactionIndustryFailed) | [`IndustryTransaction`] |
        /// | `EDU_SCHOOL_PAY.USER_DEBT_STATE_UPDATE` | [`EduSchoolPayUserDebtStateUpdate`](Self::EduSchoolPayUserDebtStateUpdate) | [`UserDebtState`] |
        /// | `PAYSCORE.BIND_SERVICE_ACCOUNT` | [`PayScoreBindServiceAccount`](Self::PayScoreBindServiceAccount) | [`PayScoreServiceAccountBinding`] |
        /// | `PAYSCORE.USER_SIGN_PLAN` | [`PayScoreUserSignPlan`](Self::PayScoreUserSignPlan) | [`PayScoreSignPlan`] |
        /// | `PAYSCORE.USER_CANCEL_SIGN_PLAN` | [`PayScoreUserCancelSignPlan`](Self::PayScoreUserCancelSignPlan) | [`PayScoreSignPlan`] |
        /// | `PAYSCORE.USER_OPEN_SERVICE` | [`PayScoreUserOpenService`](Self::PayScoreUserOpenService) | [`PayScorePermission`] |
        /// | `PAYSCORE.USER_CLOSE_SERVICE` | [`PayScoreUserCloseService`](Self::PayScoreUserCloseService) | [`PayScorePermission`] |
        /// | `PAYSCORE.USER_CONFIRM` | [`PayScoreUserConfirm`](Self::PayScoreUserConfirm) | [`PayScoreServiceOrder`] |
        /// | `PAYSCORE.USER_PAID` | [`PayScoreUserPaid`](Self::PayScoreUserPaid) | [`PayScoreServiceOrder`] |
        /// | `DISCOUNT_CARD.GET_CARD` | [`DiscountCardGetCard`](Self::DiscountCardGetCard) | [`DiscountCard`] |
        /// | `DISCOUNT_CARD.SETTLEMENT` | [`DiscountCardSettlement`](Self::DiscountCardSettlement) | [`DiscountCard`] |
        /// | `DISCOUNT_CARD.USER_ACCEPTED` | [`DiscountCardUserAccepted`](Self::DiscountCardUserAccepted) | [`DiscountCard`] |
        /// | `DISCOUNT_CARD.AGREEMENT_ENDED` | [`DiscountCardAgreementEnded`](Self::DiscountCardAgreementEnded) | [`DiscountCard`] |
        /// | `DISCOUNT_CARD.USER_PAID` | [`DiscountCardUserPaid`](Self::DiscountCardUserPaid) | [`DiscountCard`] |
        /// | `MEMBERCARD.ACCEPT_CARD` | [`MemberCardAcceptCard`](Self::MemberCardAcceptCard) | [`MemberCardEvent`] |
        /// | `MEMBERCARD.ACTIVATE_CARD` | [`MemberCardActivateCard`](Self::MemberCardActivateCard) | [`MemberCardEvent`] |
        /// | `MEMBERCARD.USERCARD_MANAGE` | [`MemberCardUserCardManage`](Self::MemberCardUserCardManage) | [`MemberCardEvent`] |
        /// | `HIRE_POWER_BANK.RECEIVE_INSURANCE` | [`HirePowerBankReceiveInsurance`](Self::HirePowerBankReceiveInsurance) | [`InsuranceOrder`] |
        /// | `RECHARGE.SUCCESS` | [`RechargeSuccess`](Self::RechargeSuccess) | [`Recharge`] |
        /// | `RECHARGE.CLOSED` | [`RechargeClosed`](Self::RechargeClosed) | [`Recharge`] |
        /// | `APPLYMENT_STATE.APPROVED` | [`ApplymentStateApproved`](Self::ApplymentStateApproved) | [`ApplymentState`] |
        /// | `PAPAY.SIGN` | [`PapaySign`](Self::PapaySign) | [`PapayContract`] |
        /// | `PAPAY.TERMINATE` | [`PapayTerminate`](Self::PapayTerminate) | [`PapayContract`] |
        /// | `FACEPAY.USER_STATE_CHANGE` | [`FacepayUserStateChange`](Self::FacepayUserStateChange) | [`FacepayUserState`] |
        /// | `SETTLEMENT.SUCCESS` | [`SettlementSuccess`](Self::SettlementSuccess) | [`PersonalSettlement`] |
        /// | `MCHWITHDRAW.CHANGE` | [`MchWithdrawChange`](Self::MchWithdrawChange) | [`Withdrawal`] |
        /// | `MCHTRANSFER.QQWALLETBILL.FINISHED` | [`MchTransferQqWalletBillFinished`](Self::MchTransferQqWalletBillFinished) | [`QqWalletTransfer`] |
        /// | `MCHTRANSFER.AUTHORIZATION.CONFIRMED` | [`MchTransferAuthorizationConfirmed`](Self::MchTransferAuthorizationConfirmed) | [`TransferAuthorization`] |
        /// | `MEMBERCARDSP.USER_CARD.CREATE` | [`MemberCardSpUserCardCreate`](Self::MemberCardSpUserCardCreate) | [`BrandMemberCard`] |
        /// | `MEMBERCARDSP.USER_CARD.DELETE` | [`MemberCardSpUserCardDelete`](Self::MemberCardSpUserCardDelete) | [`BrandMemberCard`] |
        /// | `BUDGET.LOCKED` | [`BudgetLocked`](Self::BudgetLocked) | [`Budget`] |
        /// | `BUDGET.CLOSED` | [`BudgetClosed`](Self::BudgetClosed) | [`Budget`] |
        /// | `BUDGET.FINISHED` | [`BudgetFinished`](Self::BudgetFinished) | [`Budget`] |
        /// | `WEBIZPAY.QUOTACARDEXPIRED` | [`WebizpayQuotaCardExpired`](Self::WebizpayQuotaCardExpired) | [`QuotaCardExpired`] |
        /// | `WEBIZPAY.PAYMENTSUCCESS` | [`WebizpayPaymentSuccess`](Self::WebizpayPaymentSuccess) | [`QuotaCardPayment`] |
        /// | `WEBIZPAY.PAYMENTREFUNDSUCCESS` | [`WebizpayPaymentRefundSuccess`](Self::WebizpayPaymentRefundSuccess) | [`QuotaCardPayment`] |
        /// | `WEBIZPAY.REVOKED` | [`WebizpayRevoked`](Self::WebizpayRevoked) | [`WebizpayAuthorization`] |
        /// | `WEBIZPAY.AUTHORIZED` | [`WebizpayAuthorized`](Self::WebizpayAuthorized) | [`WebizpayAuthorization`] |
        ///
        /// `TRANSACTION.SUCCESS` is shared by several products, with the same
        /// `original_type` (`transaction`), so it is typed by the shape of the
        /// resource: one with `combine_mchid` is a combined payment
        /// ([`CombineTransactionSuccess`](Self::CombineTransactionSuccess)); else
        /// one with `sp_mchid` is a service provider's order
        /// ([`PartnerTransactionSuccess`](Self::PartnerTransactionSuccess)); anything
        /// else a direct merchant's ([`TransactionSuccess`](Self::TransactionSuccess)),
        /// which is also the shape of a direct entrusted-deduction (委托代扣)
        /// success. Refund notifications have one model for both kinds of
        /// merchant. The models are the runtime's own ([`resource`](super::resource)),
        /// so the typed variants are always there; an event type not in the
        /// list is [`Other`](Self::Other), with its resource as JSON.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            /// `TRANSACTION.SUCCESS` for a direct merchant's order.
            TransactionSuccess(Box<Transaction>),
            /// `TRANSACTION.SUCCESS` for an order a service provider placed for a
            /// sub-merchant.
            PartnerTransactionSuccess(Box<PartnerTransaction>),
            /// `TRANSACTION.SUCCESS` for a combined payment (合单支付).
            CombineTransactionSuccess(Box<CombineTransaction>),
            /// `REFUND.SUCCESS`: the money is back with the payer.
            RefundSuccess(RefundNotification),
            /// `REFUND.ABNORMAL`: the refund failed (e.g. the payer's card was
            /// cancelled); settle it with the abnormal-refund operation.
            RefundAbnormal(RefundNotification),
            /// `REFUND.CLOSED`: the refund was closed without paying out.
            RefundClosed(RefundNotification),
            $(
                #[doc = concat!("`", $wire, "`: ", $doc)]
                $variant(Box<$model>),
            )*
            /// Any other event, with its decrypted resource as JSON.
            Other {
                /// The event type, e.g. `MEDICAL_INSURANCE.SUCCESS`.
                event_type: String,
                /// The decrypted resource.
                resource: serde_json::Value,
            },
        }

        impl Event {
            /// The event type this event was decoded from, e.g.
            /// `TRANSACTION.SUCCESS` (for [`Other`](Self::Other), as received).
            pub fn event_type(&self) -> &str {
                match self {
                    Self::TransactionSuccess(_)
                    | Self::PartnerTransactionSuccess(_)
                    | Self::CombineTransactionSuccess(_) => "TRANSACTION.SUCCESS",
                    Self::RefundSuccess(_) => "REFUND.SUCCESS",
                    Self::RefundAbnormal(_) => "REFUND.ABNORMAL",
                    Self::RefundClosed(_) => "REFUND.CLOSED",
                    $( Self::$variant(_) => $wire, )*
                    Self::Other { event_type, .. } => event_type,
                }
            }

            /// Every event type with a typed variant (all but
            /// [`Other`](Self::Other)).
            pub const TYPED: &'static [&'static str] = &[
                "TRANSACTION.SUCCESS",
                "REFUND.SUCCESS",
                "REFUND.ABNORMAL",
                "REFUND.CLOSED",
                $( $wire, )*
            ];
        }

        /// The typed event of an event type with one model, or
        /// [`Event::Other`] for a type not in the list.
        fn decode_listed<R: Resource>(
            event_type: &str,
            resource: R,
        ) -> Result<Event, NotifyError> {
            Ok(match event_type {
                $(
                    $wire => Event::$variant(Box::new(
                        typed(event_type, stringify!($model), resource)?,
                    )),
                )*
                _ => Event::Other {
                    event_type: event_type.to_owned(),
                    resource: resource.into_value().map_err(|e| decode_error(event_type, "JSON", &e))?,
                },
            })
        }
    };
}

events! {
    "MALL_AUTH.ACTIVATE_CARD" => MallAuthActivateCard(MallAuthorization), "A member authorised a mall's points service.";
    "MALL_TRANSACTION.SUCCESS" => MallTransactionSuccess(MallTransaction), "A member paid at a mall shop.";
    "MALL_REFUND.SUCCESS" => MallRefundSuccess(MallRefund), "A mall shop refunded a member.";
    "TRANSACTION.FAIL" => TransactionFail(EntrustedPayment), "An entrusted deduction failed.";
    "ECOMMERCE_ENTRUST.SIGN" => EcommerceEntrustSign(EcommerceEntrustContract), "A user signed an e-commerce combined-deduction contract.";
    "ECOMMERCE_ENTRUST.TERMINATE" => EcommerceEntrustTerminate(EcommerceEntrustContract), "An e-commerce combined-deduction contract ended.";
    "ENTRUST.SIGNING" => EntrustSigning(SchoolPayContract), "A user signed an education-fee deduction contract.";
    "ENTRUST.RELEASE" => EntrustRelease(SchoolPayContract), "An education-fee deduction contract was released.";
    "ENTRUST.TERMINATE_RETENTION" => EntrustTerminateRetention(TerminationRetention), "A user is about to terminate a deduction contract.";
    "PROFITSHARING" => ProfitSharing(ProfitSharingNotification), "A receiver got money from a profit-sharing order.";
    "PROFITSHARING_RETURN" => ProfitSharingReturn(ProfitSharingNotification), "Money went back from a profit-sharing receiver.";
    "COMPLAINT.CREATE" => ComplaintCreate(ComplaintNotification), "A payer complained.";
    "COMPLAINT.STATE_CHANGE" => ComplaintStateChange(ComplaintNotification), "A complaint changed.";
    "COUPON.USE" => CouponUse(CouponUse), "A cash coupon was used.";
    "COUPON.SEND" => CouponSend(CouponSend), "A merchant coupon was handed to a user.";
    "TRANSACTION.INDUSTRY_SUCCESS" => TransactionIndustrySuccess(IndustryTransaction), "An industry (campus) deduction succeeded.";
    "TRANSACTION.INDUSTRY_FAILED" => TransactionIndustryFailed(IndustryTransaction), "An industry (campus) deduction failed.";
    "EDU_SCHOOL_PAY.USER_DEBT_STATE_UPDATE" => EduSchoolPayUserDebtStateUpdate(UserDebtState), "A user's campus debt state changed.";
    "PAYSCORE.BIND_SERVICE_ACCOUNT" => PayScoreBindServiceAccount(PayScoreServiceAccountBinding), "A Pay Score service account binding ended.";
    "PAYSCORE.USER_SIGN_PLAN" => PayScoreUserSignPlan(PayScoreSignPlan), "A user signed a Pay Score plan.";
    "PAYSCORE.USER_CANCEL_SIGN_PLAN" => PayScoreUserCancelSignPlan(PayScoreSignPlan), "A user cancelled a signed Pay Score plan.";
    "PAYSCORE.USER_OPEN_SERVICE" => PayScoreUserOpenService(PayScorePermission), "A user opened a Pay Score service.";
    "PAYSCORE.USER_CLOSE_SERVICE" => PayScoreUserCloseService(PayScorePermission), "A user closed a Pay Score service.";
    "PAYSCORE.USER_CONFIRM" => PayScoreUserConfirm(PayScoreServiceOrder), "A user confirmed a Pay Score service order.";
    "PAYSCORE.USER_PAID" => PayScoreUserPaid(PayScoreServiceOrder), "A user paid a Pay Score service order.";
    "DISCOUNT_CARD.GET_CARD" => DiscountCardGetCard(DiscountCard), "A user took a discount card (older card API).";
    "DISCOUNT_CARD.SETTLEMENT" => DiscountCardSettlement(DiscountCard), "A discount card was settled (older card API).";
    "DISCOUNT_CARD.USER_ACCEPTED" => DiscountCardUserAccepted(DiscountCard), "A user took a discount card.";
    "DISCOUNT_CARD.AGREEMENT_ENDED" => DiscountCardAgreementEnded(DiscountCard), "A discount card's term ended.";
    "DISCOUNT_CARD.USER_PAID" => DiscountCardUserPaid(DiscountCard), "A discount card's payment changed.";
    "MEMBERCARD.ACCEPT_CARD" => MemberCardAcceptCard(MemberCardEvent), "A user took a member card.";
    "MEMBERCARD.ACTIVATE_CARD" => MemberCardActivateCard(MemberCardEvent), "A user activated a member card.";
    "MEMBERCARD.USERCARD_MANAGE" => MemberCardUserCardManage(MemberCardEvent), "A user viewed, changed or removed a member card.";
    "HIRE_POWER_BANK.RECEIVE_INSURANCE" => HirePowerBankReceiveInsurance(InsuranceOrder), "A power-bank insurance order changed.";
    "RECHARGE.SUCCESS" => RechargeSuccess(Recharge), "A recharge succeeded.";
    "RECHARGE.CLOSED" => RechargeClosed(Recharge), "A recharge was closed.";
    "APPLYMENT_STATE.APPROVED" => ApplymentStateApproved(ApplymentState), "A payment-permission application was approved.";
    "PAPAY.SIGN" => PapaySign(PapayContract), "A user signed a password-free contract.";
    "PAPAY.TERMINATE" => PapayTerminate(PapayContract), "A password-free contract was terminated.";
    "FACEPAY.USER_STATE_CHANGE" => FacepayUserStateChange(FacepayUserState), "A face-payment user's state changed.";
    "SETTLEMENT.SUCCESS" => SettlementSuccess(PersonalSettlement), "A personal-collection settlement completed.";
    "MCHWITHDRAW.CHANGE" => MchWithdrawChange(Withdrawal), "A withdrawal changed state.";
    "MCHTRANSFER.QQWALLETBILL.FINISHED" => MchTransferQqWalletBillFinished(QqWalletTransfer), "A transfer to a QQ wallet finished.";
    "MCHTRANSFER.AUTHORIZATION.CONFIRMED" => MchTransferAuthorizationConfirmed(TransferAuthorization), "A user authorised automatic transfers.";
    "MEMBERCARDSP.USER_CARD.CREATE" => MemberCardSpUserCardCreate(BrandMemberCard), "A user's brand member card was created.";
    "MEMBERCARDSP.USER_CARD.DELETE" => MemberCardSpUserCardDelete(BrandMemberCard), "A user's brand member card was deleted.";
    "BUDGET.LOCKED" => BudgetLocked(Budget), "A marketing budget was locked.";
    "BUDGET.CLOSED" => BudgetClosed(Budget), "A marketing budget was closed.";
    "BUDGET.FINISHED" => BudgetFinished(Budget), "A marketing budget was used up.";
    "WEBIZPAY.QUOTACARDEXPIRED" => WebizpayQuotaCardExpired(QuotaCardExpired), "An enterprise quota card expired.";
    "WEBIZPAY.PAYMENTSUCCESS" => WebizpayPaymentSuccess(QuotaCardPayment), "A payment with a quota card succeeded.";
    "WEBIZPAY.PAYMENTREFUNDSUCCESS" => WebizpayPaymentRefundSuccess(QuotaCardPayment), "A quota-card payment was refunded.";
    "WEBIZPAY.REVOKED" => WebizpayRevoked(WebizpayAuthorization), "An employee's authorisation was revoked.";
    "WEBIZPAY.AUTHORIZED" => WebizpayAuthorized(WebizpayAuthorization), "An employee gave the enterprise authorisation.";
}

/// The envelope on the wire. What ends in [`Envelope`] is owned; the
/// encrypted resource, used once to decrypt, is borrowed from the body
/// (unless an escape in it makes serde copy).
#[derive(Deserialize)]
pub(crate) struct WireEnvelope<'a> {
    pub(crate) id: String,
    pub(crate) create_time: String,
    pub(crate) event_type: String,
    pub(crate) resource_type: String,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(borrow)]
    pub(crate) resource: WireResource<'a>,
}

/// The encrypted resource on the wire.
#[derive(Deserialize)]
pub(crate) struct WireResource<'a> {
    #[serde(borrow)]
    pub(crate) algorithm: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) ciphertext: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) nonce: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(crate) associated_data: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) original_type: Option<String>,
}

impl RawNotification {
    /// Types the resource by event type; see [`Event`]. Fails with
    /// [`NotifyError::Decode`] when a known event's resource does not fit
    /// its model (the notification itself stays usable through
    /// [`resource`](Self::resource) before calling this).
    pub fn decode(self) -> Result<Notification, NotifyError> {
        let RawNotification { envelope, resource } = self;
        let event = decode_event(&envelope.event_type, resource)?;
        Ok(Notification { envelope, event })
    }
}

/// Types a decrypted resource straight from its JSON text, without the
/// intermediate `serde_json::Value` of [`RawNotification::decode`]: the
/// path of [`Client::parse_notification`](crate::Client::parse_notification).
pub(crate) fn decode_plaintext(
    envelope: Envelope,
    plaintext: &[u8],
) -> Result<Notification, NotifyError> {
    let event = decode_event(&envelope.event_type, Plaintext(plaintext))?;
    Ok(Notification { envelope, event })
}

/// The typed event for `event_type`; see [`Event`].
fn decode_event<R: Resource>(event_type: &str, resource: R) -> Result<Event, NotifyError> {
    Ok(match event_type {
        "TRANSACTION.SUCCESS" => {
            let shape = resource
                .transaction_shape()
                .map_err(|e| decode_error(event_type, "JSON", &e))?;
            if shape.combine_mchid {
                Event::CombineTransactionSuccess(Box::new(typed(
                    event_type,
                    "CombineTransaction",
                    resource,
                )?))
            } else if shape.sp_mchid {
                Event::PartnerTransactionSuccess(Box::new(typed(
                    event_type,
                    "partner Transaction",
                    resource,
                )?))
            } else {
                Event::TransactionSuccess(Box::new(typed(event_type, "Transaction", resource)?))
            }
        }
        "REFUND.SUCCESS" => {
            Event::RefundSuccess(typed(event_type, "RefundNotification", resource)?)
        }
        "REFUND.ABNORMAL" => {
            Event::RefundAbnormal(typed(event_type, "RefundNotification", resource)?)
        }
        "REFUND.CLOSED" => Event::RefundClosed(typed(event_type, "RefundNotification", resource)?),
        _ => decode_listed(event_type, resource)?,
    })
}

/// Which top-level keys tell the `TRANSACTION.SUCCESS` shapes apart; a key
/// counts when present, whatever its value (`null` included).
#[derive(Deserialize)]
struct TransactionShape {
    #[serde(default, deserialize_with = "present")]
    combine_mchid: bool,
    #[serde(default, deserialize_with = "present")]
    sp_mchid: bool,
}

/// `true` for a key that is there, skipping its value unread.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

/// A decrypted resource, as a parsed `Value` or as its JSON text.
trait Resource: Sized {
    /// The resource as model `T`.
    fn into_model<T: DeserializeOwned>(self) -> Result<T, serde_json::Error>;
    /// The resource as JSON, for [`Event::Other`].
    fn into_value(self) -> Result<serde_json::Value, serde_json::Error>;
    /// Which `TRANSACTION.SUCCESS` shape the resource has.
    fn transaction_shape(&self) -> Result<TransactionShape, serde_json::Error>;
}

impl Resource for serde_json::Value {
    fn into_model<T: DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        serde_json::from_value(self)
    }

    fn into_value(self) -> Result<serde_json::Value, serde_json::Error> {
        Ok(self)
    }

    fn transaction_shape(&self) -> Result<TransactionShape, serde_json::Error> {
        Ok(TransactionShape {
            combine_mchid: self.get("combine_mchid").is_some(),
            sp_mchid: self.get("sp_mchid").is_some(),
        })
    }
}

/// The decrypted JSON text of a resource.
struct Plaintext<'a>(&'a [u8]);

impl Resource for Plaintext<'_> {
    fn into_model<T: DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(self.0)
    }

    fn into_value(self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(self.0)
    }

    fn transaction_shape(&self) -> Result<TransactionShape, serde_json::Error> {
        match top_level_shape(self.0) {
            Some(shape) => Ok(shape),
            None => serde_json::from_slice(self.0),
        }
    }
}

/// The [`TransactionShape`] of a JSON object's text, from its top-level
/// keys alone: strings are skipped with `memchr`, values are not parsed
/// (the typed decode that follows does that, and refuses what is not
/// JSON). `None` when the text does not begin as an object, or when it
/// must be walked and a top-level key holds an escape or the object is
/// cut short: serde then decides.
///
/// A direct merchant's payment, by far the most common, holds no key
/// ending in `_mchid` and usually no backslash: two vectorised searches
/// over the text settle it without walking its structure.
fn top_level_shape(json: &[u8]) -> Option<TransactionShape> {
    static MCHID_SUFFIX: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"_mchid\""));
    let mut shape = TransactionShape {
        combine_mchid: false,
        sp_mchid: false,
    };
    let mut i = json.iter().position(|b| !b.is_ascii_whitespace())?;
    if json.get(i) != Some(&b'{') {
        return None;
    }
    // Both keys end in `_mchid"`, and a key written with an escape holds a
    // backslash: with neither anywhere in the text, neither key is there.
    if memchr::memchr(b'\\', json).is_none() && MCHID_SUFFIX.find(json).is_none() {
        return Some(shape);
    }
    let mut depth = 0usize;
    let mut expect_key = false;
    while let Some(&b) = json.get(i) {
        match b {
            b'"' => {
                let end = string_end(json, i + 1)?;
                if depth == 1 && expect_key {
                    let key = json.get(i + 1..end)?;
                    if key.contains(&b'\\') {
                        return None;
                    }
                    match key {
                        b"combine_mchid" => shape.combine_mchid = true,
                        b"sp_mchid" => shape.sp_mchid = true,
                        _ => {}
                    }
                    expect_key = false;
                }
                i = end;
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = b == b'{' && depth == 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(shape);
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote closing the string whose text starts at `from`.
fn string_end(json: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let rest = json.get(from..)?;
        let at = memchr::memchr2(b'"', b'\\', rest)?;
        if rest.get(at) == Some(&b'"') {
            return Some(from + at);
        }
        // A backslash: the byte after it is escaped.
        from += at + 2;
    }
}

/// Decodes a resource, keeping only what failed, never the data.
fn typed<T: DeserializeOwned, R: Resource>(
    event_type: &str,
    model: &'static str,
    resource: R,
) -> Result<T, NotifyError> {
    resource
        .into_model()
        .map_err(|e| decode_error(event_type, model, &e))
}

/// [`NotifyError::Decode`] without the data the serde error quotes.
pub(crate) fn decode_error(
    event_type: &str,
    model: &'static str,
    e: &serde_json::Error,
) -> NotifyError {
    NotifyError::Decode {
        event_type: event_type.chars().take(64).collect(),
        model,
        reason: data_free_reason(&without_position(e)),
    }
}

/// A serde error's message without the ` at line … column …` that parsing
/// from text adds, so that both decoding paths give the same reason.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

/// What a serde error says, without the values it quotes: `missing field
/// `x`` is kept (a field name is not data); `invalid type: string "…",
/// expected i64` keeps only its kind and what was expected.
pub(crate) fn data_free_reason(message: &str) -> String {
    if message.starts_with("missing field `") {
        return message.chars().take(96).collect();
    }
    for kind in ["invalid type", "invalid value", "invalid length"] {
        if message.starts_with(kind) {
            return match message.rsplit_once(", expected ") {
                Some((_, expected)) => format!(
                    "{kind}, expected {}",
                    expected.chars().take(64).collect::<String>()
                ),
                None => kind.to_owned(),
            };
        }
    }
    if message.starts_with("unknown variant") {
        return "unknown variant".to_owned();
    }
    "the resource does not fit".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_skim_agrees_with_serde() {
        let cases = [
            r#"{"mchid":"1","out_trade_no":"T"}"#,
            r#"{"sp_mchid":"1","sub_mchid":"2"}"#,
            r#" {"combine_mchid":null,"sub_orders":[{"mchid":"1"}]}"#,
            r#"{"a":{"sp_mchid":"nested"},"b":[{"combine_mchid":1}],"c":"x"}"#,
            r#"{"attach":"\"sp_mchid\":\"1\"","d":"\\","e":"a\"b"}"#,
            r#"{"n":[1,2,{"x":[]}],"sp_mchid":"1","combine_mchid":true}"#,
            r#"{}"#,
            "{\n  \"sp_mchid\" : \"1\" ,\n \"x\" : {} \n}",
            // Past the quick searches (a backslash, or `_mchid"` somewhere)
            // without either key at the top.
            r#"{"attach":"sub_mchid","mchid":"1"}"#,
            r#"{"sub_mchid":"1","a":{"sp_mchid":"2"}}"#,
            r#"{"attach":"a\\b","mchid":"1"}"#,
        ];
        for case in cases {
            let fast = top_level_shape(case.as_bytes()).unwrap();
            let slow: TransactionShape = serde_json::from_str(case).unwrap();
            assert_eq!(
                (fast.combine_mchid, fast.sp_mchid),
                (slow.combine_mchid, slow.sp_mchid),
                "{case}"
            );
        }
        // Left to serde: an escaped top-level key, text that is no object.
        assert!(top_level_shape(br#"{"sp\u005fmchid":"1"}"#).is_none());
        let escaped: TransactionShape = Plaintext(br#"{"sp\u005fmchid":"1"}"#)
            .transaction_shape()
            .unwrap();
        assert!(escaped.sp_mchid);
        assert!(top_level_shape(b"[1]").is_none());
        assert!(top_level_shape(br#"{"sp_mchid":"open"#).is_none());
        // Without either key's ending anywhere, the searches answer
        // "neither" even for a text cut short: the typed decode that
        // follows refuses it.
        let cut = br#"{"a":"open"#;
        let shape = top_level_shape(cut).unwrap();
        assert!(!shape.combine_mchid && !shape.sp_mchid);
        assert!(serde_json::from_slice::<Transaction>(cut).is_err());
        assert!(top_level_shape(b"").is_none());
    }

    #[test]
    fn decode_reasons_quote_no_data() {
        assert_eq!(
            data_free_reason("missing field `out_trade_no`"),
            "missing field `out_trade_no`"
        );
        assert_eq!(
            data_free_reason(r#"invalid type: string "6222 0000", expected i64"#),
            "invalid type, expected i64"
        );
        assert_eq!(
            data_free_reason("invalid value: integer `-5`, expected u8"),
            "invalid value, expected u8"
        );
        assert_eq!(
            data_free_reason("unknown variant `SECRET`, expected `A`"),
            "unknown variant"
        );
        assert_eq!(
            data_free_reason("whatever SECRET"),
            "the resource does not fit"
        );
    }
}
