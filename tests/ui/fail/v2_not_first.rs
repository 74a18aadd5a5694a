use wxpay_core::endpoint;

#[endpoint(POST, "/pay/micropay", v2)]
#[derive(serde::Serialize)]
pub struct Micropay {
    pub auth_code: String,
}

fn main() {}
