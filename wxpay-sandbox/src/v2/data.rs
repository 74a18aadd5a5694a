//! Spec mode for APIv2: the operations of `data/spec-mode-v2.json`
//! (generated from the spec by `cargo xtask codegen`), one JSON object a
//! line: `method`, `path`, `mutual_tls`, `signed_answer`, `sign_types`,
//! `required` and `fields` (request field names, `$n` standing for an
//! index), `answer` (the spec's example answer, field → text).

use std::sync::OnceLock;

use http::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use wxpay_core::v2::SignType;

use super::{V2Reply, V2Request, V2Result};

/// The generated data.
const DATA: &str = include_str!("../../data/spec-mode-v2.json");

/// One v2 operation of the spec.
#[derive(Debug, Deserialize)]
pub(crate) struct SpecOp {
    method: String,
    path: String,
    #[serde(default)]
    pub(crate) mutual_tls: bool,
    #[serde(default = "yes")]
    pub(crate) signed_answer: bool,
    #[serde(default)]
    sign_types: Vec<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    answer: Map<String, Value>,
}

fn yes() -> bool {
    true
}

impl SpecOp {
    /// Whether requests may be signed with `sign_type` (MD5 when none is listed).
    pub(crate) fn accepts(&self, sign_type: SignType) -> bool {
        if self.sign_types.is_empty() {
            return sign_type == SignType::Md5;
        }
        self.sign_types.iter().any(|t| t == sign_type.as_str())
    }

    /// The required identifiers of which one is enough: the spec lists
    /// `transaction_id` and `out_trade_no` (and, for queries,
    /// `out_refund_no` and `refund_id`) as required where the platform
    /// wants one of them.
    fn alternatives(&self) -> Vec<&str> {
        let query = self.path.contains("query");
        self.required
            .iter()
            .map(String::as_str)
            .filter(|f| {
                matches!(*f, "transaction_id" | "out_trade_no")
                    || (query && matches!(*f, "out_refund_no" | "refund_id"))
            })
            .collect()
    }

    /// Whether `name` is one of the request's fields (`$n`, `$m` match an index).
    fn knows(&self, name: &str) -> bool {
        self.fields.iter().any(|f| pattern_matches(f, name))
    }
}

/// Whether `name` fits `pattern`, where `$n` and `$m` stand for digits.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('$') {
        return pattern == name;
    }
    let mut rest = name;
    let mut parts = pattern.split('$').peekable();
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(after) = rest.strip_prefix(first) else {
        return false;
    };
    rest = after;
    for part in parts {
        // Each part after a `$` starts with the placeholder letter.
        let literal = part.get(1..).unwrap_or_default();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        let Some(after) = rest.get(digits..).and_then(|r| r.strip_prefix(literal)) else {
            return false;
        };
        rest = after;
    }
    rest.is_empty()
}

/// Every operation of the data; an error names a line that does not parse.
pub(crate) fn operations() -> Result<&'static [SpecOp], String> {
    static OPS: OnceLock<Result<Vec<SpecOp>, String>> = OnceLock::new();
    OPS.get_or_init(|| {
        DATA.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .map_err(|e| format!("spec-mode-v2.json line {}: {e}", i + 1))
            })
            .collect()
    })
    .as_ref()
    .map(Vec::as_slice)
    .map_err(Clone::clone)
}

/// The spec operation of `method` and `path`.
pub(crate) fn find(method: &Method, path: &str) -> Option<&'static SpecOp> {
    operations()
        .ok()?
        .iter()
        .find(|op| op.path == path && op.method.eq_ignore_ascii_case(method.as_str()))
}

/// The fields every request may carry whatever its operation.
const ALWAYS: [&str; 4] = ["nonce_str", "sign", "sign_type", "mch_id"];

/// Checks required and unknown fields, then answers the example with the
/// request's merchant.
pub(crate) fn answer(op: &SpecOp, req: &V2Request) -> V2Result {
    let alternatives = op.alternatives();
    if alternatives.len() > 1 && alternatives.iter().all(|f| req.get(f).is_none()) {
        return Err(V2Reply::fail(format!(
            "one of {} is required",
            alternatives.join(", ")
        )));
    }
    if let Some(missing) = op
        .required
        .iter()
        .filter(|f| !ALWAYS.contains(&f.as_str()) && !f.contains('$'))
        .filter(|f| alternatives.len() < 2 || !alternatives.contains(&f.as_str()))
        .find(|f| req.get(f).is_none())
    {
        return Err(V2Reply::fail(format!("{missing} is required")));
    }
    if let Some((unknown, _)) = req
        .fields
        .iter()
        .find(|(k, _)| !ALWAYS.contains(&k.as_str()) && !op.knows(k))
    {
        return Err(V2Reply::fail(format!(
            "{unknown} is not a field of {} {}",
            op.method, op.path
        )));
    }
    if op.path.ends_with("/downloadbill") || op.path.ends_with("/downloadfundflow") {
        let csv = format!("sandbox file for {} {}\n", op.method, op.path);
        return Ok(V2Reply::File(crate::reply::Reply::file(
            "text/plain;charset=utf-8",
            csv.into_bytes(),
        )));
    }
    let skip = [
        "return_code",
        "return_msg",
        "nonce_str",
        "sign",
        "sign_type",
        "result_code",
    ];
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in &op.answer {
        if skip.contains(&k.as_str()) || k == "err_code" || k == "err_code_des" {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        // The merchant and appid are the request's, as the platform echoes them.
        let text = match k.as_str() {
            "mch_id" | "mchid" | "combine_mch_id" => req.mchid.clone(),
            "appid" | "wxappid" | "mch_appid" => req.get(k).map(str::to_owned).unwrap_or(text),
            _ => text,
        };
        fields.push((k.clone(), text));
    }
    Ok(V2Reply::ok(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_patterns() {
        assert!(pattern_matches("coupon_id_$n", "coupon_id_0"));
        assert!(pattern_matches("coupon_id_$n", "coupon_id_12"));
        assert!(!pattern_matches("coupon_id_$n", "coupon_id_"));
        assert!(!pattern_matches("coupon_id_$n", "coupon_id_1x"));
        assert!(pattern_matches(
            "coupon_refund_id_$n_$m",
            "coupon_refund_id_0_3"
        ));
        assert!(!pattern_matches(
            "coupon_refund_id_$n_$m",
            "coupon_refund_id_0"
        ));
        assert!(pattern_matches("body", "body"));
        assert!(!pattern_matches("body", "bodyx"));
    }

    #[test]
    fn the_data_parses() {
        let ops = operations().unwrap();
        assert!(!ops.is_empty());
        assert!(
            ops.iter()
                .all(|op| op.path.starts_with('/') && !op.path.starts_with("/v3/"))
        );
    }
}
