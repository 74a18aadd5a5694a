//! `/v3/password-exempt-contract/…`: password-free payment contracts (免密支付).
//!
//! The merchant pre-signs a contract (`contracts::{normal, service_provider,
//! ecommerce, qs}::pre_entrust_sign`), the user signs it in WeChat, the
//! merchant then charges under it (for example with
//! [`JsapiWithContract`](crate::v3::pay::transactions::JsapiWithContract)),
//! looks it up with
//! [`contracts::service_id::OutContractCode`] and ends it with
//! [`contracts::service_id::out_contract_code::Terminate`].

pub mod contracts;
