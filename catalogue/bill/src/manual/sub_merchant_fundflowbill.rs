//! `GET /v3/bill/sub-merchant-fundflowbill` (申请单个子商户资金账单).

use serde::Deserialize;

use super::{AccountType, BillAlgorithm, EncryptedBillFile, TarType};
use wxpay_core::endpoint;

/// A service provider applies for the fund flow bill of one sub-merchant.
///
/// The bill comes encrypted, in one part or more (a bill larger than about
/// 16 GB is split); download each part with
/// [`Client::download_encrypted_bill`](wxpay_core::Client::download_encrypted_bill).
#[endpoint(GET, "/v3/bill/sub-merchant-fundflowbill", response = SubMerchantFundflowbillResponse)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubMerchantFundflowbill {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The day, `YYYY-MM-DD` (Beijing time).
    pub bill_date: String,
    /// Which account: `BASIC`, `OPERATION`, `FEES` or `DEPOSIT`.
    pub account_type: AccountType,
    /// How to encrypt the file: `AEAD_AES_256_GCM` (the one this crate decrypts).
    pub algorithm: BillAlgorithm,
    /// `GZIP` for a compressed file.
    pub tar_type: Option<TarType>,
}

/// The answer of [`SubMerchantFundflowbill`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubMerchantFundflowbillResponse {
    /// How many parts the bill has.
    pub download_bill_count: i64,
    /// The parts.
    #[serde(default)]
    pub download_bill_list: Vec<EncryptedBillFile>,
}
