//! Models of the orders a service provider (`sp_mchid`) places and
//! manages for a sub-merchant (`sub_mchid`) in
//! `v3::pay::partner::transactions`. Amounts, line items, scene and
//! contract blocks are the direct merchants' types from
//! `v3::pay::transactions`.

// The runtime's own models, since a service provider's payment
// notifications carry them too.
pub use wxpay_core::notify::resource::{
    PartnerPayer as Payer, PartnerTransaction as Transaction, TransactionSettleInfo,
};
