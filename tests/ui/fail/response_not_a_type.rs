use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/jsapi", response = 1 + 2)]
pub struct Order {
    pub mchid: String,
}

fn main() {}
