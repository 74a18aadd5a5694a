//! `GET /v3/bill/tradebill` (申请交易账单).

use super::{BillFile, BillType, TarType};
use wxpay_core::endpoint;

/// Applies for the trade bill of a day: the payments and refunds of
/// `bill_date`, as a [`BillFile`] to download.
///
/// The platform produces a day's bill from 9:00 the next morning (Beijing
/// time) and keeps three months of them; a day without trades answers
/// `400 NO_STATEMENT_EXIST`.
#[endpoint(GET, "/v3/bill/tradebill", response = BillFile)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tradebill {
    /// The day, `YYYY-MM-DD` (Beijing time).
    pub bill_date: String,
    /// The sub-merchant whose trades to list (service providers and platforms).
    pub sub_mchid: Option<String>,
    /// Which trades: `ALL` (default), `SUCCESS`, `REFUND`, …
    pub bill_type: Option<BillType>,
    /// `GZIP` for a compressed file.
    pub tar_type: Option<TarType>,
}
