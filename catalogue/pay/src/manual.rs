//! The endpoints of `/v3/pay/…` written by hand (listed in
//! `catalogue/handwritten.txt`), in modules that mirror their URL; the
//! generated modules of those URLs re-export them.

pub mod partner {
    pub mod transactions {
        mod app_with_contract;
        mod jsapi_with_contract;
        mod models;
        mod query;
        pub use app_with_contract::*;
        pub use jsapi_with_contract::*;
        pub use models::*;
        pub use query::*;
        pub mod out_trade_no {
            mod close;
            pub use close::*;
        }
    }
}
pub mod transactions {
    mod app_with_contract;
    mod jsapi_with_contract;
    mod models;
    mod query;
    pub use app_with_contract::*;
    pub use jsapi_with_contract::*;
    pub use models::*;
    pub use query::*;
    pub mod out_trade_no {
        mod close;
        pub use close::*;
    }
}

/// The shared known-answer cases (`tests/fixtures/vectors.json`), for the
/// unit tests of the hand-written endpoints.
#[cfg(test)]
mod test_vectors {
    pub const MCHID: &str = "1900000109";

    pub fn case(name: &str) -> serde_json::Value {
        let all: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/vectors.json"
        )))
        .unwrap();
        all["cases"][name].clone()
    }
}
