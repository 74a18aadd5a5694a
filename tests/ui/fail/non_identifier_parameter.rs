use wxpay_core::endpoint;

#[endpoint(GET, "/v3/pay/transactions/out-trade-no/{out-trade-no}")]
pub struct QueryOrder {
    pub out_trade_no: String,
    pub mchid: String,
}

fn main() {}
