//! `tests/tests/catalogue.rs`: a test calling every generated operation
//! through the typed client, with the spec's example values, against a
//! spec-mode sandbox. The hand-written operations' calls are in
//! `tests/tests/catalogue_curated/mod.rs`; the generated test insists that
//! the two together cover every operation the client can make.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::codegen::Catalog;
use crate::data::{Examples, examples};
use crate::emit::{Entry, HEADER, Options};
use crate::types::{Answer, Model, Place, RType, StructDef};

/// Operations whose spec-mode answer does not decode into their answer
/// type, with what the decoding error says; each is explained in
/// `xtask/CATALOGUE.md`. The test fails if one of them starts passing.
const KNOWN_FAILURES: [(&str, &str); 0] = [];

/// Models by (models module, name).
type Index<'a> = BTreeMap<(Vec<String>, String), &'a Model>;

/// The test file, unformatted.
///
/// Long by design: the test file's parts in the order they appear in it.
pub fn render(c: &Catalog, opts: &Options) -> String {
    let mut index: Index<'_> = BTreeMap::new();
    for (i, plan) in &c.emitted {
        let e = Entry {
            op: &c.ops[*i],
            names: &c.names[*i],
        };
        for m in &plan.models {
            index.insert((e.models_module(), m.name().to_owned()), m);
        }
    }
    let callable: Vec<String> = c
        .ops
        .iter()
        .filter(|o| !o.inbound)
        .map(|o| o.id())
        .collect();
    let curated: Vec<String> = c
        .ops
        .iter()
        .map(|o| o.id())
        .filter(|id| opts.curated.contains_key(id))
        .collect();

    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    out.push_str(DOC);
    let _ = writeln!(
        out,
        "\n/// Every operation the client can call ({} of the spec's {}; `POST /v3/webhooks` is a notification the platform sends).",
        callable.len(),
        c.ops.len()
    );
    let _ = writeln!(out, "const OPERATIONS: [&str; {}] = [", callable.len());
    for id in &callable {
        let _ = writeln!(out, "    {id:?},");
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// The operations written by hand (`catalogue/handwritten.txt`), called from `catalogue_curated`."
    );
    let _ = writeln!(out, "const CURATED: [&str; {}] = [", curated.len());
    for id in &curated {
        let _ = writeln!(out, "    {id:?},");
    }
    out.push_str("];\n\n");
    // Paths that differ only in a parameter's name: one route serves them.
    let mut shapes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for op in c.ops.iter().filter(|o| !o.inbound) {
        let shape: Vec<&str> = op
            .path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
            .collect();
        shapes
            .entry(format!("{} {}", op.method, shape.join("/")))
            .or_default()
            .push(op.id());
    }
    let twins: Vec<(String, String)> = shapes
        .values()
        .filter(|ids| ids.len() > 1)
        .flat_map(|ids| ids[1..].iter().map(|id| (id.clone(), ids[0].clone())))
        .collect();
    let _ = writeln!(
        out,
        "/// Operations whose path differs from an earlier one's only in a parameter's\n\
         /// name: the platform cannot tell them apart by URL either, and the sandbox\n\
         /// answers both on the earlier one's route. `(operation, earlier)`."
    );
    let _ = writeln!(out, "const SAME_ROUTE: [(&str, &str); {}] = [", twins.len());
    for (id, first) in &twins {
        let _ = writeln!(out, "    ({id:?}, {first:?}),");
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// Operations whose spec-mode answer does not decode into their answer type,\n\
         /// with what the error says (see `xtask/CATALOGUE.md`)."
    );
    let _ = writeln!(
        out,
        "const KNOWN_FAILURES: [(&str, &str); {}] = [",
        KNOWN_FAILURES.len()
    );
    for (id, why) in KNOWN_FAILURES {
        let _ = writeln!(out, "    ({id:?}, {why:?}),");
    }
    out.push_str("];\n\n");
    out.push_str("/// The generated operations' calls.\nfn generated() -> Vec<(&'static str, Call)> {\n    vec![\n");
    for (n, (i, _)) in c.emitted.iter().enumerate() {
        let _ = writeln!(out, "        ({:?}, case_{n}),", c.ops[*i].id());
    }
    out.push_str("    ]\n}\n\n");
    for (n, (i, plan)) in c.emitted.iter().enumerate() {
        let op = &c.ops[*i];
        let e = Entry {
            op,
            names: &c.names[*i],
        };
        let ex = examples(op);
        let ty = format!("wxpay::{}::{}", e.home().join("::"), e.names.type_name);
        let literal = request_literal(&ty, &plan.request, &ex, &e.models_module(), &index);
        let call = match plan.answer {
            Answer::Download => "downloaded(client.download(request).await).await",
            _ => "answered(client.call(request).await)",
        };
        let _ = writeln!(
            out,
            "/// `{}`\nfn case_{n}(client: &Client) -> Pending<'_> {{\n    Box::pin(async move {{\n        let request = {literal};\n        {call}\n    }})\n}}\n",
            op.id()
        );
    }
    out
}

