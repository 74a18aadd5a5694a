//! [`RefundNotification`]: the resource of a refund notification
//! (`REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`).

use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// Where a refund stands (`status`).
    pub enum RefundStatus {
        /// The money is back with the payer.
        Success = "SUCCESS",
        /// The refund was closed without paying out.
        ///
        /// The spec's enumeration spells it `CLOSE`; the platform's
        /// documentation and notifications use `CLOSED`, which is what this
        /// variant reads. A `CLOSE` would arrive as `Other("CLOSE")`.
        Closed = "CLOSED",
        /// Being processed.
        Processing = "PROCESSING",
        /// Failed, for example because the payer's card was cancelled; the
        /// merchant can retry through the abnormal-refund operation.
        Abnormal = "ABNORMAL",
    }
}

/// What a refund notification reports, once decrypted.
///
/// Not the same shape as the `Refund` that the refund
/// operations answer: the state is `refund_status` (not `status`), the
/// amounts are only the four below, and there is no `channel`,
/// `create_time` or `funds_account`. Direct merchants get `mchid`;
/// service providers get `sp_mchid` and `sub_mchid` instead, so all three
/// are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotification {
    /// The merchant (direct merchants' notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The service provider (service providers' notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sub-merchant whose order was refunded (service providers' notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The merchant's number of the refunded order.
    pub out_trade_no: String,
    /// The platform's number of the refunded order.
    pub transaction_id: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The platform's refund number.
    pub refund_id: String,
    /// Where the refund ended: `SUCCESS`, `ABNORMAL` or `CLOSED`.
    pub refund_status: RefundStatus,
    /// When the refund succeeded (RFC 3339); only for `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// The account credited, in words (e.g. the payer's balance or a bank card).
    pub user_received_account: String,
    /// The amounts.
    pub amount: RefundNotificationAmount,
    /// Where the refunded money came from (`REFUND_SOURCE_UNSETTLED_FUNDS`,
    /// `REFUND_SOURCE_RECHARGE_FUNDS`), when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_source: Option<String>,
    /// Who advanced the refund for a partner order
    /// (`REFUND_SOURCE_PARTNER_ADVANCE`, `REFUND_SOURCE_SUB_MERCHANT`), when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_account: Option<String>,
    /// The individual seller's authorisation id, for personal-collection orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individual_auth_id: Option<String>,
}

/// The amounts of a [`RefundNotification`], in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotificationAmount {
    /// The order total.
    pub total: i64,
    /// The amount refunded.
    pub refund: i64,
    /// What the payer paid for the order.
    pub payer_total: i64,
    /// What the payer gets back.
    pub payer_refund: i64,
    /// The order's currency, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The currency the payer paid in, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_direct_and_partner_resources() {
        let direct: RefundNotification = serde_json::from_str(
            r#"{"mchid":"1900000100","transaction_id":"1008450740201411110005820873",
                "out_trade_no":"20150806125346","refund_id":"50200207182018070300011301001",
                "out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS",
                "success_time":"2018-06-08T10:34:56+08:00",
                "user_received_account":"招商银行信用卡0403",
                "amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999},
                "a_field_added_later":1}"#,
        )
        .unwrap();
        assert_eq!(direct.refund_status, RefundStatus::Success);
        assert_eq!(direct.mchid.as_deref(), Some("1900000100"));
        assert_eq!(direct.amount.payer_refund, 999);

        let partner: RefundNotification = serde_json::from_str(
            r#"{"sp_mchid":"1900000100","sub_mchid":"1900000109",
                "transaction_id":"4200000000202611270000000001","out_trade_no":"T1",
                "refund_id":"R1","out_refund_no":"OR1","refund_status":"ABNORMAL",
                "user_received_account":"支付用户零钱",
                "amount":{"total":100,"refund":40,"payer_total":100,"payer_refund":40}}"#,
        )
        .unwrap();
        assert_eq!(partner.refund_status, RefundStatus::Abnormal);
        assert_eq!(partner.mchid, None);
        assert_eq!(partner.sub_mchid.as_deref(), Some("1900000109"));
        assert_eq!(partner.success_time, None);
        let back = serde_json::to_value(&partner).unwrap();
        assert!(back.get("mchid").is_none(), "None fields are left out");
    }
}
