use wxpay_core::endpoint;

#[endpoint(GET, "/v3/brand/stores/{store_id}")]
pub struct Store {
    pub store_id: String,
    #[body]
    pub brand_id: String,
}

fn main() {}
