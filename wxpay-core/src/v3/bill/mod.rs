//! `/v3/bill/…`: applying for the daily bills.
//!
//! [`Tradebill`] (交易账单) and [`Fundflowbill`] (资金账单) answer a
//! [`BillFile`]: where to download the bill and its SHA-1. Download it with
//! [`Client::download_bill`](crate::Client::download_bill), which checks the
//! digest (after decompressing a `tar_type=GZIP` bill), and read it with
//! [`crate::bill`]. A service provider's [`SubMerchantFundflowbill`]
//! (子商户资金账单) answers encrypted parts
//! ([`Client::download_encrypted_bill`](crate::Client::download_encrypted_bill)).

mod bill_file;
mod fundflowbill;
mod sub_merchant_fundflowbill;
mod tradebill;

pub use bill_file::*;
pub use fundflowbill::*;
pub use sub_merchant_fundflowbill::*;
pub use tradebill::*;
