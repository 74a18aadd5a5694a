use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/jsapi")]
pub struct Order<T> {
    pub mchid: String,
    pub extra: T,
}

fn main() {}
