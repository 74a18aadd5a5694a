//! Data for the sandbox's spec mode and for the generated all-operations
//! test: per operation, what the platform checks and what it answers, and
//! example request values. Values come from the spec's `example`s, coerced
//! to the generated types; where a required value has no example, a minimal
//! one is made up from the schema.

use serde_json::{Map, Value, json};

use crate::spec::{Location, Operation, Schema, Ty};
use crate::types::{RType, number_type};

/// Which fields of an object an example holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// The required ones and those the spec gives an example for (requests).
    Examples,
    /// Every field the spec lists (answers: so that every field of the
    /// response type is decoded, not only the required ones).
    All,
}

/// An example request value (required fields and those with examples).
fn example(s: &Schema, name: &str, depth: usize) -> Option<Value> {
    example_with(s, name, depth, Fill::Examples)
}

/// An example value of `s`: the spec's example, coerced to the generated
/// type, or a minimal one made up from the schema.
fn example_with(s: &Schema, name: &str, depth: usize, fill: Fill) -> Option<Value> {
    if depth > 12 {
        return None;
    }
    let ex = s.example.as_ref();
    Some(match s.ty() {
        Ty::String => {
            let text = match ex {
                Some(Value::String(t)) => Some(t.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::Bool(b)) => Some(b.to_string()),
                _ => None,
            };
            let values: Vec<String> = s
                .enum_values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            match text {
                Some(t) if values.is_empty() || values.contains(&t) => Value::String(t),
                _ => match values.first() {
                    Some(v) => Value::String(v.clone()),
                    None => Value::String(placeholder(s, name)),
                },
            }
        }
        Ty::Integer => Value::from(integer(ex).unwrap_or(1)),
        Ty::Number => match number_type(s).0 {
            RType::F64 => ex.and_then(Value::as_f64).map_or(json!(1.5), Value::from),
            _ => Value::from(integer(ex).unwrap_or(1)),
        },
        Ty::Boolean => Value::Bool(match ex {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(t)) => t == "true",
            _ => false,
        }),
        Ty::File => Value::String(format!("<file {name}>")),
        Ty::Any => ex.cloned().unwrap_or(Value::Null),
        Ty::Array => {
            let items = s.items.as_deref();
            match (ex, items) {
                (Some(Value::Array(list)), Some(it)) if is_scalar(it) => Value::Array(
                    list.iter()
                        .filter_map(|v| {
                            let mut one = it.clone();
                            one.example = Some(v.clone());
                            example_with(&one, name, depth + 1, fill)
                        })
                        .collect(),
                ),
                (_, Some(it)) => match example_with(it, name, depth + 1, fill) {
                    Some(v) => Value::Array(vec![v]),
                    None => Value::Array(Vec::new()),
                },
                (Some(Value::Array(list)), None) => Value::Array(list.clone()),
                (_, None) => Value::Array(Vec::new()),
            }
        }
        Ty::Object => {
            if s.properties.is_empty() {
                return Some(match ex {
                    Some(v @ Value::Object(_)) => v.clone(),
                    _ => Value::Object(Map::new()),
                });
            }
            Value::Object(object_with(s, depth, fill))
        }
    })
}

/// An object's required properties and those the spec gives an example for.
fn object(s: &Schema, depth: usize) -> Map<String, Value> {
    object_with(s, depth, Fill::Examples)
}

fn object_with(s: &Schema, depth: usize, fill: Fill) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, p) in &s.properties {
        if fill == Fill::All || s.is_required(name) || has_example(p, 0) {
            if let Some(v) = example_with(p, name, depth + 1, fill) {
                if !(v.is_null() && fill == Fill::All && !s.is_required(name)) {
                    out.insert(name.clone(), v);
                }
            }
        }
    }
    out
}

fn has_example(s: &Schema, depth: usize) -> bool {
    depth < 12
        && (s.example.is_some()
            || s.properties.iter().any(|(_, p)| has_example(p, depth + 1))
            || s.items
                .as_deref()
                .is_some_and(|i| has_example(i, depth + 1)))
}

fn is_scalar(s: &Schema) -> bool {
    matches!(s.ty(), Ty::String | Ty::Integer | Ty::Number | Ty::Boolean)
}

fn integer(ex: Option<&Value>) -> Option<i64> {
    match ex? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(t) => t.trim().parse().ok(),
        _ => None,
    }
}

