//! [`ComplaintNotification`]: a payer's complaint was created or changed
//! (`COMPLAINT.CREATE`, `COMPLAINT.STATE_CHANGE`). It names the complaint
//! only: read it with the complaint query.
use serde::{Deserialize, Serialize};

/// A complaint that was created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComplaintNotification {
    /// The complaint's number.
    pub complaint_id: String,
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<ComplaintAction>,
    /// The merchant complained about (service providers' notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complainted_mchid: Option<String>,
}

crate::open_enum! {
    /// What happened to a complaint (`action_type`).
    pub enum ComplaintAction {
        /// The payer complained.
        CreateComplaint = "CREATE_COMPLAINT",
        /// The payer complained again.
        ContinueComplaint = "CONTINUE_COMPLAINT",
        /// The payer left a message.
        UserResponse = "USER_RESPONSE",
        /// The platform answered.
        ResponseByPlatform = "RESPONSE_BY_PLATFORM",
        /// The merchant refunded.
        SellerRefund = "SELLER_REFUND",
        /// The merchant answered.
        MerchantResponse = "MERCHANT_RESPONSE",
        /// The merchant marked it done.
        MerchantConfirmComplete = "MERCHANT_CONFIRM_COMPLETE",
        /// The payer asked the platform to step in.
        UserApplyPlatformService = "USER_APPLY_PLATFORM_SERVICE",
        /// The payer withdrew that request.
        UserCancelPlatformService = "USER_CANCEL_PLATFORM_SERVICE",
        /// The platform finished its handling.
        PlatformServiceFinished = "PLATFORM_SERVICE_FINISHED",
        /// The merchant approved a refund.
        MerchantApproveRefund = "MERCHANT_APPROVE_REFUND",
        /// The merchant rejected a refund.
        MerchantRejectRefund = "MERCHANT_REJECT_REFUND",
        /// The refund was paid.
        RefundSuccess = "REFUND_SUCCESS",
    }
}
