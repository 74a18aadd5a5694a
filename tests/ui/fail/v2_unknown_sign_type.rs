use wxpay_core::endpoint;

#[endpoint(v2, POST, "/pay/micropay", sign_types = "HMAC-SHA265")]
#[derive(serde::Serialize)]
pub struct Micropay {
    pub auth_code: String,
}

fn main() {}
