//! `POST /v3/marketing/favor/media/image-upload` (图片上传（营销专用）).

use serde::Deserialize;

use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

/// Uploads an image for coupons and other marketing (JPG, BMP or PNG, at
/// most 2 MB) and answers its URL.
#[endpoint(POST, "/v3/marketing/favor/media/image-upload", upload, response = ImageUploadResponse)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUpload {
    /// The image; its name must end in `.jpg`, `.bmp` or `.png`.
    pub file: UploadFile,
}

/// The answer of [`ImageUpload`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImageUploadResponse {
    /// Where the image is served; quote it in marketing APIs.
    pub media_url: String,
}
