//! The crate `wxpay-v2` (`catalogue/v2`): one module per path segment, a
//! feature per first segment, and per operation a request struct declared
//! with `#[endpoint(v2, …)]`, its answer `…Response`, and a models module
//! (`pay::micropay`) for its open enums and the elements of its indexed
//! (`_$n`) answer fields.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::spec::{Field, Kind, Place, V2Op, field_kind};
use crate::doc;
use crate::emit::HEADER;
use crate::naming::{ident, pascal, snake};

/// The crate's folder, relative to the workspace root.
pub const CRATE_DIR: &str = "catalogue/v2";
/// The crate's name.
pub const CRATE_NAME: &str = "wxpay-v2";

/// The names of one operation.
#[derive(Debug, Clone)]
pub struct V2Names {
    /// Module path inside the crate (`["pay", "partner"]`).
    pub module: Vec<String>,
    /// `Micropay`.
    pub type_name: String,
    /// `micropay`: the models module.
    pub models: String,
    /// `post_pay_micropay`.
    pub method: String,
}

impl V2Names {
    pub fn full_type(&self) -> String {
        format!("{}::{}", self.module.join("::"), self.type_name)
    }
}

/// Names every operation; fails on two operations with one type or one
/// client method, on a models module that is also a URL module, and on a
/// client method an APIv3 operation (or the client itself) already has.
pub fn names(ops: &[V2Op], taken: &BTreeSet<String>) -> Result<Vec<V2Names>, String> {
    let mut out: Vec<V2Names> = Vec::new();
    let mut types = BTreeMap::new();
    let mut methods = BTreeMap::new();
    for op in ops {
        let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        let (last, parents) = segments
            .split_last()
            .ok_or_else(|| format!("{}: empty path", op.id()))?;
        let module: Vec<String> = parents.iter().map(|s| ident(&snake(s))).collect();
        let type_name = pascal(&snake(last));
        let n = V2Names {
            models: ident(&snake(last)),
            method: crate::naming::method_name(&op.method, &op.path),
            module,
            type_name,
        };
        if let Some(other) = types.insert(n.full_type(), op.id()) {
            return Err(format!(
                "{} and {other} are both {}",
                op.id(),
                n.full_type()
            ));
        }
        if let Some(other) = methods.insert(n.method.clone(), op.id()) {
            return Err(format!(
                "{} and {other} both get the client method {}",
                op.id(),
                n.method
            ));
        }
        if taken.contains(&n.method) {
            return Err(format!(
                "the client method {} of {} is already an APIv3 operation's or the client's",
                n.method,
                op.id()
            ));
        }
        out.push(n);
    }
    // A models module must not be a module of the URL tree.
    let mut url_modules = BTreeSet::new();
    for n in &out {
        for i in 1..=n.module.len() {
            url_modules.insert(n.module[..i].join("::"));
        }
    }
    for (n, op) in out.iter().zip(ops) {
        let models = format!("{}::{}", n.module.join("::"), n.models);
        if url_modules.contains(&models) {
            return Err(format!(
                "{}: its models module {models} is a URL module",
                op.id()
            ));
        }
    }
    Ok(out)
}

/// One Rust type as written in a field.
fn rust_type(f: &Field, models: &str, enums: &mut Vec<(String, Vec<String>, String)>) -> String {
    match field_kind(f) {
        Kind::Str => "String".into(),
        Kind::Int => "i64".into(),
        Kind::Float => "f64".into(),
        Kind::Bool => "bool".into(),
        Kind::Enum(values) => {
            let base = f.name.replace("_$n", "").replace("_$m", "");
            let name = pascal(&snake(&base));
            let summary = f.schema.description.clone().unwrap_or_default();
            match enums.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, known, _)) => {
                    for v in values {
                        if !known.contains(&v) {
                            known.push(v);
                        }
                    }
                }
                None => enums.push((name.clone(), values, summary)),
            }
            format!("{models}::{name}")
        }
    }
}

