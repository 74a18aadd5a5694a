use wxpay_core::endpoint;

#[endpoint(GET, "/v3/billdownload/file", downlaod)]
pub struct File {
    pub token: String,
}

fn main() {}
