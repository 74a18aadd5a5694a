//! `GET /v3/pay/transactions/out-trade-no/{out_trade_no}` and
//! `GET /v3/pay/transactions/id/{transaction_id}` (查询订单).

use super::Transaction;
use wxpay_core::endpoint;

/// Looks up an order by the merchant's order number.
///
/// Works for paid and unpaid orders alike; an unknown number answers
/// `404 ORDER_NOT_EXIST`.
#[endpoint(GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}", response = Transaction)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutTradeNo {
    /// The merchant's order number (path).
    pub out_trade_no: String,
    /// The merchant the order belongs to (query).
    pub mchid: String,
}

/// Looks up a paid order by the platform's order number (`transaction_id`).
///
/// Unpaid orders have no `transaction_id` yet: query those with
/// [`OutTradeNo`].
#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}", response = Transaction)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Id {
    /// The platform's order number (path).
    pub transaction_id: String,
    /// The merchant the order belongs to (query).
    pub mchid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual::test_vectors as tv;
    use wxpay_core::endpoint::{Endpoint, RequestBody};

    #[test]
    fn query_by_out_trade_no_matches_the_vector() {
        let v = tv::case("request_get_query_by_out_trade_no");
        let req = OutTradeNo {
            out_trade_no: "1217752501201407033233368018".into(),
            mchid: tv::MCHID.into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(path, v["url"].as_str().unwrap());
        assert_eq!(OutTradeNo::METHOD, wxpay_core::http::Method::GET);
        assert_eq!(req.body().unwrap(), RequestBody::Empty);
    }

    #[test]
    fn query_by_id_encodes_path_and_query() {
        let req = Id {
            transaction_id: "4200 0/1".into(),
            mchid: "1900000109".into(),
        };
        let mut path = String::new();
        req.write_path_and_query(&mut path).unwrap();
        assert_eq!(
            path,
            "/v3/pay/transactions/id/4200%200%2F1?mchid=1900000109"
        );
        assert_eq!(req.body().unwrap(), RequestBody::Empty);
    }
}