/// Rustdoc lines (`///` already added) for a field.
fn field_doc(f: &Field, out: &mut String, for_request: bool) {
    let desc = f
        .schema
        .description
        .clone()
        .unwrap_or_else(|| format!("`{}`", f.name));
    for line in doc::lines(&desc) {
        let _ = writeln!(out, "    /// {line}");
    }
    if desc.trim().is_empty() {
        let _ = writeln!(out, "    /// `{}`", f.name);
    }
    if let Some(e) = &f.schema.example {
        let text = match e {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some(code) = doc::code(&text) {
            let _ = writeln!(out, "    ///\n    /// Example: {code}.");
        }
    }
    if f.schema.x_json.is_some()
        || f.schema
            .format
            .as_deref()
            .is_some_and(|f| f.starts_with("json"))
    {
        let _ = writeln!(out, "    ///\n    /// JSON text.");
    }
    if for_request && f.name == "mch_id" {
        let _ = writeln!(
            out,
            "    ///\n    /// Left empty (or `None`), the client fills in its own merchant id."
        );
    }
    if for_request && f.name == "sign_type" && !f.required {
        let _ = writeln!(
            out,
            "    ///\n    /// `None`: the client signs with the operation's preferred sign type."
        );
    }
    if f.place == Place::Form {
        let _ = writeln!(
            out,
            "    ///\n    /// A part of the spec's multipart form; sent here as an XML field."
        );
    }
}

/// One struct field: doc, serde attributes, declaration.
fn field(
    f: &Field,
    models: &str,
    optional: bool,
    enums: &mut Vec<(String, Vec<String>, String)>,
    out: &mut String,
    for_request: bool,
) {
    field_doc(f, out, for_request);
    let wire = f.name.replace("_$n", "").replace("_$m", "");
    let name = ident(&snake(&wire));
    let ty = rust_type(f, models, enums);
    if crate::naming::unraw(&name) != wire {
        let _ = writeln!(out, "    #[serde(rename = {wire:?})]");
    }
    if optional {
        if for_request {
            let _ = writeln!(
                out,
                "    #[serde(skip_serializing_if = \"Option::is_none\")]"
            );
        }
        let _ = writeln!(out, "    pub {name}: Option<{ty}>,");
    } else {
        let _ = writeln!(out, "    pub {name}: {ty},");
    }
}

/// The indexed answer fields, grouped: `(prefix, members)`; members are
/// named without their `_$n`. A group's prefix is the longest common start
/// of its members' names that ends with `_` (or empty).
fn group(fields: &[&Field]) -> (String, Vec<Field>) {
    let bases: Vec<String> = fields
        .iter()
        .map(|f| f.name.split("_$n").next().unwrap_or_default().to_owned())
        .collect();
    let mut prefix = bases.first().cloned().unwrap_or_default();
    for b in &bases {
        while !b.starts_with(&prefix) {
            prefix.pop();
        }
    }
    match prefix.rfind('_') {
        Some(i) => prefix.truncate(i + 1),
        None => prefix.clear(),
    }
    let members = fields
        .iter()
        .map(|f| Field {
            name: f.name.replacen("_$n", "", 1),
            ..(*f).clone()
        })
        .collect();
    (prefix, members)
}

/// The Vec field and element type of a group with `prefix`.
fn group_names(prefix: &str) -> (String, String) {
    let base = prefix.trim_end_matches('_');
    if base.is_empty() {
        ("items".into(), "Item".into())
    } else {
        (format!("{}s", snake(base)), pascal(base))
    }
}

/// The struct of one indexed group's element (fields all optional), and
/// any group nested in it (`_$n_$m`), appended to `models`.
fn element(
    name: &str,
    members: &[Field],
    models_out: &mut String,
    enums: &mut Vec<(String, Vec<String>, String)>,
) {
    let (plain, nested): (Vec<&Field>, Vec<&Field>) =
        members.iter().partition(|f| !f.name.contains("_$m"));
    let mut body = String::new();
    for f in plain {
        field(f, "self", true, enums, &mut body, false);
    }
    if !nested.is_empty() {
        let renamed: Vec<Field> = nested
            .iter()
            .map(|f| Field {
                name: f.name.replacen("_$m", "_$n", 1),
                ..(*f).clone()
            })
            .collect();
        let refs: Vec<&Field> = renamed.iter().collect();
        let (prefix, inner) = group(&refs);
        let (vec_name, elem) = group_names(&prefix);
        let elem = format!("{name}{elem}");
        let _ = writeln!(
            body,
            "    /// The fields `{prefix}…_<n>_<m>` of element `<n>`, by `<m>`.\n    #[serde(rename = \"{prefix}$n\", default)]\n    pub {vec_name}: Vec<{elem}>,"
        );
        element(&elem, &inner, models_out, enums);
    }
    let eq = if has_float(members.iter()) {
        ""
    } else {
        "Eq, "
    };
    let _ = writeln!(
        models_out,
        "/// One element of an indexed answer group: the fields sharing one index.\n\
         #[derive(Debug, Clone, PartialEq, {eq}Default, serde::Deserialize)]\n\
         pub struct {name} {{\n{body}}}\n"
    );
}

/// Whether every type of the request has a `Default`.
fn request_has_default(op: &V2Op) -> bool {
    op.request
        .iter()
        .all(|f| !f.required || !matches!(field_kind(f), Kind::Enum(_)))
}

/// Whether `Eq` can be derived (no floats).
fn has_float<'a>(mut fields: impl Iterator<Item = &'a Field>) -> bool {
    fields.any(|f| field_kind(f) == Kind::Float)
}

