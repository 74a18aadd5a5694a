use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

#[endpoint(POST, "/v3/merchant/media/upload", upload)]
pub struct Upload {
    pub file: UploadFile,
    pub sha256: String,
    #[form]
    pub meta: String,
    #[form]
    #[serde(rename = "file")]
    pub again: String,
}

fn main() {}
