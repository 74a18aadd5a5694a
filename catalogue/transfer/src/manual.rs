//! The endpoints of `/v3/transfer/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

mod batch_transfer;
pub use batch_transfer::*;
