// `#[endpoint]` above `#[derive]`: markers are stripped before the derive sees them.
use serde::Deserialize;
use wxpay_core::endpoint::{Endpoint, RequestBody};
use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
#[derive(Debug, Clone, PartialEq)]
pub struct CloseOrder {
    pub out_trade_no: String,
    #[query]
    pub trace: Option<String>,
    pub mchid: String,
}

#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}", response = Order)]
#[derive(Debug, Default)]
pub struct QueryOrder {
    pub transaction_id: String,
    pub mchid: String,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub trade_state: String,
}

fn main() {
    let close = CloseOrder { out_trade_no: "T 1".into(), trace: Some("x".into()), mchid: "1900000109".into() };
    let mut path = String::new();
    close.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/pay/transactions/out-trade-no/T%201/close?trace=x");
    assert_eq!(close.body().unwrap(), RequestBody::Json(br#"{"mchid":"1900000109"}"#.to_vec()));
    assert_eq!(close.clone(), close);

    let query = QueryOrder { transaction_id: "42".into(), mchid: "1900000109".into() };
    let mut path = String::new();
    query.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/pay/transactions/id/42?mchid=1900000109");
    assert_eq!(query.body().unwrap(), RequestBody::Empty);
    assert_eq!(<QueryOrder as Endpoint>::METHOD, http::Method::GET);
    let order = QueryOrder::decode_response(br#"{"trade_state":"SUCCESS","new_field":1}"#).unwrap();
    assert_eq!(order.trade_state, "SUCCESS");
}
