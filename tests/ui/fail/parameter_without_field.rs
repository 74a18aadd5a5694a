use wxpay_core::endpoint;

#[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
pub struct CloseOrder {
    pub mchid: String,
}

fn main() {}
