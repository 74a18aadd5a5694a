//! `GET /v3/pay/partner/transactions/out-trade-no/{out_trade_no}` and
//! `GET /v3/pay/partner/transactions/id/{transaction_id}` (服务商查询订单).

use super::Transaction;
use wxpay_core::endpoint;

/// Looks up a sub-merchant's order by its order number.
#[endpoint(
    GET,
    "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
    response = Transaction
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutTradeNo {
    /// The sub-merchant's order number (path).
    pub out_trade_no: String,
    /// The service provider's merchant id (query).
    pub sp_mchid: String,
    /// The sub-merchant the order belongs to (query).
    pub sub_mchid: String,
}

/// Looks up a sub-merchant's paid order by the platform's order number.
#[endpoint(
    GET,
    "/v3/pay/partner/transactions/id/{transaction_id}",
    response = Transaction
)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Id {
    /// The platform's order number (path).
    pub transaction_id: String,
    /// The service provider's merchant id (query).
    pub sp_mchid: String,
    /// The sub-merchant the order belongs to (query).
    pub sub_mchid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn both_merchants_go_to_the_query_in_order() {
        let req = OutTradeNo {
            out_trade_no: "T1".into(),
            sp_mchid: "1230000109".into(),
            sub_mchid: "1900000109".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(
            path,
            "/v3/pay/partner/transactions/out-trade-no/T1?sp_mchid=1230000109&sub_mchid=1900000109"
        );
        let req = Id {
            transaction_id: "42".into(),
            sp_mchid: "1".into(),
            sub_mchid: "2".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(
            path,
            "/v3/pay/partner/transactions/id/42?sp_mchid=1&sub_mchid=2"
        );
        assert_eq!(req.body().unwrap(), RequestBody::Empty);
    }
}
