//! `POST /v3/merchant/media/upload` (图片上传).

use serde::Deserialize;

use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

/// Uploads an image (JPG, BMP or PNG, at most 5 MB) and answers the
/// `media_id` other APIs take.
///
/// ```no_run
/// use wxpay_core::prelude::*;
/// use wxpay_v3_merchant::prelude::*;
/// use wxpay_core::upload::UploadFile;
/// use wxpay_v3_merchant::media::Upload;
///
/// # async fn run(client: Client) -> Result<(), wxpay_core::Error> {
/// let file = UploadFile::from_path("storefront.jpg").await?;
/// let answer = client.post_merchant_media_upload(Upload { file }).await?;
/// println!("{}", answer.media_id);
/// # Ok(()) }
/// ```
#[endpoint(POST, "/v3/merchant/media/upload", upload, response = UploadResponse)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The image; its name must end in `.jpg`, `.bmp` or `.png`.
    pub file: UploadFile,
}

/// The answer of [`Upload`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UploadResponse {
    /// The id to quote where an API asks for this image.
    pub media_id: String,
}