fn placeholder(s: &Schema, name: &str) -> String {
    match s.format.as_deref() {
        Some("rfc3339") => "2026-01-01T00:00:00+08:00".into(),
        _ if name.is_empty() => "example".into(),
        _ => name.to_owned(),
    }
}

fn type_name(s: &Schema) -> &'static str {
    match s.ty() {
        Ty::Object => "object",
        Ty::Array => "array",
        Ty::String => "string",
        Ty::Integer => "integer",
        Ty::Number => match number_type(s).0 {
            RType::F64 => "number",
            _ => "integer",
        },
        Ty::Boolean => "boolean",
        Ty::File => "file",
        Ty::Any => "any",
    }
}

/// Required fields, through required objects and arrays of objects
/// (`amount.total`, `goods[].id`), with their types.
fn required_fields(s: &Schema, prefix: &str, out: &mut Vec<Value>, depth: usize) {
    if depth > 12 {
        return;
    }
    for (name, p) in &s.properties {
        if !s.is_required(name) {
            continue;
        }
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let mut entry = json!({ "field": path, "type": type_name(p) });
        if let Some(f) = &p.format {
            entry["format"] = Value::String(f.clone());
        }
        out.push(entry);
        match p.ty() {
            Ty::Object => required_fields(p, &path, out, depth + 1),
            Ty::Array => {
                if let Some(items) = p.items.as_deref().filter(|i| i.ty() == Ty::Object) {
                    required_fields(items, &format!("{path}[]"), out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// Paths (`a.b`, `list[].c`) of every field the request body may hold. A
/// member of any name is allowed under `a.*` (a free-form object, or
/// nesting deeper than the data follows).
fn field_paths(s: &Schema, prefix: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 12 {
        out.push(format!("{prefix}.*"));
        return;
    }
    for (name, p) in &s.properties {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        out.push(path.clone());
        let items = p.items.as_deref();
        match p.ty() {
            Ty::Object if !p.properties.is_empty() => field_paths(p, &path, out, depth + 1),
            Ty::Object | Ty::Any => out.push(format!("{path}.*")),
            Ty::Array => match items {
                Some(i) if i.ty() == Ty::Object && !i.properties.is_empty() => {
                    field_paths(i, &format!("{path}[]"), out, depth + 1);
                }
                Some(i) if matches!(i.ty(), Ty::Object | Ty::Any) => {
                    out.push(format!("{path}[].*"));
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// Paths (`a.b`, `list[].c`) of the request body's fields the client
/// encrypts (`format: base64` strings, or arrays of them; what the
/// generator marks `#[sensitive]`).
fn sensitive_paths(s: &Schema, prefix: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 12 {
        return;
    }
    for (name, p) in &s.properties {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let base64 = |x: &Schema| x.ty() == Ty::String && x.format.as_deref() == Some("base64");
        match p.ty() {
            _ if base64(p) => out.push(path),
            Ty::Array => match p.items.as_deref() {
                Some(items) if base64(items) => out.push(path),
                Some(items) if items.ty() == Ty::Object => {
                    sensitive_paths(items, &format!("{path}[]"), out, depth + 1);
                }
                _ => {}
            },
            Ty::Object => sensitive_paths(p, &path, out, depth + 1),
            _ => {}
        }
    }
}

/// An upload's text parts other than `meta` (sent as `#[form]` fields).
fn form_parts(op: &Operation) -> impl Iterator<Item = &crate::spec::Param> {
    op.params
        .iter()
        .filter(|p| p.location == Location::Form && p.schema.ty() != Ty::File && p.name != "meta")
}

/// The schema of an upload's JSON `meta` part, as the client sends it:
/// the `meta` object's members but `filename` and `sha256` (which the
/// client computes).
fn upload_meta(op: &Operation) -> Schema {
    let mut meta = Schema {
        ty: Some(Ty::Object),
        ..Schema::default()
    };
    for p in op
        .params
        .iter()
        .filter(|p| p.location == Location::Form && p.name == "meta")
    {
        for (name, s, required) in crate::types::upload_meta_fields(p) {
            if required {
                meta.required.push(name.clone());
            }
            meta.properties.push((name, s.clone()));
        }
    }
    meta
}

/// The body schema as sent: the JSON body, or an upload's `meta`.
fn body_schema(op: &Operation) -> Option<Schema> {
    if op.multipart {
        Some(upload_meta(op))
    } else {
        op.body.clone()
    }
}

/// One line of the spec-mode file: what the sandbox checks and answers.
/// Empty lists and `false` flags are left out; path parameters are read
/// from the template.
///
/// Long by design: one entry per field of the data file, in its order.
pub fn spec_mode_entry(op: &Operation) -> Value {
    let mut entry = Map::new();
    entry.insert("method".into(), Value::from(op.method.clone()));
    entry.insert("path".into(), Value::from(op.path.clone()));
    entry.insert("status".into(), Value::from(op.status));
    let required_query: Vec<Value> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Query && p.required)
        .map(|p| json!([p.name, type_name(&p.schema)]))
        .collect();
    if !required_query.is_empty() {
        entry.insert("query".into(), Value::Array(required_query));
    }
    let sensitive_query: Vec<Value> = op
        .params
        .iter()
        .filter(|p| {
            p.location == Location::Query
                && p.schema.ty() == Ty::String
                && p.schema.format.as_deref() == Some("base64")
        })
        .map(|p| Value::from(p.name.clone()))
        .collect();
    if !sensitive_query.is_empty() {
        entry.insert("sensitive_query".into(), Value::Array(sensitive_query));
    }
    let headers: Vec<Value> = op
        .headers
        .iter()
        .filter(|h| h.required)
        .map(|h| Value::from(h.name.clone()))
        .collect();
    if !headers.is_empty() {
        entry.insert("headers".into(), Value::Array(headers));
    }
    if let Some(b) = body_schema(op) {
        let mut fields = Vec::new();
        required_fields(&b, "", &mut fields, 0);
        let fields: Vec<Value> = fields
            .into_iter()
            .map(|f| json!([f["field"], f["type"]]))
            .collect();
        entry.insert("body".into(), Value::Array(fields));
        if b.ty() == Ty::Object && !b.properties.is_empty() {
            let mut known = Vec::new();
            field_paths(&b, "", &mut known, 0);
            entry.insert("fields".into(), json!(known));
        }
        let mut sensitive = Vec::new();
        sensitive_paths(&b, "", &mut sensitive, 0);
        if !sensitive.is_empty() {
            entry.insert("sensitive".into(), json!(sensitive));
        }
    }
    if op.multipart {
        let form: Vec<Value> = form_parts(op)
            .filter(|p| p.required)
            .map(|p| json!([p.name, type_name(&p.schema)]))
            .collect();
        if !form.is_empty() {
            entry.insert("form".into(), Value::Array(form));
        }
        let file = op
            .params
            .iter()
            .find(|p| p.location == Location::Form && p.schema.ty() == Ty::File);
        if let Some(file) = file.filter(|p| p.name != "file") {
            entry.insert("file_part".into(), Value::from(file.name.clone()));
        }
    }
    for (flag, on) in [
        ("serial", op.wechatpay_serial),
        ("upload", op.multipart),
        ("download", op.download),
    ] {
        if on {
            entry.insert(flag.into(), Value::Bool(true));
        }
    }
    if !op.download && op.status != 204 {
        let response = op
            .response
            .as_ref()
            .and_then(|r| example_with(r, "", 0, Fill::All))
            .unwrap_or_else(|| Value::Object(Map::new()));
        entry.insert("response".into(), response);
    }
    Value::Object(entry)
}

/// Example values of one request, by where they go (wire names).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Examples {
    pub path: Map<String, Value>,
    pub query: Map<String, Value>,
    pub headers: Map<String, Value>,
    /// The JSON body, or an upload's `meta` members.
    pub body: Map<String, Value>,
    /// An upload's other text parts.
    pub form: Map<String, Value>,
}

/// Example values of a request: every required field and every field the
/// spec gives an example for, coerced to the generated types.
pub fn examples(op: &Operation) -> Examples {
    let mut out = Examples::default();
    for p in op.params.iter().chain(&op.headers) {
        if !(p.required || p.schema.example.is_some()) || p.location == Location::Form {
            continue;
        }
        let mut v = example(&p.schema, &p.name, 0).unwrap_or(Value::Null);
        if p.location == Location::Path && v.as_str().is_some_and(str::is_empty) {
            v = Value::String(p.name.clone());
        }
        let map = match p.location {
            Location::Path => &mut out.path,
            Location::Query => &mut out.query,
            Location::Header => &mut out.headers,
            Location::Form => continue,
        };
        map.insert(p.name.clone(), v);
    }
    if let Some(b) = body_schema(op) {
        out.body = object(&b, 0);
    }
    for p in form_parts(op).filter(|p| p.required || p.schema.example.is_some()) {
        let v = example(&p.schema, &p.name, 0).unwrap_or(Value::Null);
        out.form.insert(p.name.clone(), v);
    }
    out
}

/// A JSON array with one operation per line (diffs stay readable).
pub fn lines_array(values: &[Value]) -> String {
    let mut out = String::from("[\n");
    for (i, v) in values.iter().enumerate() {
        out.push_str(&v.to_string());
        out.push_str(if i + 1 < values.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line of the example-requests file: path, query, header and body values.
    fn example_request(op: &Operation) -> Value {
        let e = examples(op);
        let body = (op.body.is_some() || op.multipart).then_some(Value::Object(e.body));
        let mut entry = json!({
            "method": op.method,
            "path": op.path,
            "path_params": e.path,
            "query": e.query,
            "body": body,
        });
        if !e.headers.is_empty() {
            entry["headers"] = Value::Object(e.headers);
        }
        if !e.form.is_empty() {
            entry["form"] = Value::Object(e.form);
        }
        entry
    }
    use crate::spec::SpecFiles;

    fn op(yaml: &str) -> Operation {
        let (ops, _) = SpecFiles::from_texts(&[("v3/t/{id}/x.yaml", yaml)])
            .unwrap()
            .operations()
            .unwrap();
        ops.into_iter().next().unwrap()
    }

    const OP: &str = "post:
  parameters:
    - name: id
      in: path
      type: string
    - name: mchid
      in: query
      required: true
      type: string
      example: '1900000109'
    - name: Idempotency-Key
      in: header
      required: true
      type: string
      example: K-1
    - name: _
      in: body
      schema:
        type: object
        required: [amount, kind]
        properties:
          amount:
            type: object
            required: [total]
            properties:
              total: {type: number, example: '100'}
              note: {type: string}
          kind: {type: string, enum: [A, B], example: C}
          tags: {type: array, items: {type: string}, example: [x, 1]}
          skipped: {type: string}
          secret: {type: string, format: base64}
          people:
            type: array
            items:
              type: object
              properties:
                name: {type: string, format: base64}
  responses:
    '200':
      schema:
        type: object
        required: [id, when]
        properties:
          id: {type: string, example: 1230000109}
          when: {type: string, format: rfc3339}
          rate: {type: number, example: 0.5}
          list:
            type: array
            items:
              type: object
              required: [n]
              properties:
                n: {type: integer}
";

    #[test]
    fn spec_mode_lists_required_fields_and_synthesises_the_answer() {
        let v = spec_mode_entry(&op(OP));
        assert_eq!(v["method"], "POST");
        assert_eq!(v["path"], "/v3/t/{id}/x");
        assert_eq!(v["status"], 200);
        assert_eq!(v["query"], json!([["mchid", "string"]]));
        assert_eq!(
            v["body"],
            json!([
                ["amount", "object"],
                ["amount.total", "integer"],
                ["kind", "string"]
            ])
        );
        assert_eq!(v["headers"], json!(["Idempotency-Key"]));
        assert_eq!(v["sensitive"], json!(["secret", "people[].name"]));
        // Every field the body may hold, for tools that catch misspellings.
        assert_eq!(
            v["fields"],
            json!([
                "amount",
                "amount.total",
                "amount.note",
                "kind",
                "tags",
                "skipped",
                "secret",
                "people",
                "people[].name"
            ])
        );
        // Every field of the answer, not only the required ones.
        assert_eq!(
            v["response"],
            json!({
                "id": "1230000109",
                "when": "2026-01-01T00:00:00+08:00",
                "rate": 0.5,
                "list": [{ "n": 1 }]
            })
        );
        // Flags that are off are left out.
        assert!(v.get("upload").is_none() && v.get("serial").is_none());
    }

    #[test]
    fn example_requests_coerce_to_the_generated_types() {
        let v = example_request(&op(OP));
        assert_eq!(v["path_params"], json!({ "id": "id" }));
        assert_eq!(v["query"], json!({ "mchid": "1900000109" }));
        assert_eq!(v["headers"], json!({ "Idempotency-Key": "K-1" }));
        // `total` is an integer though the example is a string; `kind`'s
        // example is not a listed value, so the first one is used.
        assert_eq!(
            v["body"],
            json!({ "amount": { "total": 100 }, "kind": "A", "tags": ["x", "1"] })
        );
    }
}
