use wxpay_core::endpoint;

#[endpoint(POST)]
pub struct Order {
    pub mchid: String,
}

fn main() {}
