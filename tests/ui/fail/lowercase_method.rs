use wxpay_core::endpoint;

#[endpoint(post, "/v3/pay/transactions/jsapi")]
pub struct Order {
    pub mchid: String,
}

fn main() {}
