//! `/v3/merchant/media/…`: uploading images and videos for a `media_id`.
//!
//! Both are upload endpoints: give the file as an
//! [`UploadFile`](crate::upload::UploadFile); its SHA-256 and the signed
//! `meta` are made by the client.

mod upload;
mod video_upload;

pub use upload::*;
pub use video_upload::*;
