use wxpay_core::endpoint;

#[endpoint(POST, "/v3/marketing/partnerships/build")]
pub struct Build {
    #[header("wechatpay-serial")]
    pub serial: String,
}

fn main() {}
