//! Reading the APIv2 operations: one YAML per path under `docs/v2/`, its
//! keys the methods; the request is the `in: body` schema (XML), the query
//! parameters (`GET`) or the form parts (the one upload); the answer is the
//! `200` schema, `allOf` merged.

use serde_json::Value;

use crate::spec::{Malformed, Schema, SpecFiles, Ty};
use crate::yaml::Node;

/// The number of APIv2 operations the spec holds; another count stops the
/// generator (the spec changed shape, or the reader broke).
pub const EXPECTED_V2_OPERATIONS: usize = 136;

/// The fields the client writes into every request (never struct fields).
pub const CLIENT_REQUEST_FIELDS: [&str; 2] = ["nonce_str", "sign"];

/// The answer fields the client reads itself before decoding the rest.
pub const CLIENT_ANSWER_FIELDS: [&str; 8] = [
    "sign_type",
    "return_code",
    "return_msg",
    "result_code",
    "err_code",
    "err_code_des",
    "sign",
    "nonce_str",
];

/// First path segments whose operations all need the API certificate.
const MUTUAL_TLS_PREFIXES: [&str; 3] = ["/secapi/", "/mmpaymkttransfers/", "/mmpaysptrans/"];

/// Operations that answer a bill (CSV, or GZIP of it) rather than `<xml>`:
/// the spec describes only their error answer, so they are listed here.
const BILL_PATHS: [&str; 3] = [
    "/pay/downloadbill",
    "/pay/downloadfundflow",
    "/sandboxnew/pay/downloadbill",
];

/// Where a request field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A field of the `<xml>` body.
    Body,
    /// A query parameter (`GET`, and one `POST`).
    Query,
    /// A multipart part (the media upload).
    Form,
    /// A header parameter.
    Header,
}

/// One request or answer field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The wire name (answers: `coupon_id_$n` for indexed fields).
    pub name: String,
    pub required: bool,
    pub place: Place,
    pub schema: Schema,
}

/// One APIv2 operation.
#[derive(Debug, Clone)]
pub struct V2Op {
    /// Upper-case HTTP method.
    pub method: String,
    /// `/pay/micropay`.
    pub path: String,
    /// The first path segment: the feature.
    pub area: String,
    pub summary: String,
    pub doc_links: Vec<String>,
    /// `x-base-uri`: a host other than `api.mch.weixin.qq.com`.
    pub base_uri: Option<String>,
    pub mutual_tls: bool,
    /// Why the operation does or does not need the API certificate.
    pub mutual_tls_why: &'static str,
    /// The answer schema has a `sign` field.
    pub signed_answer: bool,
    /// The answer is a bill, not `<xml>` (see [`BILL_PATHS`]).
    pub download: bool,
    /// `MD5`, `HMAC-SHA256`, preferred first.
    pub sign_types: Vec<&'static str>,
    /// Request fields in spec order, without `nonce_str` and `sign`.
    pub request: Vec<Field>,
    /// Answer fields in spec order, the client's own included.
    pub answer: Vec<Field>,
}