const DOC: &str = r#"//! The catalogue, proved: every APIv3 operation the client can call is sent
//! through the typed client, with the spec's example values, to one sandbox
//! in spec mode, which checks it like the platform would (signature, path
//! parameters, required query, header and body fields and their JSON
//! types, `Wechatpay-Serial` and the decryption of sensitive fields, an
//! upload's `meta`) and answers with the spec's example answer, signed. An
//! operation passes when its answer is verified and decodes into its
//! response type (a download: when its bytes arrive), and when the sandbox
//! counted the request on that operation's own route.
//!
//! Generated by `cargo xtask codegen` from the same spec as the endpoints;
//! the hand-written endpoints' calls are in `catalogue_curated/mod.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod catalogue_curated;
mod common;

use std::future::Future;
use std::pin::Pin;

use wxpay_core::Client;

/// What one call came to: `Err` says why it failed.
type Outcome = Result<(), String>;
/// One call in flight.
type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;
/// The call of one operation.
type Call = for<'a> fn(&'a Client) -> Pending<'a>;

/// A JSON answer, verified and decoded by the client.
fn answered<T>(result: Result<T, wxpay_core::Error>) -> Outcome {
    result.map(drop).map_err(|e| format!("{e:?}"))
}

/// A downloaded file: its bytes must arrive.
async fn downloaded(result: Result<wxpay_core::Download, wxpay_core::Error>) -> Outcome {
    let file = result.map_err(|e| format!("{e:?}"))?;
    let bytes = file.bytes(1 << 20).await.map_err(|e| format!("{e:?}"))?;
    if bytes.is_empty() {
        return Err("the download is empty".into());
    }
    Ok(())
}

/// The file an upload sends: a tiny PNG.
fn upload_file() -> wxpay_core::upload::UploadFile {
    wxpay_core::upload::UploadFile::from_bytes("example.png", catalogue_curated::PNG.to_vec())
}

/// A JSON value given in the spec's examples.
fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_answered_and_decodes() {
    let sandbox = wxpay_sandbox::Sandbox::builder()
        .spec_mode(true)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let mut cases = generated();
    cases.extend(catalogue_curated::cases());

    let mut ids: Vec<&str> = cases.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let mut want: Vec<&str> = OPERATIONS.to_vec();
    want.sort_unstable();
    assert_eq!(ids, want, "one call per operation of the catalogue");
    let mut curated: Vec<&str> = catalogue_curated::cases().iter().map(|(id, _)| *id).collect();
    curated.sort_unstable();
    let mut want_curated = CURATED.to_vec();
    want_curated.sort_unstable();
    assert_eq!(curated, want_curated, "catalogue_curated calls exactly the hand-written operations");

    let mut failures = Vec::new();
    for (id, call) in &cases {
        if let Err(e) = call(&client).await {
            failures.push(format!("{id}: {e}"));
        }
    }
    // Each request reached its own operation's route, once.
    for (id, _) in &cases {
        let want = if SAME_ROUTE.iter().any(|(op, _)| op == id) {
            0
        } else {
            1 + SAME_ROUTE.iter().filter(|(_, first)| first == id).count() as u64
        };
        let got = sandbox.hits(id);
        if got != want && !failures.iter().any(|f| f.starts_with(&format!("{id}: "))) {
            failures.push(format!("{id}: its route was reached {got} times, not {want}"));
        }
    }
    eprintln!(
        "catalogue: {} of {} operations answered and decoded",
        cases.len() - failures.len(),
        cases.len()
    );
    let mut unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| {
            !KNOWN_FAILURES
                .iter()
                .any(|(id, why)| f.starts_with(&format!("{id}: ")) && f.contains(why))
        })
        .collect();
    unexpected.sort();
    assert!(
        unexpected.is_empty(),
        "{} operations failed:\n{}",
        unexpected.len(),
        unexpected.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("\n")
    );
    for (id, why) in KNOWN_FAILURES {
        assert!(
            failures.iter().any(|f| f.starts_with(&format!("{id}: ")) && f.contains(why)),
            "{id} no longer fails with `{why}`: remove it from the known failures (xtask/src/catalogue.rs, xtask/CATALOGUE.md)"
        );
    }
}
"#;

