//! `GET /v3/bill/fundflowbill` (申请资金账单).

use super::{AccountType, BillFile, TarType};
use wxpay_core::endpoint;

/// Applies for the fund flow bill of a day: every movement of the
/// merchant's account on `bill_date`, as a [`BillFile`] to download.
#[endpoint(GET, "/v3/bill/fundflowbill", response = BillFile)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fundflowbill {
    /// The day, `YYYY-MM-DD` (Beijing time).
    pub bill_date: String,
    /// The sub-merchant (e-commerce platforms).
    pub sub_mchid: Option<String>,
    /// Which account: `BASIC` (default), `OPERATION`, `FEES`.
    pub account_type: Option<AccountType>,
    /// `GZIP` for a compressed file.
    pub tar_type: Option<TarType>,
}