impl V2Op {
    /// `POST /pay/micropay`.
    pub fn id(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The answer fields the typed answer holds.
    pub fn answer_fields(&self) -> impl Iterator<Item = &Field> {
        self.answer
            .iter()
            .filter(|f| !CLIENT_ANSWER_FIELDS.contains(&f.name.as_str()))
    }
}

/// `v2/pay/micropay.yaml` → `/pay/micropay`.
fn path_of(file: &str) -> String {
    let rest = file.strip_prefix("v2").unwrap_or(file);
    rest.strip_suffix(".yaml").unwrap_or(rest).to_owned()
}

/// Every APIv2 operation, sorted by path then method.
pub fn operations(spec: &SpecFiles) -> Result<(Vec<V2Op>, Vec<Malformed>), String> {
    let mut ops = Vec::new();
    let mut malformed = Vec::new();
    for (file, node) in spec.v2_files() {
        for (method, op) in node.entries() {
            if !crate::spec::METHODS.contains(&method.as_str()) {
                continue;
            }
            let op = operation(spec, file, method, op, &mut malformed)
                .map_err(|e| format!("{file} {method}: {e}"))?;
            ops.push(op);
        }
    }
    ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    if ops.len() != EXPECTED_V2_OPERATIONS {
        return Err(format!(
            "the spec holds {} APIv2 operations, not {EXPECTED_V2_OPERATIONS}: it changed shape or \
             the reader broke; update EXPECTED_V2_OPERATIONS deliberately",
            ops.len()
        ));
    }
    Ok((ops, malformed))
}

fn operation(
    spec: &SpecFiles,
    file: &str,
    method: &str,
    node: &Node,
    malformed: &mut Vec<Malformed>,
) -> Result<V2Op, String> {
    let path = path_of(file);
    let area = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut request = Vec::new();
    for p in node.get("parameters").map(Node::items).unwrap_or_default() {
        let place = match p.str_at("in") {
            Some("body") => Place::Body,
            Some("query") => Place::Query,
            Some("formData") => Place::Form,
            Some("header") => Place::Header,
            other => return Err(format!("parameter in {other:?}")),
        };
        if place == Place::Body {
            let Some(schema) = p.get("schema") else {
                continue;
            };
            let (s, m) = spec.resolve(schema, file, "request")?;
            malformed.extend(m);
            for (name, f) in &s.properties {
                request.push(Field {
                    name: name.clone(),
                    required: s.is_required(name),
                    place,
                    schema: f.clone(),
                });
            }
        } else {
            let name = p.str_at("name").unwrap_or_default().to_owned();
            let (s, m) = spec.resolve(p, file, &format!("request.{name}"))?;
            malformed.extend(m);
            request.push(Field {
                required: p.bool_at("required"),
                name,
                place,
                schema: s,
            });
        }
    }
    // A header parameter (`Wechatpay-Negative-Test` of one sandbox
    // operation) is no field of the signed body.
    request
        .retain(|f| f.place != Place::Header && !CLIENT_REQUEST_FIELDS.contains(&f.name.as_str()));
    let mut answer = Vec::new();
    let ok = node.get("responses").and_then(|r| r.get("200"));
    if let Some(schema) = ok.and_then(|r| r.get("schema")) {
        let (s, m) = spec.resolve(schema, file, "response")?;
        malformed.extend(m);
        for (name, f) in &s.properties {
            answer.push(Field {
                name: name.clone(),
                required: s.is_required(name),
                place: Place::Body,
                schema: f.clone(),
            });
        }
    }
    let description = node.text_at("description").unwrap_or_default();
    let (mutual_tls, mutual_tls_why) = if node.bool_at("x-api-cert-required") {
        (true, "the spec marks it `x-api-cert-required`")
    } else if MUTUAL_TLS_PREFIXES.iter().any(|p| path.starts_with(p)) {
        (
            true,
            "its path is under /secapi/, /mmpaymkttransfers/ or /mmpaysptrans/",
        )
    } else {
        (false, "")
    };
    let sign_type = request.iter().find(|f| f.name == "sign_type");
    let sign_types = match sign_type {
        None => vec!["MD5"],
        Some(f) => {
            let listed: Vec<&str> = f
                .schema
                .enum_values
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut types = Vec::new();
            for t in ["HMAC-SHA256", "MD5"] {
                if listed.is_empty() || listed.contains(&t) {
                    types.push(t);
                }
            }
            if types.is_empty() {
                types.push("MD5");
            }
            types
        }
    };
    Ok(V2Op {
        method: method.to_ascii_uppercase(),
        area,
        summary: node.text_at("summary").unwrap_or_default(),
        doc_links: crate::spec::doc_links(&description),
        base_uri: node.text_at("x-base-uri"),
        mutual_tls,
        mutual_tls_why,
        signed_answer: answer.iter().any(|f| f.name == "sign"),
        download: BILL_PATHS.contains(&path.as_str()),
        sign_types,
        request,
        answer,
        path,
    })
}

/// What a field of `schema` is in Rust, before `Option`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Bool,
    /// A string with listed values: an open enum.
    Enum(Vec<String>),
}

/// Fields that are merchant ids: text, whatever type the spec gives (three
/// operations declare `mch_id` an integer; the client compares it as text
/// and fills it in when empty).
const MERCHANT_IDS: [&str; 4] = ["mch_id", "mchid", "sub_mch_id", "combine_mch_id"];

/// The Rust kind of a request or answer field.
pub fn field_kind(f: &Field) -> Kind {
    if MERCHANT_IDS.contains(&f.name.as_str()) {
        return Kind::Str;
    }
    kind(&f.schema)
}

/// The Rust kind of a schema.
pub fn kind(s: &Schema) -> Kind {
    match s.ty() {
        Ty::Integer => Kind::Int,
        Ty::Number => {
            let fractional = matches!(s.format.as_deref(), Some("float" | "double"))
                || s.example.as_ref().is_some_and(|e| {
                    e.as_f64().is_some_and(|f| f.fract() != 0.0)
                        || e.as_str().is_some_and(|t| t.contains('.'))
                });
            if fractional { Kind::Float } else { Kind::Int }
        }
        Ty::Boolean => Kind::Bool,
        Ty::String => {
            let values: Vec<String> = s
                .enum_values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if !values.is_empty() && values.len() == s.enum_values.len() && s.x_json.is_none() {
                Kind::Enum(values)
            } else {
                Kind::Str
            }
        }
        _ => Kind::Str,
    }
}

/// An example value of a field as wire text: the spec's example, else the
/// first listed value, else a minimal value of the type.
pub fn example_text(f: &Field) -> String {
    let s = &f.schema;
    if let Some(e) = &s.example {
        let text = match e {
            Value::String(t) => t.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if !text.is_empty() && fits(&field_kind(f), &text) {
            return text;
        }
    }
    if let Some(v) = s.enum_values.first() {
        return match v {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
    }
    match field_kind(f) {
        Kind::Int | Kind::Float => "1".into(),
        Kind::Bool => "true".into(),
        Kind::Enum(values) => values.first().cloned().unwrap_or_default(),
        Kind::Str if s.x_json.is_some() || s.format.as_deref() == Some("jsonObjectLike") => {
            "{}".into()
        }
        Kind::Str if s.format.as_deref() == Some("jsonArrayLike") => "[]".into(),
        Kind::Str => f.name.replace("_$n", "").replace("_$m", ""),
    }
}

/// Whether `text` parses as a value of `kind`.
pub fn fits(kind: &Kind, text: &str) -> bool {
    match kind {
        Kind::Int => text.parse::<i64>().is_ok(),
        Kind::Float => text.parse::<f64>().is_ok(),
        Kind::Bool => matches!(text, "true" | "false"),
        Kind::Str | Kind::Enum(_) => true,
    }
}