/// The code of one operation in its URL module, and its models module's code.
pub fn operation(op: &V2Op, n: &V2Names) -> (String, String) {
    let models = &n.models;
    let mut enums = Vec::new();
    let mut models_code = String::new();
    let mut out = String::new();
    // The request.
    let _ = writeln!(
        out,
        "/// `{} {}`: {}",
        op.method,
        op.path,
        doc::paragraph(&op.summary)
    );
    if !op.doc_links.is_empty() {
        let links: Vec<String> = op.doc_links.iter().map(|l| format!("<{l}>")).collect();
        let _ = writeln!(out, "///\n/// Official documentation: {}", links.join(" "));
    }
    if op.mutual_tls {
        let _ = writeln!(
            out,
            "///\n/// Sent over mutual TLS with the merchant's API certificate ({}).",
            op.mutual_tls_why
        );
    }
    if let Some(base) = &op.base_uri {
        let _ = writeln!(
            out,
            "///\n/// The platform serves it at {}.",
            doc::paragraph(base)
        );
    }
    if op.method == "GET" {
        let _ = writeln!(out, "///\n/// The fields travel in the query string.");
    }
    if op.download {
        let _ = writeln!(
            out,
            "///\n/// Answers a bill: the method returns its CSV (inflated from GZIP), which \
             `wxpay_core::bill` reads row by row."
        );
    }
    let mut args = format!("v2, {}, {:?}", op.method, op.path);
    if op.download {
        args.push_str(", download");
    } else {
        let _ = write!(args, ", response = {}Response", n.type_name);
    }
    if op.mutual_tls {
        args.push_str(", mutual_tls");
    }
    if !op.signed_answer && !op.download {
        args.push_str(", unsigned_answer");
    }
    if op.sign_types != ["HMAC-SHA256", "MD5"] {
        let _ = write!(args, ", sign_types = {:?}", op.sign_types.join(", "));
    }
    let _ = writeln!(out, "#[wxpay_core::endpoint({args})]");
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if !has_float(op.request.iter()) {
        derives.push("Eq");
    }
    if request_has_default(op) {
        derives.push("Default");
    }
    derives.push("serde::Serialize");
    let _ = writeln!(
        out,
        "#[derive({})]\npub struct {} {{",
        derives.join(", "),
        n.type_name
    );
    for f in &op.request {
        field(f, models, !f.required, &mut enums, &mut out, true);
    }
    let _ = writeln!(out, "}}\n");
    if op.download {
        // The answer is the bill's bytes; the spec's answer schema is only
        // the `<xml>` refusal, which the client turns into the error.
        return (out, enum_code(&enums, models_code));
    }
    // The answer.
    let answer: Vec<&Field> = op.answer_fields().collect();
    let (plain, indexed): (Vec<&Field>, Vec<&Field>) =
        answer.iter().partition(|f| !f.name.contains("_$n"));
    let _ = writeln!(
        out,
        "/// The answer to [`{}`], without the fields the client checks itself \
         (`return_code`, `result_code`, `sign`, …).",
        n.type_name
    );
    let mut derives = vec!["Debug", "Clone", "PartialEq"];
    if !has_float(answer.iter().copied()) {
        derives.push("Eq");
    }
    derives.push("serde::Deserialize");
    let _ = writeln!(
        out,
        "#[derive({})]\npub struct {}Response {{",
        derives.join(", "),
        n.type_name
    );
    for f in plain {
        field(f, models, !f.required, &mut enums, &mut out, false);
    }
    if !indexed.is_empty() {
        let (prefix, members) = group(&indexed);
        let (vec_name, elem) = group_names(&prefix);
        let _ = writeln!(
            out,
            "    /// The indexed fields `{prefix}…_<n>`, one element per `<n>`.\n    #[serde(rename = \"{prefix}$n\", default)]\n    pub {vec_name}: Vec<{models}::{elem}>,"
        );
        element(&elem, &members, &mut models_code, &mut enums);
    }
    let _ = writeln!(out, "}}\n");
    (out, enum_code(&enums, models_code))
}

