use wxpay_core::endpoint;

#[endpoint(POST, "/v3/x/super")]
pub struct Super {
    pub mchid: String,
}

fn main() {}
