use serde::Deserialize;
use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/jsapi", response = Prepay, response = Prepay)]
pub struct Order {
    pub mchid: String,
}

#[derive(Deserialize)]
pub struct Prepay {
    pub prepay_id: String,
}

fn main() {}
