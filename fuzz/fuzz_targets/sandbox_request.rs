//! The sandbox's request parsing: percent-decoding, query parsing, route
//! template matching, the `Authorization` check and the multipart parser
//! (uploads) over arbitrary requests.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wxpay_sandbox::__fuzz::{RequestParser, match_template, parse_query, percent_decode};

fn parser() -> &'static RequestParser {
    static CELL: OnceLock<RequestParser> = OnceLock::new();
    CELL.get_or_init(|| RequestParser::new().unwrap())
}

fuzz_target!(|data: &[u8]| {
    // Fields separated by newlines: method, target, Authorization, body.
    let mut fields = data.splitn(4, |&b| b == b'\n');
    let method = fields.next().unwrap_or_default();
    let target = fields.next().unwrap_or_default();
    let authorization = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    if let Some(decoded) = percent_decode(target) {
        assert!(decoded.len() <= target.len());
    }
    let _ = parse_query(target);
    if let Ok(template) = std::str::from_utf8(method) {
        if let Some(params) = match_template(template, target) {
            assert!(params.iter().all(|(_, v)| !v.is_empty()));
        }
    }
    // The third field doubles as a Content-Type for the multipart parser.
    if let Ok(content_type) = std::str::from_utf8(authorization) {
        let _ = wxpay_sandbox::multipart::parse(content_type, body);
    }
    // Nobody holds the merchant's key here: nothing authenticates.
    assert!(!parser().parse(method, target, authorization, body));
});
