use wxpay_core::endpoint;

#[endpoint(DELETE, "/v3/brand/stores/{store_id}")]
pub struct DeleteStore {
    pub store_id: String,
    #[body(json)]
    pub brand_id: String,
}

fn main() {}
