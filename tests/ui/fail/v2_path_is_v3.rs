use wxpay_core::endpoint;

#[endpoint(v2, POST, "/v3/pay/micropay")]
#[derive(serde::Serialize)]
pub struct Micropay {
    pub auth_code: String,
}

fn main() {}
