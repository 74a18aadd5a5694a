use wxpay_core::endpoint;

#[endpoint(GET, "/v3/pay/transactions/id/{}")]
pub struct QueryOrder {
    pub mchid: String,
}

fn main() {}
