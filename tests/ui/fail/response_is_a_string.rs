use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/jsapi", response = "Prepay")]
pub struct Order {
    pub mchid: String,
}

fn main() {}
