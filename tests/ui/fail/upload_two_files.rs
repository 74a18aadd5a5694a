use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

#[endpoint(POST, "/v3/merchant/media/upload", upload)]
pub struct Upload {
    pub front: UploadFile,
    pub back: UploadFile,
}

fn main() {}
