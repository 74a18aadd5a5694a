use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/jsapi", respons = Prepay)]
pub struct Order {
    pub mchid: String,
}

pub struct Prepay;

fn main() {}
