//! The spec's data for every operation of the catalogue, and the checks it
//! drives: what spec mode checks, and what every stateful route checks
//! before its own rules (see `api/mod.rs`).
//!
//! The data is `data/spec-mode.json`, written by `cargo xtask codegen`
//! from the same spec as the typed endpoints, one operation per line:
//! method, path template, success status, required query parameters and
//! headers, required body fields (dotted, `[]` for array items) with
//! their JSON types, the body fields sent encrypted, whether the operation
//! names a platform key in `Wechatpay-Serial`, uploads and downloads, and
//! the answer (the spec's examples, or minimal values where a required
//! field has none).
//!
//! [`check`] answers the platform's `400 PARAM_ERROR` naming the field
//! and where it is: path parameters are present and non-empty; required
//! query parameters are present and parse as their type; required headers
//! are present; the body is a JSON object (an upload: a
//! `multipart/form-data` form with a `meta` part holding a `filename` and
//! a `sha256` equal to the digest of the file part, which has the spec's
//! name, and the spec's other required text parts) holding every required
//! field with its JSON type. [`check_encrypted`] checks that
//! `Wechatpay-Serial` names a platform key and every encrypted field
//! present decrypts with it.

use std::sync::OnceLock;

use http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::multipart::{self, Multipart};
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::sensitive::Decryptor;
use crate::server::Shared;
use crate::validate::{Checked, no_four_byte_chars};

/// The catalogue's spec-mode data, one operation per line.
const DATA: &str = include_str!("../data/spec-mode.json");

/// One operation of the catalogue, as the sandbox checks and answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct SpecOp {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) status: u16,
    /// Required query parameters: `[name, type]`.
    #[serde(default)]
    query: Vec<(String, String)>,
    /// Required header parameters.
    #[serde(default)]
    headers: Vec<String>,
    /// Required body fields, `[dotted path, type]`; `None`: no body.
    #[serde(default)]
    body: Option<Vec<(String, String)>>,
    /// Every field the body may hold (dotted paths; `a.*`: any member).
    #[serde(default)]
    fields: Vec<String>,
    /// Body fields sent encrypted (dotted paths).
    #[serde(default)]
    sensitive: Vec<String>,
    /// Query parameters sent encrypted.
    #[serde(default)]
    sensitive_query: Vec<String>,
    /// The spec lists the `Wechatpay-Serial` header.
    #[serde(default)]
    serial: bool,
    #[serde(default)]
    pub(crate) upload: bool,
    /// An upload's file part, when not `file`.
    #[serde(default)]
    file_part: Option<String>,
    /// An upload's required text parts besides `meta`: `[name, type]`.
    #[serde(default)]
    form: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) download: bool,
    /// The answer; absent for 204 and downloads.
    #[serde(default)]
    pub(crate) response: Option<Value>,
}

/// The parsed data (parsed once per process).
pub(crate) fn operations() -> Result<&'static [SpecOp], String> {
    static OPS: OnceLock<Result<Vec<SpecOp>, String>> = OnceLock::new();
    OPS.get_or_init(|| {
        serde_json::from_str(DATA).map_err(|e| format!("data/spec-mode.json is malformed: {e}"))
    })
    .as_ref()
    .map(Vec::as_slice)
    .map_err(Clone::clone)
}

/// The operation routed at `method` and `path` (a route template).
pub(crate) fn operation(method: &Method, path: &str) -> Result<&'static SpecOp, String> {
    operations()?
        .iter()
        .find(|op| op.method == method.as_str() && op.path == path)
        .ok_or_else(|| format!("data/spec-mode.json has no operation {method} {path}"))
}

/// A request that passed its operation's checks.
#[derive(Debug, Default)]
pub(crate) struct Input<'r> {
    /// The JSON body (for an upload, its `meta`); empty when the operation
    /// has none.
    pub(crate) body: Map<String, Value>,
    /// An upload's form (its `file` part is there).
    pub(crate) form: Option<Multipart<'r>>,
}

