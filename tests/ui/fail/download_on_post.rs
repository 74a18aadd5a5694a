use wxpay_core::endpoint;

#[endpoint(POST, "/v3/billdownload/file", download)]
pub struct File {
    pub token: String,
}

fn main() {}
