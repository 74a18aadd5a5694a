//! WeChat Pay Score (微信支付分): service orders confirmed and paid,
//! services opened and closed, sign plans, service account bindings.
use super::PromotionDetail;
use serde::{Deserialize, Serialize};

/// A Pay Score service order as the service order query reports it (`PAYSCORE.USER_CONFIRM`, `PAYSCORE.USER_PAID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreServiceOrder {
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The merchant (the service provider, for partners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The Pay Score service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The merchant's service order number.
    pub out_order_no: String,
    /// The platform's service order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The channel id, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// Where the order stands (`CREATED`, `DOING`, `DONE`, `REVOKED`, `EXPIRED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A finer state (`USER_CONFIRM`, `MCH_COMPLETE`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_description: Option<String>,
    /// The service, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_introduction: Option<String>,
    /// The total in fen, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// What the user pays for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_payments: Option<Vec<PayScorePostPayment>>,
    /// The discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_discounts: Option<Vec<PayScorePostDiscount>>,
    /// The deposit waived thanks to the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_fund: Option<PayScoreRiskFund>,
    /// When the service runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<PayScoreTimeRange>,
    /// Where the service runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<PayScoreLocation>,
    /// The merchant data given when creating the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Whether the platform collects the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_collection: Option<bool>,
    /// How the payment was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<PayScoreCollection>,
    /// The merchant's order number of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
}

/// One item a user pays for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScorePostPayment {
    /// The item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// How it was worked out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// One discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScorePostDiscount {
    /// The discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// The deposit waived thanks to the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreRiskFund {
    /// The kind of deposit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// When a service runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreTimeRange {
    /// Start (`yyyyMMddHHmmss` or `OnAccept`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// A remark on the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time_remark: Option<String>,
    /// End (`yyyyMMddHHmmss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// A remark on the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time_remark: Option<String>,
}

/// Where a service runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreLocation {
    /// Where it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_location: Option<String>,
    /// Where it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_location: Option<String>,
}

/// How a service order's payment was collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreCollection {
    /// `USER_PAYING` or `USER_PAID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The total in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// Still to pay in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paying_amount: Option<i64>,
    /// Paid in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// Each payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<PayScoreCollectionDetail>>,
}

/// One payment of a [`PayScoreCollection`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreCollectionDetail {
    /// Its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Its amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// `NEWTON` (deducted) or `MCH` (paid to the merchant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_type: Option<String>,
    /// When (`yyyyMMddHHmmss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    /// The platform's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Discounts applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}

/// A user opened or closed a Pay Score service for the merchant (`PAYSCORE.USER_OPEN_SERVICE`, `PAYSCORE.USER_CLOSE_SERVICE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScorePermission {
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The Pay Score service.
    pub service_id: String,
    /// The channel id, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// `USER_OPEN_SERVICE` or `USER_CLOSE_SERVICE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_service_status: Option<String>,
    /// When (`yyyyMMddHHmmss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openorclose_time: Option<String>,
    /// The merchant's authorisation number, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<String>,
    /// The merchant's request number, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
}

/// A user signed or cancelled a Pay Score plan (`PAYSCORE.USER_SIGN_PLAN`, `PAYSCORE.USER_CANCEL_SIGN_PLAN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreSignPlan {
    /// The platform's id of the signed plan.
    pub sign_plan_id: String,
    /// The user's openid under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// The Pay Score service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The merchant's number of the signed plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_sign_plan_no: Option<String>,
    /// The merchant's page the user returns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_callback_url: Option<String>,
    /// The plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// The plan item in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub going_detail_no: Option<i64>,
    /// The signing state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_state: Option<String>,
    /// When the user signed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_time: Option<String>,
    /// When the signing was cancelled (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_sign_time: Option<String>,
    /// Who cancelled (`USER`, `MERCHANT`, `REVOKE_SERVICE`, `NOT_CANCEL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_sign_type: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// The plan's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_name: Option<String>,
    /// When the plan ends (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_over_time: Option<String>,
    /// The plan's price before discounts, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_origin_price: Option<i64>,
    /// How many items the plan has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduction_quantity: Option<i64>,
    /// The plan's price after discounts, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_actual_price: Option<i64>,
    /// The plan's items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_detail_list: Option<Vec<PayScoreSignPlanDetail>>,
}

/// One item of a signed plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreSignPlanDetail {
    /// Its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_detail_no: Option<i64>,
    /// Its price before discounts, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_price: Option<i64>,
    /// Its discount, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_discount_description: Option<String>,
    /// Its price after discounts, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_price: Option<i64>,
    /// `NOT_USED`, `USING`, `USED` or `SIGN_PLAN_DETAIL_CANCEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_detail_state: Option<String>,
    /// The service order that used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The merchant's number of the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_plan_detail_no: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_detail_name: Option<String>,
    /// What was paid, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_pay_price: Option<i64>,
    /// When it was used (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_time: Option<String>,
    /// When it was completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_time: Option<String>,
    /// When it was cancelled (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
}

/// The result of binding a service account (`PAYSCORE.BIND_SERVICE_ACCOUNT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayScoreServiceAccountBinding {
    /// The Pay Score service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The sub-merchant's appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The merchant's application number.
    pub out_apply_no: String,
    /// How the application ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_state: Option<String>,
    /// Why it was rejected, when so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<String>,
}
