use wxpay_core::endpoint;

#[endpoint(POST, "/v3/applyment4sub/applyment//")]
pub struct Applyment {
    pub business_code: String,
}

fn main() {}
