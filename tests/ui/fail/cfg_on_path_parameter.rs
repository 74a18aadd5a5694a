use wxpay_core::endpoint;

#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}")]
pub struct QueryById {
    #[cfg(debug_assertions)]
    pub transaction_id: String,
    pub mchid: String,
}

fn main() {}
