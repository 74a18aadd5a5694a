use wxpay_core::endpoint;

#[endpoint(v2, POST, "/pay/micropay")]
#[derive(serde::Serialize)]
pub struct Micropay {
    #[query]
    pub auth_code: String,
}

fn main() {}
