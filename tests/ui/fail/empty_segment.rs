use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay//transactions/jsapi")]
pub struct Order {
    pub mchid: String,
}

fn main() {}
