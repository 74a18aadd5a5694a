//! A sub-merchant's order as the platform reports it.

use serde::{Deserialize, Serialize};

use super::{
    Detail, InstallmentInfo, LimitPay, PromotionDetail, TradeState, TradeType, TransactionAmount,
    TransactionSceneInfo,
};

/// A sub-merchant's order as the platform reports it: the answer to a
/// service provider's order queries (`/v3/pay/partner/transactions/…`), and
/// the resource of a service provider's payment notification.
///
/// Same shape as the direct [`Transaction`](super::Transaction), with the
/// service provider's and the sub-merchant's ids instead of `appid`/`mchid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerTransaction {
    /// The service provider's appid.
    pub sp_appid: String,
    /// The service provider's merchant id.
    pub sp_mchid: String,
    /// The sub-merchant's appid, when the order used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// The sub-merchant the order belongs to.
    pub sub_mchid: String,
    /// The sub-merchant's order number.
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
    /// The bank or funding source code.
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
    pub payer: Option<PartnerPayer>,
    /// The order's amount and what the payer paid.
    pub amount: TransactionAmount,
    /// Where the payment took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<TransactionSceneInfo>,
    /// Discounts applied to the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
    /// Settlement options of the order, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_info: Option<TransactionSettleInfo>,
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
    /// Instalment payment details, when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment_info: Option<InstallmentInfo>,
}

/// Settlement options as a [`PartnerTransaction`] reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionSettleInfo {
    /// Whether the funds are held for profit sharing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_sharing: Option<bool>,
    /// The subsidy added to the order, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsidy_amount: Option<i64>,
}

/// Who pays a partner order: the payer's openid under the service
/// provider's appid, under the sub-merchant's appid, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerPayer {
    /// The payer's openid under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// The payer's openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_partner_answer() {
        let t: PartnerTransaction = serde_json::from_str(
            r#"{"sp_appid":"wx8888888888888888","sp_mchid":"1230000109",
                "sub_appid":"wxd678efh567hg6999","sub_mchid":"1900000109",
                "out_trade_no":"1217752501201407033233368018",
                "transaction_id":"4200000000202611270000000001","trade_type":"JSAPI",
                "trade_state":"REFUND","trade_state_desc":"转入退款","bank_type":"OTHERS",
                "success_time":"2018-06-08T10:34:56+08:00",
                "payer":{"sp_openid":"o-sp","sub_openid":"o-sub"},
                "amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"},
                "settle_info":{"profit_sharing":true,"subsidy_amount":10},
                "promotion_detail":[]}"#,
        )
        .unwrap();
        assert_eq!(t.trade_state, TradeState::Refund);
        assert_eq!(t.payer.unwrap().sub_openid.as_deref(), Some("o-sub"));
        assert_eq!(t.settle_info.unwrap().subsidy_amount, Some(10));
        assert_eq!(t.promotion_detail, Some(vec![]));
    }
}
