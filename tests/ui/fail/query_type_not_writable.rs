use wxpay_core::endpoint;

pub struct Range {
    pub from: u32,
    pub to: u32,
}

#[endpoint(GET, "/v3/marketing/favor/stocks")]
pub struct Stocks {
    pub stock_creator_mchid: String,
    pub range: Range,
}

fn main() {}
