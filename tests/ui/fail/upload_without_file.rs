use wxpay_core::endpoint;

#[endpoint(POST, "/v3/merchant/media/upload", upload)]
pub struct Upload {
    pub note: String,
}

fn main() {}
