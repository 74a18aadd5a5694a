use wxpay_core::endpoint;

#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}")]
pub struct QueryOrder {
    pub transaction_id: String,
    #[query]
    pub mchid: String,
}

fn main() {}