/// Checks a request against its operation: path parameters, required
/// query parameters and headers, and the body's required fields.
pub(crate) fn check<'r>(req: &'r SandboxRequest, op: &SpecOp) -> Checked<Input<'r>> {
    for (name, value) in &req.params {
        if value.is_empty() {
            return Err(Reply::param_error_at("path", name, "", "is required"));
        }
    }
    for (name, ty) in &op.query {
        let Some(value) = req.query(name) else {
            return Err(Reply::param_error_at("query", name, "", "is required"));
        };
        if !query_fits(value, ty) {
            return Err(Reply::param_error_at(
                "query",
                name,
                value,
                format!("must be {}", article(ty)),
            ));
        }
    }
    for name in &op.headers {
        let present = req
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty());
        if !present {
            return Err(Reply::param_error_at("header", name, "", "is required"));
        }
    }
    let Some(required) = &op.body else {
        signer_fields(req, &Map::new())?;
        return Ok(Input::default());
    };
    let input = if op.upload {
        upload(req, op)?
    } else if req.body.is_empty() && required.is_empty() {
        Input::default()
    } else {
        Input {
            body: req.json()?,
            form: None,
        }
    };
    for (path, ty) in required {
        check_field(&input.body, path, ty)?;
    }
    signer_fields(req, &input.body)?;
    // The platform takes only characters of 1–3 UTF-8 bytes, in every body.
    input
        .body
        .iter()
        .try_for_each(|(name, value)| no_four_byte_chars(value, name))?;
    Ok(input)
}

/// The fields naming the merchant a request acts as; like the platform,
/// the sandbox wants them to be the merchant that signed it.
const SIGNER_FIELDS: [&str; 2] = ["mchid", "sp_mchid"];

/// Refuses a top-level `mchid` or `sp_mchid`, in the query or the body,
/// naming another merchant than the one that signed the request.
fn signer_fields(req: &SandboxRequest, body: &Map<String, Value>) -> Checked<()> {
    for name in SIGNER_FIELDS {
        let found = [
            ("query", req.query(name)),
            ("body", body.get(name).and_then(Value::as_str)),
        ];
        for (location, value) in found {
            if let Some(value) = value.filter(|v| *v != req.mchid) {
                return Err(Reply::param_error_at(
                    location,
                    name,
                    value,
                    "must be the merchant that signed the request",
                ));
            }
        }
    }
    Ok(())
}

/// Refuses required strings that are empty, in the body (`must not be
/// empty`) or the query (`is required`); the stateful routes do, spec mode
/// does not.
pub(crate) fn refuse_empty_strings(
    req: &SandboxRequest,
    op: &SpecOp,
    body: &Map<String, Value>,
) -> Checked<()> {
    for (name, ty) in &op.query {
        if ty == "string" && req.query(name).is_some_and(str::is_empty) {
            return Err(Reply::param_error_at("query", name, "", "is required"));
        }
    }
    let strings = op.body.iter().flatten().filter(|(_, ty)| ty == "string");
    for (path, _) in strings {
        for (name, value) in values_at(body, path) {
            if value.as_str().is_some_and(str::is_empty) {
                return Err(Reply::param_error(&name, value, "must not be empty"));
            }
        }
    }
    Ok(())
}

/// Checks the encrypted fields: when the operation sends some (in the body
/// or the query) or names a platform key, `Wechatpay-Serial` must name a
/// key of the platform and every encrypted field present must decrypt
/// with it.
pub(crate) fn check_encrypted(
    shared: &Shared,
    req: &SandboxRequest,
    op: &SpecOp,
    body: &Map<String, Value>,
) -> Checked<()> {
    let encrypted_query: Vec<(&str, &str)> = op
        .sensitive_query
        .iter()
        .filter_map(|name| req.query(name).map(|v| (name.as_str(), v)))
        .collect();
    let encrypted = !encrypted_query.is_empty()
        || op
            .sensitive
            .iter()
            .any(|path| !values_at(body, path).is_empty());
    if !(encrypted || op.serial) {
        return Ok(());
    }
    let decryptor = Decryptor::for_request(shared, req)?;
    for path in &op.sensitive {
        for (name, value) in values_at(body, path) {
            decrypt_all(&decryptor, &name, value)?;
        }
    }
    for (name, value) in encrypted_query {
        decryptor.decrypt(name, value)?;
    }
    Ok(())
}

/// "an integer", "a string", …
pub(crate) fn article(ty: &str) -> String {
    match ty.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

/// Whether a query value reads as `ty`.
fn query_fits(value: &str, ty: &str) -> bool {
    match ty {
        "integer" => value.parse::<i64>().is_ok(),
        "number" => value.parse::<f64>().is_ok(),
        "boolean" => matches!(value, "true" | "false"),
        _ => true,
    }
}

/// Whether a JSON value has the spec's type.
pub(crate) fn json_fits(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => !value.is_null(),
    }
}

