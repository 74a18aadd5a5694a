//! The endpoints of `/v3/refund/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

pub mod domestic {
    mod get_refunds;
    mod post_refunds;
    mod refund;
    pub use get_refunds::*;
    pub use post_refunds::*;
    pub use refund::*;
    pub mod refunds {
        mod apply_abnormal_refund;
        pub use apply_abnormal_refund::*;
    }
}
