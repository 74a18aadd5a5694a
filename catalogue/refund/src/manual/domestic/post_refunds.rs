//! `POST /v3/refund/domestic/refunds` (申请退款).

use serde::{Deserialize, Serialize};

use super::{FundsAccount, FundsFrom, Refund, RefundGoodsDetail};
use wxpay_core::endpoint;

/// Asks for a refund of a paid order, in whole or in part.
///
/// Name the order by `transaction_id` or `out_trade_no`. Several partial
/// refunds are allowed as long as their sum stays within what was paid.
/// Sending the same `out_refund_no` again does not refund twice, so a
/// retry after a timeout is safe. The answer is usually still
/// `PROCESSING`: follow up with [`GetRefunds`](super::GetRefunds) or the
/// refund notification.
#[endpoint(POST, "/v3/refund/domestic/refunds", response = Refund)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostRefunds {
    /// The sub-merchant whose order is refunded (service providers only).
    pub sub_mchid: Option<String>,
    /// The platform's order number; this or `out_trade_no`.
    pub transaction_id: Option<String>,
    /// The merchant's order number; this or `transaction_id`.
    pub out_trade_no: Option<String>,
    /// The merchant's refund number, unique per merchant: at most 64
    /// characters of letters, digits, `_`, `-`, `|`, `*` and `@`.
    pub out_refund_no: String,
    /// Why, shown to the payer (at most 80 characters).
    pub reason: Option<String>,
    /// HTTPS URL that receives the refund notification; without it, the
    /// one configured in the merchant platform is used.
    pub notify_url: Option<String>,
    /// Which merchant account pays the refund (`AVAILABLE` is the value the
    /// platform accepts); by default, unsettled funds.
    pub funds_account: Option<FundsAccount>,
    /// How much to refund, out of which total.
    pub amount: PostRefundsAmount,
    /// The items refunded, for single-goods discounts.
    pub goods_detail: Option<Vec<RefundGoodsDetail>>,
}

/// The amounts of a [`PostRefunds`] request, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRefundsAmount {
    /// How much to refund: positive, at most what is left of the payment.
    pub refund: i64,
    /// Which merchant accounts fund the refund, when split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<FundsFrom>>,
    /// The order's total, as placed.
    pub total: i64,
    /// The currency; `CNY`.
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn body_omits_none_and_writes_enums_as_strings() {
        let req = PostRefunds {
            out_trade_no: Some("1217752501201407033233368018".into()),
            out_refund_no: "R-1".into(),
            funds_account: Some(FundsAccount::Available),
            amount: PostRefundsAmount {
                refund: 30,
                from: None,
                total: 100,
                currency: "CNY".into(),
            },
            ..Default::default()
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, "/v3/refund/domestic/refunds");
        let RequestBody::Json(body) = req.body().unwrap() else {
            panic!("json body expected")
        };
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"out_trade_no":"1217752501201407033233368018","out_refund_no":"R-1","funds_account":"AVAILABLE","amount":{"refund":30,"total":100,"currency":"CNY"}}"#
        );
    }
}
