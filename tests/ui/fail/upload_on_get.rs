use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

#[endpoint(GET, "/v3/merchant/media/upload", upload)]
pub struct Upload {
    pub file: UploadFile,
}

fn main() {}
