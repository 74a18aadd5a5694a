use wxpay_core::endpoint;

#[endpoint(GET, "/v3/billdownload/file", download, response = Bill)]
pub struct File {
    pub token: String,
}

pub struct Bill;

fn main() {}
