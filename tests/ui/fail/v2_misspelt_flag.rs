use wxpay_core::endpoint;

#[endpoint(v2, POST, "/secapi/pay/refund", mutal_tls)]
#[derive(serde::Serialize)]
pub struct Refund {
    pub out_refund_no: String,
}

fn main() {}
