use wxpay_core::endpoint;

#[endpoint(DELETE, "/v3/brand/stores/{store_id}")]
pub struct DeleteStore {
    pub store_id: String,
    #[body]
    #[query]
    pub brand_id: String,
}

fn main() {}
