//! Closing one sub-merchant order.

use wxpay_core::endpoint;

/// Closes a sub-merchant's unpaid order (`POST …/close`, 服务商关闭订单).
///
/// Answers `204 No Content`; closing a paid order is refused.
#[endpoint(POST, "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Close {
    /// The sub-merchant's order number (path).
    pub out_trade_no: String,
    /// The service provider's merchant id (body).
    pub sp_mchid: String,
    /// The sub-merchant the order belongs to (body).
    pub sub_mchid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn both_merchants_go_to_the_body() {
        let req = Close {
            out_trade_no: "T1".into(),
            sp_mchid: "1230000109".into(),
            sub_mchid: "1900000109".into(),
        };
        assert_eq!(
            req.body().unwrap(),
            RequestBody::Json(br#"{"sp_mchid":"1230000109","sub_mchid":"1900000109"}"#.to_vec())
        );
    }
}
