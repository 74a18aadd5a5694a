use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

#[endpoint(POST, "/v3/merchant/media/upload", upload = true)]
pub struct Upload {
    pub file: UploadFile,
}

fn main() {}
