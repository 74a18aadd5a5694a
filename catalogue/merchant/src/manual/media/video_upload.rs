//! `POST /v3/merchant/media/video_upload` (视频上传).

use serde::Deserialize;

use wxpay_core::endpoint;
use wxpay_core::upload::UploadFile;

/// Uploads a video (avi, wmv, mpeg, mp4, mov, mkv, flv, f4v, m4v or rmvb,
/// at most 5 MB) and answers the `media_id` other APIs take.
#[endpoint(POST, "/v3/merchant/media/video_upload", upload, response = VideoUploadResponse)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoUpload {
    /// The video; its name's extension must be one of the formats above.
    pub file: UploadFile,
}

/// The answer of [`VideoUpload`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VideoUploadResponse {
    /// The id to quote where an API asks for this video.
    pub media_id: String,
}
