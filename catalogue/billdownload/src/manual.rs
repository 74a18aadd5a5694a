//! The endpoints of `/v3/billdownload/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

mod download;
pub use download::*;
