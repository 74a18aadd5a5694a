//! APIv2 bills: `downloadbill` and `downloadfundflow` answer the bill
//! itself (CSV, GZIP-compressed when asked with `tar_type=GZIP`) or, when
//! there is no bill or the request was refused, an `<xml>` error body.
//!
//! The generated methods (`post_pay_downloadbill`, …; any
//! `#[endpoint(v2, POST, …, download)]`) and
//! [`Client::download_v2_bill`] send the request like
//! [`call_v2`](Client::call_v2) (the answer is unsigned by design) and
//! tells the two apart: a body whose first non-blank bytes are `<xml`
//! must parse as the error it is, which becomes [`Error::V2`] (e.g.
//! `return_msg` `No Bill Exist`); a body starting with the GZIP magic
//! bytes is inflated; anything else is the CSV. The v2 CSV is the format
//! [`TradeBillReader`](super::TradeBillReader) and
//! [`FundFlowBillReader`](super::FundFlowBillReader) read (backtick
//! cells, summary lines; columns found by name, older ones kept in
//! `extra`).
//!
//! ```no_run
//! # async fn run<E: wxpay_core::v2::V2Endpoint>(client: wxpay_core::Client, request: E) -> Result<(), Box<dyn std::error::Error>> {
//! use wxpay_core::bill::TradeBillReader;
//!
//! // `request`: the typed `/pay/downloadbill` request (bill_date, bill_type, tar_type).
//! let csv = client.download_v2_bill(request).await?;
//! let mut bill = TradeBillReader::new(&csv[..])?;
//! for row in &mut bill {
//!     println!("{}", row?.out_trade_no);
//! }
//! # Ok(()) }
//! ```

use std::io::Read as _;

use bytes::Bytes;
use http::StatusCode;

use crate::client::Client;
use crate::error::{Error, V2ApiError, V2DecodeError};
use crate::retry::CallOptions;
use crate::v2::{V2Endpoint, xml};

/// The largest inflated v2 bill accepted (256 MiB); a larger one is
/// [`Error::V2Decode`] rather than memory exhausted by a small archive.
pub const MAX_V2_BILL_BYTES: u64 = 256 << 20;

impl Client {
    /// Downloads a v2 bill (`/pay/downloadbill`, `/pay/downloadfundflow`)
    /// and returns its CSV, inflated if it came compressed; see the
    /// [module docs](crate::bill::v2). An `<xml>` answer (no bill, a
    /// refused request) is [`Error::V2`].
    pub async fn download_v2_bill<E: V2Endpoint>(&self, request: E) -> Result<Bytes, Error> {
        self.download_v2_bill_with(request, CallOptions::new())
            .await
    }

    /// [`download_v2_bill`](Self::download_v2_bill) with settings for this
    /// call only.
    pub async fn download_v2_bill_with<E: V2Endpoint>(
        &self,
        request: E,
        options: CallOptions,
    ) -> Result<Bytes, Error> {
        let ((status, body), _) = self.send_v2(request, &options).await?;
        v2_bill_body(status, body)
    }
}

/// Reads a v2 bill answer: the CSV (inflated when GZIP), or the error the
/// `<xml>` body holds.
pub fn v2_bill_body(status: StatusCode, body: Bytes) -> Result<Bytes, Error> {
    let decode = |reason: &str| {
        Error::from(V2DecodeError {
            status,
            reason: reason.to_owned(),
        })
    };
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = body.get(start..).unwrap_or_default();
    if head.starts_with(b"<xml") {
        let fields = xml::parse(&body).map_err(|e| decode(&e.to_string()))?;
        return Err(V2ApiError::from_fields(status, &fields, false).into());
    }
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut csv = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .take(MAX_V2_BILL_BYTES + 1)
            .read_to_end(&mut csv)
            .map_err(|_| decode("the GZIP bill does not inflate"))?;
        if csv.len() as u64 > MAX_V2_BILL_BYTES {
            return Err(decode("the inflated bill is larger than MAX_V2_BILL_BYTES"));
        }
        return Ok(Bytes::from(csv));
    }
    Ok(body)
}
