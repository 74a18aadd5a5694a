use wxpay_core::endpoint;

#[endpoint(v2, POST, "/pay/orderquery/{out_trade_no}")]
#[derive(serde::Serialize)]
pub struct Orderquery {
    pub out_trade_no: String,
}

fn main() {}
