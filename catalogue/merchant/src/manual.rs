//! The endpoints of `/v3/merchant/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

pub mod media {
    mod upload;
    mod video_upload;
    pub use upload::*;
    pub use video_upload::*;
}