/// `models_code` followed by the open enums collected from the fields.
fn enum_code(enums: &[(String, Vec<String>, String)], mut models_code: String) -> String {
    for (name, values, summary) in enums {
        let summary = if summary.trim().is_empty() {
            format!("`{name}`")
        } else {
            doc::paragraph(summary)
        };
        let _ = writeln!(
            models_code,
            "wxpay_core::open_enum! {{\n    /// {summary}\n    pub enum {name} {{"
        );
        let mut seen = BTreeSet::new();
        for v in values {
            let mut variant = pascal(&snake(v));
            if variant.is_empty() || variant == "Other" {
                variant = format!("{variant}Value");
            }
            if !seen.insert(variant.clone()) {
                continue;
            }
            let _ = writeln!(models_code, "        /// `{v}`\n        {variant} = {v:?},");
        }
        let _ = writeln!(models_code, "    }}\n}}\n");
    }
    models_code.replace("self::", "")
}

/// The crate's files, by path from the workspace root.
pub fn render(ops: &[V2Op], names: &[V2Names]) -> BTreeMap<String, String> {
    // Module path → (child modules, code).
    let mut modules: BTreeMap<Vec<String>, (BTreeSet<String>, String)> = BTreeMap::new();
    let mut areas: BTreeMap<String, String> = BTreeMap::new();
    for (op, n) in ops.iter().zip(names) {
        areas.insert(n.module[0].clone(), op.area.clone());
        for i in 1..n.module.len() {
            let parent = n.module[..i].to_vec();
            modules
                .entry(parent)
                .or_default()
                .0
                .insert(n.module[i].clone());
        }
        let (code, models) = operation(op, n);
        let entry = modules.entry(n.module.clone()).or_default();
        entry.1.push_str(&code);
        if !models.is_empty() {
            let _ = writeln!(
                entry.1,
                "/// The open enums and indexed-field elements of [`{}`] and its answer.\npub mod {} {{\n{models}}}\n",
                n.type_name, n.models
            );
        }
    }
    let mut files = BTreeMap::new();
    for (path, (children, code)) in &modules {
        let mut text = format!(
            "{HEADER}\n//! `/{}/…`\n\n",
            path.iter()
                .map(|s| crate::naming::unraw(s))
                .collect::<Vec<_>>()
                .join("/")
        );
        for c in children {
            let _ = writeln!(text, "pub mod {c};");
        }
        text.push('\n');
        text.push_str(code);
        let file = format!(
            "{CRATE_DIR}/src/{}.rs",
            path.iter()
                .map(|s| crate::naming::unraw(s))
                .collect::<Vec<_>>()
                .join("/")
        );
        files.insert(file, text);
    }
    files.insert(
        format!("{CRATE_DIR}/src/lib.rs"),
        lib_rs(ops, names, &areas),
    );
    files.insert(format!("{CRATE_DIR}/Cargo.toml"), cargo_toml(&areas));
    files
}

fn lib_rs(ops: &[V2Op], names: &[V2Names], areas: &BTreeMap<String, String>) -> String {
    let mut s = format!(
        "{HEADER}\n//! WeChat Pay APIv2: its {} operations, typed, declared with \
         `#[endpoint(v2, …)]` over `wxpay-core`, in modules that mirror their URL \
         (`POST /pay/micropay` is [`pay::Micropay`], its client method \
         `post_pay_micropay`). Each first path segment is a feature of this crate; \
         most services use it through the `wxpay` crate (`wxpay::v2::pay`, feature \
         `v2-pay`). Generated from WeChat Pay's OpenAPI spec by `cargo xtask codegen`.\n\
         //!\n//! `use wxpay_v2::prelude::*;` brings every enabled client method into scope.\n\
         #![allow(clippy::module_inception)]\n\n",
        ops.len()
    );
    for (module, area) in areas {
        let _ = writeln!(s, "#[cfg(feature = {area:?})]\npub mod {module};");
    }
    let _ = writeln!(
        s,
        "\n/// The client methods of the enabled areas: `use wxpay_v2::prelude::*;`.\npub mod prelude {{"
    );
    for (op, n) in ops.iter().zip(names) {
        let _ = writeln!(
            s,
            "    #[cfg(feature = {:?})]\n    pub use crate::{}::{}Ext as _;",
            op.area,
            n.module.join("::"),
            n.type_name
        );
    }
    s.push_str("}\n");
    s
}

