use wxpay_core::endpoint;

#[endpoint(POST, "/secapi/pay/refund", mutual_tls)]
#[derive(serde::Serialize)]
pub struct Refund {
    pub out_refund_no: String,
}

fn main() {}
