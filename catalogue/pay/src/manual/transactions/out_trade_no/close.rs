//! Closing one order of a direct merchant.

use wxpay_core::endpoint;

/// Closes an unpaid order, so that it can no longer be paid
/// (`POST …/out-trade-no/{out_trade_no}/close`, 关闭订单).
///
/// Answers `204 No Content`. Closing a closed order succeeds again;
/// closing a paid order is refused.
#[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Close {
    /// The merchant's order number (path).
    pub out_trade_no: String,
    /// The merchant the order belongs to (body).
    pub mchid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn the_order_number_goes_to_the_path_and_mchid_to_the_body() {
        let req = Close {
            out_trade_no: "T-1|2*3".into(),
            mchid: "1900000109".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, "/v3/pay/transactions/out-trade-no/T-1%7C2%2A3/close");
        assert_eq!(
            req.body().unwrap(),
            RequestBody::Json(br#"{"mchid":"1900000109"}"#.to_vec())
        );
        Close::decode_response(b"").unwrap();
    }
}
