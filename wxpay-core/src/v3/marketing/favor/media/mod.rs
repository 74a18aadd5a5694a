//! `/v3/marketing/favor/media/…`: images for marketing.

mod image_upload;

pub use image_upload::*;
