use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

#[endpoint(POST, "/v3/merchant/media/upload", upload)]
pub struct Upload {
    pub meta: UploadFile,
}

fn main() {}
