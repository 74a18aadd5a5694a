//! The endpoints of `/v3/bill/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

mod fundflowbill;
mod sub_merchant_fundflowbill;
mod tradebill;
mod values;
pub use fundflowbill::*;
pub use sub_merchant_fundflowbill::*;
pub use tradebill::*;
pub use values::*;