/// The merchant the catalogue test's client signs as (the sandbox's default).
const SIGNER_MCHID: &str = "1900000109";

/// `Type { field: value, … }` for the request, from the example values;
/// `mchid` and `sp_mchid` are the signing merchant's.
fn request_literal(
    ty: &str,
    s: &StructDef,
    ex: &Examples,
    module: &[String],
    index: &Index<'_>,
) -> String {
    let mut fields = Vec::new();
    for f in &s.fields {
        let source = match f.place {
            Place::Path => &ex.path,
            Place::Query => &ex.query,
            Place::Header => &ex.headers,
            Place::Body => &ex.body,
            Place::Form => &ex.form,
            Place::File => {
                fields.push(format!("{}: upload_file()", f.ident));
                continue;
            }
        };
        let signer = Value::String(SIGNER_MCHID.to_owned());
        let v = match (&f.place, f.wire.as_str(), &f.ty) {
            // The sandbox, like the platform, wants these to be the merchant
            // that signed the request.
            (Place::Body | Place::Query, "mchid" | "sp_mchid", RType::String) => Some(&signer),
            _ => source.get(&f.wire).filter(|v| !v.is_null()),
        };
        fields.push(format!(
            "{}: {}",
            f.ident,
            field_value(&f.ty, f.required, v, module, index, 0)
        ));
    }
    format!("{ty} {{ {} }}", fields.join(", "))
}

fn field_value(
    ty: &RType,
    required: bool,
    v: Option<&Value>,
    module: &[String],
    index: &Index<'_>,
    depth: usize,
) -> String {
    match (required, v) {
        (true, v) => value(ty, v, module, index, depth),
        (false, Some(v)) => format!("Some({})", value(ty, Some(v), module, index, depth)),
        (false, None) => "None".into(),
    }
}

/// A Rust expression of type `ty` for `v` (a minimal one when `None`).
fn value(
    ty: &RType,
    v: Option<&Value>,
    module: &[String],
    index: &Index<'_>,
    depth: usize,
) -> String {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    };
    let path = format!("wxpay::{}", module.join("::"));
    match ty {
        RType::String => format!("String::from({:?})", text(v).unwrap_or_else(|| "x".into())),
        RType::I64 => {
            let n = match v {
                Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            format!("{}_i64", n.unwrap_or(1))
        }
        RType::F64 => format!("{:?}_f64", v.and_then(Value::as_f64).unwrap_or(1.5)),
        RType::Bool => format!("{}", v.and_then(Value::as_bool).unwrap_or(false)),
        RType::Json => match v {
            Some(v) => format!("json({:?})", v.to_string()),
            None => "serde_json::Value::Null".into(),
        },
        RType::File => "upload_file()".into(),
        RType::Vec(inner) => match v {
            Some(Value::Array(items)) if depth < 12 => {
                let items: Vec<String> = items
                    .iter()
                    .map(|i| value(inner, Some(i), module, index, depth + 1))
                    .collect();
                format!("vec![{}]", items.join(", "))
            }
            _ => "Vec::new()".into(),
        },
        RType::Enum(name) => {
            let wire = text(v).or_else(|| match index.get(&(module.to_vec(), name.clone())) {
                Some(Model::Enum(e)) => e.variants.first().map(|(_, w)| w.clone()),
                _ => None,
            });
            format!("{path}::{name}::from({:?})", wire.unwrap_or_default())
        }
        RType::Struct(name) => {
            let Some(Model::Struct(s)) = index.get(&(module.to_vec(), name.clone())) else {
                return format!("compile_error!(\"no model {name}\")");
            };
            let obj = v.and_then(Value::as_object);
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| {
                    let fv = obj.and_then(|o| o.get(&f.wire)).filter(|v| !v.is_null());
                    format!(
                        "{}: {}",
                        f.ident,
                        field_value(&f.ty, f.required, fv, module, index, depth + 1)
                    )
                })
                .collect();
            format!("{path}::{name} {{ {} }}", fields.join(", "))
        }
    }
}