/// An upload: a `multipart/form-data` form whose `meta` part is a JSON
/// object with a `filename` and a `sha256` equal to the digest of the
/// file part (named as the operation names it), with the operation's
/// required text parts.
fn upload<'r>(req: &'r SandboxRequest, op: &SpecOp) -> Checked<Input<'r>> {
    let content_type = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !multipart::is_multipart(content_type) {
        return Err(Reply::param_error(
            "Content-Type",
            &json!(content_type),
            "an upload must be multipart/form-data",
        ));
    }
    let form = multipart::parse(content_type, &req.body)
        .map_err(|e| Reply::param_error("body", &json!(""), e.to_string()))?;
    let bad = |field: &str, value: &str, issue: &str| {
        Reply::param_error_at("body", field, value, issue.to_owned())
    };
    let meta = form
        .part("meta")
        .ok_or_else(|| bad("meta", "", "is required"))?;
    let Ok(Value::Object(meta)) = serde_json::from_slice::<Value>(meta.body) else {
        return Err(bad("meta", "", "must be a JSON object"));
    };
    let file_part = op.file_part.as_deref().unwrap_or("file");
    let file = form
        .part(file_part)
        .ok_or_else(|| bad(file_part, "", "is required (the file)"))?;
    for (name, ty) in &op.form {
        let Some(part) = form.part(name) else {
            return Err(bad(name, "", "is required (a form part)"));
        };
        let text = String::from_utf8_lossy(part.body);
        if !query_fits(&text, ty) {
            return Err(bad(name, &text, &format!("must be {}", article(ty))));
        }
    }
    match meta.get("filename") {
        None | Some(Value::Null) => return Err(bad("meta.filename", "", "is required")),
        Some(Value::String(name)) if !name.is_empty() => {}
        Some(other) => {
            return Err(Reply::param_error(
                "meta.filename",
                other,
                "must be a non-empty string",
            ));
        }
    }
    let declared = meta.get("sha256").and_then(Value::as_str).unwrap_or("");
    let actual = crate::api::media::hex(&openssl::sha::sha256(file.body));
    if !declared.eq_ignore_ascii_case(&actual) {
        return Err(bad(
            "meta.sha256",
            declared,
            &format!("does not match the file (its SHA-256 is {actual})"),
        ));
    }
    Ok(Input {
        body: meta,
        form: Some(form),
    })
}

/// Checks one required field (`a.b`, `list[].c`) where its parents are present.
pub(crate) fn check_field(body: &Map<String, Value>, path: &str, ty: &str) -> Checked<()> {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (Some(parent), key),
        None => (None, path),
    };
    let holders: Vec<(String, &Map<String, Value>)> = match parent {
        None => vec![(String::new(), body)],
        Some(parent) => values_at(body, parent)
            .into_iter()
            .filter_map(|(name, v)| v.as_object().map(|o| (name, o)))
            .collect(),
    };
    for (prefix, object) in holders {
        let name = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        match object.get(key).filter(|v| !v.is_null()) {
            None => return Err(Reply::param_error(&name, &Value::Null, "is required")),
            Some(v) if !json_fits(v, ty) => {
                return Err(Reply::param_error(
                    &name,
                    v,
                    format!("must be {}", article(ty)),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The values found at a dotted path (`a.b`, `list[].c`), each with its
/// concrete name (`list[0].c`); absent and null parts give nothing.
pub(crate) fn values_at<'a>(body: &'a Map<String, Value>, path: &str) -> Vec<(String, &'a Value)> {
    let mut found: Vec<(String, &'a Value)> = Vec::new();
    let mut first = true;
    for seg in path.split('.') {
        let (key, each) = match seg.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        let step = |name: &str, v: &'a Value, next: &mut Vec<(String, &'a Value)>| {
            if each {
                if let Some(items) = v.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{name}[{i}]"), item));
                    }
                }
            } else {
                next.push((name.to_owned(), v));
            }
        };
        if first {
            if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
                step(key, v, &mut next);
            }
            first = false;
        } else {
            for (prefix, v) in &found {
                if let Some(child) = v.get(key).filter(|v| !v.is_null()) {
                    step(&format!("{prefix}.{key}"), child, &mut next);
                }
            }
        }
        found = next;
    }
    found
}

/// Decrypts an encrypted field (a string, or a list of them).
fn decrypt_all(decryptor: &Decryptor, name: &str, value: &Value) -> Checked<()> {
    match value {
        Value::String(text) => decryptor.decrypt(name, text).map(drop),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                decrypt_all(decryptor, &format!("{name}[{i}]"), item)?;
            }
            Ok(())
        }
        other => Err(Reply::param_error(
            name,
            other,
            "must be a string encrypted with the platform key",
        )),
    }
}

