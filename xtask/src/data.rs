//! Data for the sandbox's spec mode and for the generated all-operations
//! test: per operation, what the platform checks and what it answers, and
//! example request values. Values come from the spec's `example`s, coerced
//! to the generated types; where a required value has no example, a minimal
//! one is made up from the schema.

use serde_json::{Map, Value, json};

use crate::spec::{Location, Operation, Schema, Ty};
use crate::types::{RType, number_type};

/// What an example is for: the request (fields with examples, and the
/// required ones) or the answer (the same, so it decodes).
fn example(s: &Schema, name: &str, depth: usize) -> Option<Value> {
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
                            example(&one, name, depth + 1)
                        })
                        .collect(),
                ),
                (_, Some(it)) => match example(it, name, depth + 1) {
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
            Value::Object(object(s, depth))
        }
    })
}

/// An object's required properties and those the spec gives an example for.
fn object(s: &Schema, depth: usize) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, p) in &s.properties {
        if s.is_required(name) || has_example(p, 0) {
            if let Some(v) = example(p, name, depth + 1) {
                out.insert(name.clone(), v);
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

/// One line of the spec-mode file.
pub fn spec_mode_entry(op: &Operation) -> Value {
    let path_params: Vec<&str> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| p.name.as_str())
        .collect();
    let required_query: Vec<Value> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Query && p.required)
        .map(|p| json!({ "name": p.name, "type": type_name(&p.schema) }))
        .collect();
    let mut required_body = Vec::new();
    if let Some(b) = &op.body {
        required_fields(b, "", &mut required_body, 0);
    }
    let response = if op.download {
        Value::Null
    } else {
        op.response
            .as_ref()
            .and_then(|r| example(r, "", 0))
            .unwrap_or(Value::Null)
    };
    json!({
        "method": op.method,
        "path": op.path,
        "path_params": path_params,
        "required_query": required_query,
        "required_body": required_body,
        "wechatpay_serial": op.wechatpay_serial,
        "upload": op.multipart,
        "download": op.download,
        "status": op.status,
        "response": response,
    })
}

/// One line of the example-requests file: path, query and body values.
pub fn example_request(op: &Operation) -> Value {
    let mut path = Map::new();
    let mut query = Map::new();
    let mut form = Map::new();
    for p in &op.params {
        if !(p.required || p.schema.example.is_some()) {
            continue;
        }
        let mut v = example(&p.schema, &p.name, 0).unwrap_or(Value::Null);
        if p.location == Location::Path && v.as_str().is_some_and(str::is_empty) {
            v = Value::String(p.name.clone());
        }
        match p.location {
            Location::Path => path.insert(p.name.clone(), v),
            Location::Query => query.insert(p.name.clone(), v),
            Location::Form => form.insert(p.name.clone(), v),
            Location::Header => None,
        };
    }
    let body = op.body.as_ref().map(|b| Value::Object(object(b, 0)));
    let mut entry = json!({
        "method": op.method,
        "path": op.path,
        "path_params": path,
        "query": query,
        "body": body,
    });
    if !form.is_empty() {
        entry["form"] = Value::Object(form);
    }
    entry
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
        assert_eq!(v["path"], "/v3/t/{id}/x");
        assert_eq!(v["path_params"], json!(["id"]));
        assert_eq!(
            v["required_query"],
            json!([{ "name": "mchid", "type": "string" }])
        );
        assert_eq!(
            v["required_body"],
            json!([
                { "field": "amount", "type": "object" },
                { "field": "amount.total", "type": "integer" },
                { "field": "kind", "type": "string" }
            ])
        );
        assert_eq!(
            v["response"],
            json!({ "id": "1230000109", "when": "2026-01-01T00:00:00+08:00", "rate": 0.5 })
        );
    }

    #[test]
    fn example_requests_coerce_to_the_generated_types() {
        let v = example_request(&op(OP));
        assert_eq!(v["path_params"], json!({ "id": "id" }));
        assert_eq!(v["query"], json!({ "mchid": "1900000109" }));
        // `total` is an integer though the example is a string; `kind`'s
        // example is not a listed value, so the first one is used.
        assert_eq!(
            v["body"],
            json!({ "amount": { "total": 100 }, "kind": "A", "tags": ["x", "1"] })
        );
    }
}