fn cargo_toml(areas: &BTreeMap<String, String>) -> String {
    let mut features = String::new();
    for area in areas.values() {
        let _ = writeln!(features, "{area:?} = []");
    }
    format!(
        "{}\n[package]\nname = \"{CRATE_NAME}\"\n\
         description = \"WeChat Pay APIv2: typed operations, generated from the OpenAPI spec, one feature per first path segment\"\n\
         version.workspace = true\nedition.workspace = true\nrust-version.workspace = true\n\
         license.workspace = true\nrepository.workspace = true\nauthors.workspace = true\n\
         readme = \"../README.md\"\n\
         keywords = [\"wechat\", \"wechatpay\", \"payment\", \"weixin\"]\ncategories = [\"api-bindings\"]\n\n\
         [features]\n{features}\n[dependencies]\nwxpay-core.workspace = true\nserde.workspace = true\n\n\
         [lints]\nworkspace = true\n",
        HEADER.replace("//", "#")
    )
}

/// The areas: `(module, feature)`, in module order.
pub fn areas(ops: &[V2Op], names: &[V2Names]) -> Vec<(String, String)> {
    let mut a: BTreeMap<String, String> = BTreeMap::new();
    for (op, n) in ops.iter().zip(names) {
        a.insert(n.module[0].clone(), op.area.clone());
    }
    a.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Schema, Ty};

    fn f(name: &str) -> Field {
        Field {
            name: name.into(),
            required: false,
            place: Place::Body,
            schema: Schema {
                ty: Some(Ty::String),
                ..Schema::default()
            },
        }
    }

    #[test]
    fn indexed_fields_group_under_their_common_prefix() {
        let fields = [f("coupon_type_$n"), f("coupon_id_$n"), f("coupon_fee_$n")];
        let refs: Vec<&Field> = fields.iter().collect();
        let (prefix, members) = group(&refs);
        assert_eq!(prefix, "coupon_");
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["coupon_type", "coupon_id", "coupon_fee"]);
        assert_eq!(group_names(&prefix), ("coupons".into(), "Coupon".into()));
    }

    #[test]
    fn unrelated_indexed_fields_share_the_empty_prefix() {
        let fields = [
            f("out_refund_no_$n"),
            f("refund_id_$n"),
            f("coupon_refund_id_$n_$m"),
        ];
        let refs: Vec<&Field> = fields.iter().collect();
        let (prefix, members) = group(&refs);
        assert_eq!(prefix, "");
        assert_eq!(members[2].name, "coupon_refund_id_$m");
        assert_eq!(group_names(&prefix), ("items".into(), "Item".into()));
    }

    #[test]
    fn a_nested_group_is_a_vector_of_the_element() {
        let mut out = String::new();
        let mut enums = Vec::new();
        let members = [
            f("refund_id"),
            f("coupon_type_$m"),
            f("coupon_refund_id_$m"),
        ];
        element("Item", &members, &mut out, &mut enums);
        assert!(
            out.contains("#[serde(rename = \"coupon_$n\", default)]"),
            "{out}"
        );
        assert!(out.contains("pub coupons: Vec<ItemCoupon>,"), "{out}");
        assert!(out.contains("pub struct ItemCoupon {"), "{out}");
        assert!(
            out.contains("pub coupon_refund_id: Option<String>,"),
            "{out}"
        );
    }

    #[test]
    fn a_method_taken_by_apiv3_stops_the_generator() {
        let op = V2Op {
            method: "POST".into(),
            path: "/pay/x".into(),
            area: "pay".into(),
            summary: String::new(),
            doc_links: Vec::new(),
            base_uri: None,
            mutual_tls: false,
            mutual_tls_why: "",
            signed_answer: true,
            download: false,
            sign_types: vec!["MD5"],
            request: Vec::new(),
            answer: Vec::new(),
        };
        let names = names(std::slice::from_ref(&op), &BTreeSet::new()).unwrap();
        assert_eq!(names[0].method, "post_pay_x");
        assert_eq!(names[0].full_type(), "pay::X");
        let taken = BTreeSet::from(["post_pay_x".to_owned()]);
        let err = super::names(&[op], &taken).unwrap_err();
        assert!(err.contains("already an APIv3 operation's"), "{err}");
    }
}
