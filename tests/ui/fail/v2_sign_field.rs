use wxpay_core::endpoint;

#[endpoint(v2, POST, "/pay/closeorder")]
#[derive(serde::Serialize)]
pub struct Closeorder {
    pub out_trade_no: String,
    #[serde(rename = "sign")]
    pub signature: String,
}

fn main() {}
