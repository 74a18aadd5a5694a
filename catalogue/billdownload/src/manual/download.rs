//! `/v3/billdownload/…`: the bill files themselves.

use wxpay_core::endpoint;

/// `GET /v3/billdownload/file` (下载账单): fetches a bill file by token.
///
/// The answer is the file, unsigned by design; check it against the
/// `hash_value` of the [`BillFile`](wxpay_core::bill::BillFile) that handed
/// out the token. [`Client::download_bill`](wxpay_core::Client::download_bill)
/// does all of it from the `BillFile`, using its `download_url` as given.
#[endpoint(GET, "/v3/billdownload/file", download)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File {
    /// The token of the `download_url`.
    pub token: String,
    /// The compression, as the `download_url` may name it.
    pub tartype: Option<String>,
}