/// The operation whose template matches a concrete `path` (`{param}`
/// segments match any non-empty segment), with its template.
pub(crate) fn operation_for_path(method: &str, path: &str) -> Option<&'static SpecOp> {
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    operations().ok()?.iter().find(|op| {
        let template: Vec<&str> = op.path.trim_end_matches('/').split('/').collect();
        op.method.eq_ignore_ascii_case(method)
            && template.len() == wanted.len()
            && template
                .iter()
                .zip(&wanted)
                .all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}') && !w.is_empty()))
    })
}

/// Checks a JSON body against the spec before it is sent, for tools such
/// as the `wxpay` command: every required field present with its JSON
/// type, and no field the spec does not list, with the listed name it
/// most likely meant (`did you mean`). Members of a free-form object are
/// not checked.
///
/// Returns `Ok` for an operation the spec does not know (nothing to
/// check), and every problem found otherwise. `path` is the concrete path
/// (`/v3/pay/transactions/id/4200…`), without a query string.
pub fn check_body(method: &str, path: &str, body: &Value) -> Result<(), Vec<String>> {
    let Some(op) = operation_for_path(method, path) else {
        return Ok(());
    };
    let mut problems = Vec::new();
    let Some(required) = &op.body else {
        if !body.is_null() {
            problems.push(format!("{} {} takes no JSON body", op.method, op.path));
        }
        return finish(problems);
    };
    let Some(object) = body.as_object() else {
        problems.push(format!("{} {} takes a JSON object", op.method, op.path));
        return finish(problems);
    };
    let known: Vec<&str> = required
        .iter()
        .map(|(p, _)| p.as_str())
        .chain(op.sensitive.iter().map(String::as_str))
        .chain(op.fields.iter().map(String::as_str))
        .collect();
    for (path, ty) in required {
        required_field(object, path, ty, &known, &mut problems);
    }
    if !op.fields.is_empty() {
        unknown_fields(object, "", &known, &mut problems);
    }
    finish(problems)
}

/// Reports the members of `object` (at `prefix`, `list[]` for the items of
/// a list) that the spec does not list, unless already reported.
fn unknown_fields(
    object: &Map<String, Value>,
    prefix: &str,
    known: &[&str],
    problems: &mut Vec<String>,
) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    if known.contains(&join("*").as_str()) {
        return; // a free-form object
    }
    for (key, value) in object {
        let path = join(key);
        if !known.contains(&path.as_str()) {
            let reported = format!("unknown field `{path}`");
            if !problems.iter().any(|p| p.starts_with(&reported)) {
                problems.push(match closest_sibling(known, prefix, key) {
                    Some(meant) => format!("{reported}: did you mean `{}`?", join(meant)),
                    None => reported,
                });
            }
            continue;
        }
        match value {
            Value::Object(o) => unknown_fields(o, &path, known, problems),
            Value::Array(items) => {
                for item in items.iter().filter_map(Value::as_object) {
                    unknown_fields(item, &format!("{path}[]"), known, problems);
                }
            }
            _ => {}
        }
    }
}

/// The listed member of `prefix` nearest to `key`, if near enough to be
/// what was meant.
fn closest_sibling<'k>(known: &[&'k str], prefix: &str, key: &str) -> Option<&'k str> {
    known
        .iter()
        .filter_map(|k| {
            if prefix.is_empty() {
                Some(*k)
            } else {
                k.strip_prefix(prefix)?.strip_prefix('.')
            }
        })
        .filter(|name| !name.contains('.') && !name.contains("[]") && *name != "*")
        .filter(|name| similar(key, name))
        .min_by_key(|name| edit_distance(key, name))
}

fn finish(problems: Vec<String>) -> Result<(), Vec<String>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// One required field (`a.b`, `list[].c`) in every parent present: missing
/// (with a likely misspelling among its siblings) or of the wrong type.
fn required_field(
    body: &Map<String, Value>,
    path: &str,
    ty: &str,
    known: &[&str],
    problems: &mut Vec<String>,
) {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (Some(parent), key),
        None => (None, path),
    };
    let holders: Vec<(String, &Map<String, Value>)> = match parent {
        None => vec![(String::new(), body)],
        Some(parent) => values_at(body, parent)
            .into_iter()
            .filter_map(|(name, v)| v.as_object().map(|o| (name, o)))
            .collect(),
    };
    for (prefix, object) in holders {
        let name = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        match object.get(key).filter(|v| !v.is_null()) {
            None => {
                let typo = object.keys().find(|sibling| {
                    let dotted = match parent {
                        Some(parent) => format!("{parent}.{sibling}"),
                        None => sibling.to_string(),
                    };
                    !known.contains(&dotted.as_str()) && similar(sibling, key)
                });
                problems.push(match typo {
                    Some(typo) => format!(
                        "unknown field `{}`: did you mean `{name}`? (`{name}` is required)",
                        if prefix.is_empty() {
                            typo.clone()
                        } else {
                            format!("{prefix}.{typo}")
                        }
                    ),
                    None => format!("`{name}` is required ({})", article(ty)),
                });
            }
            Some(v) if !json_fits(v, ty) => {
                problems.push(format!("`{name}` must be {}, not {v}", article(ty)));
            }
            Some(_) => {}
        }
    }
}

