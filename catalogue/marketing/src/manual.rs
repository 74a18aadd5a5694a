//! The endpoints of `/v3/marketing/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

pub mod favor {
    pub mod media {
        mod image_upload;
        pub use image_upload::*;
    }
}
