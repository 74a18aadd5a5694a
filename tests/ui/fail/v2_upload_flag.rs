use wxpay_core::endpoint;

#[endpoint(v2, POST, "/secapi/mch/uploadmedia", upload)]
#[derive(serde::Serialize)]
pub struct Uploadmedia {
    pub media_hash: String,
}

fn main() {}
