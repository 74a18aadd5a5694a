//! `/pay/downloadbill`: the trade bill of a day, made from the sandbox's
//! orders and refunds like the v3 one, answered as CSV (GZIP-compressed
//! with `tar_type` `GZIP`), unsigned; or, when the day had no trades, the
//! platform's XML error (`return_code` `FAIL`, `return_msg`
//! `No Bill Exist`, `error_code` `20002`).

use std::io::Write;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use wxpay_core::v2::xml;

use super::wire::xml_reply;
use super::{Operation, V2Reply, V2Request, V2Result};
use crate::bills::{Scope, TradeKind, trade_bill};
use crate::reply::Reply;
use crate::server::Shared;

pub(crate) const DOWNLOAD: Operation = Operation {
    path: "/pay/downloadbill",
    mutual_tls: false,
    signed_answer: false,
    hmac: false,
    handler: download,
};

/// The platform's XML error of a bill download: `return_code` `FAIL`
/// with an `error_code`.
fn bill_error(msg: &str, code: &str) -> V2Reply {
    let fields = [
        ("return_code", "FAIL"),
        ("return_msg", msg),
        ("error_code", code),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    V2Reply::File(xml_reply(&xml::write(&fields)))
}

/// `YYYYMMDD` → `YYYY-MM-DD`, for a plausible date.
fn iso_date(compact: &str) -> Option<String> {
    if compact.len() != 8 || !compact.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, rest) = compact.split_at(4);
    let (m, d) = rest.split_at(2);
    let month: u32 = m.parse().ok()?;
    let day: u32 = d.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| format!("{y}-{m}-{d}"))
}

/// `/pay/downloadbill`.
fn download(shared: &Shared, req: &V2Request) -> V2Result {
    req.require(&["appid", "bill_date"])?;
    let Some(date) = iso_date(req.str("bill_date")) else {
        return Err(bill_error("invalid bill_date", "20001"));
    };
    let kind = match req.get("bill_type").unwrap_or("ALL") {
        "ALL" => TradeKind::All,
        "SUCCESS" => TradeKind::Success,
        "REFUND" => TradeKind::Refund,
        _ => return Err(bill_error("invalid bill_type", "20001")),
    };
    let gzip = match req.get("tar_type") {
        None => false,
        Some("GZIP") => true,
        Some(_) => return Err(bill_error("invalid tar_type", "20001")),
    };
    let scope = Scope {
        mchid: &req.mchid,
        sub_mchid: None,
    };
    let Some(csv) = trade_bill(&shared.state(), scope, &date, kind) else {
        return Err(bill_error("No Bill Exist", "20002"));
    };
    let (body, content_type) = if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = encoder
            .write_all(csv.as_bytes())
            .and_then(|()| encoder.finish())
            .map_err(|_| bill_error("SYSTEMERROR", "20007"))?;
        (compressed, "application/x-gzip")
    } else {
        (csv.into_bytes(), "text/plain;charset=utf-8")
    };
    Ok(V2Reply::File(Reply {
        status: StatusCode::OK,
        body: Bytes::from(body),
        headers: vec![(CONTENT_TYPE, HeaderValue::from_static(content_type))],
        signed: false,
    }))
}
