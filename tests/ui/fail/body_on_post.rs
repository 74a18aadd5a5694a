use wxpay_core::endpoint;

#[endpoint(POST, "/v3/brand/stores")]
pub struct Store {
    #[body]
    pub brand_id: String,
}

fn main() {}
