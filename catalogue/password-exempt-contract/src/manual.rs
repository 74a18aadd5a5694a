//! The endpoints of `/v3/password-exempt-contract/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

pub mod contracts {
    pub mod ecommerce {
        pub mod pre_entrust_sign {
            mod pre_sign;
            pub use pre_sign::*;
        }
    }
    pub mod normal {
        pub mod pre_entrust_sign {
            mod pre_sign;
            pub use pre_sign::*;
        }
    }
    pub mod qs {
        pub mod pre_entrust_sign {
            mod pre_sign;
            pub use pre_sign::*;
        }
    }
    pub mod service_id {
        mod query;
        pub use query::*;
        pub mod out_contract_code {
            mod termination;
            pub use termination::*;
        }
    }
    pub mod service_provider {
        pub mod pre_entrust_sign {
            mod pre_sign;
            pub use pre_sign::*;
        }
    }
}