/// Whether two field names are close enough to be a misspelling: an edit
/// distance of at most 2 (1 for names of up to 4 characters).
fn similar(a: &str, b: &str) -> bool {
    let limit = if b.chars().count() <= 4 { 1 } else { 2 };
    edit_distance(a, b) <= limit
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let (Some(&left), Some(&up)) = (row.get(j), row.get(j + 1)) else {
                break;
            };
            let cost = usize::from(ca != *cb);
            let value = (previous + cost).min(left + 1).min(up + 1);
            previous = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_covers_the_catalogue() {
        let ops = operations().unwrap();
        assert_eq!(ops.len(), 992);
        let get = |id: &str| {
            ops.iter()
                .find(|o| format!("{} {}", o.method, o.path) == id)
                .unwrap()
        };
        let seed = get("POST /v3/pay/transactions/jsapi-with-contract");
        assert!(
            seed.body
                .as_ref()
                .unwrap()
                .iter()
                .any(|(f, t)| f == "amount.total" && t == "integer")
        );
        assert!(seed.response.as_ref().unwrap()["prepay_id"].is_string());
        let upload = get("POST /v3/merchant/media/upload");
        assert!(upload.upload);
        assert!(get("GET /v3/billdownload/file").download);
        assert!(get("POST /v3/applyment4sub/applyment/").serial);
        assert!(operation(&Method::GET, "/v3/no/such/operation").is_err());
    }

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        let body = json!({"a": {"b": 1}, "list": [{"c": "x"}, {"d": 2}, {"c": null}]});
        let body = body.as_object().unwrap();
        let found: Vec<String> = values_at(body, "list[].c")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, ["list[0].c"]);
        assert_eq!(values_at(body, "a.b")[0].0, "a.b");
        assert!(values_at(body, "missing.b").is_empty());
        check_field(body, "a.b", "integer").unwrap();
        let e = check_field(body, "list[].d", "integer").unwrap_err();
        assert!(String::from_utf8_lossy(&e.body).contains("list[0].d"));
        let e = check_field(body, "a.b", "string").unwrap_err();
        assert!(String::from_utf8_lossy(&e.body).contains("must be a string"));
        assert!(query_fits("12", "integer") && !query_fits("1.5", "integer"));
    }

    #[test]
    fn bodies_are_checked_before_sending() {
        let path = "/v3/pay/transactions/jsapi";
        let good = json!({"appid": "wx1", "mchid": "1", "description": "d", "out_trade_no": "o",
            "amount": {"total": 1}, "notify_url": "https://x", "payer": {"openid": "o"}});
        check_body("POST", path, &good).unwrap();
        let mut typo = good.clone();
        let total = typo["amount"]
            .as_object_mut()
            .unwrap()
            .remove("total")
            .unwrap();
        typo["amount"]["totl"] = total;
        let problems = check_body("post", path, &typo).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("unknown field `amount.totl`: did you mean `amount.total`?"),
            "{problems:?}"
        );
        let problems = check_body("POST", path, &json!({"appid": 1})).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p == "`appid` must be a string, not 1"),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("`mchid` is required")),
            "{problems:?}"
        );
        // An optional field misspelt, beside nothing missing; in a list's items too.
        let mut optional = good.clone();
        optional["atach"] = json!("a");
        optional["detail"] = json!({"goods_detail": [{"merchant_goods_id": "1", "quantity": 1,
            "unit_price": 1}, {"merchant_goods_id": "2", "quantity": 1, "unit_prise": 1}]});
        optional["scene_info"] = json!({"payer_client_ip": "1.2.3.4", "whatever": 1});
        let problems = check_body("POST", path, &optional).unwrap_err();
        assert_eq!(
            problems,
            [
                "unknown field `atach`: did you mean `attach`?",
                "unknown field `detail.goods_detail[].unit_prise`: did you mean `detail.goods_detail[].unit_price`?",
                "unknown field `scene_info.whatever`",
            ]
            .map(String::from)
            .to_vec(),
            "{problems:?}"
        );
        check_body("GET", "/v3/pay/transactions/id/4200", &Value::Null).unwrap();
        check_body("GET", "/v3/no/such/thing", &json!({"x": 1})).unwrap();
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
