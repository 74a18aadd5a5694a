//! Type mapping: from an operation's schemas to Rust structs, enums and
//! field types, with nested model names.
//!
//! - `required` → the plain type, otherwise `Option<…>` (left out when `None`).
//! - `integer` → `i64`; `number` → `i64` unless the spec shows it is
//!   fractional ([`number_type`]); `boolean` → `bool`; `string` → `String`
//!   (formats are documented: `rfc3339`, `base64`, …).
//! - A string `enum` → an open enum (unknown values kept); an integer `enum`
//!   → `i64` with the values documented.
//! - `array` → `Vec<…>`; an object with properties → a struct; an object
//!   without properties, or a schema without type → `serde_json::Value`.
//! - `format: base64` in a request body or query → `#[sensitive]`
//!   (encrypted before sending); structs holding such fields derive
//!   `SensitiveFields` and print `<redacted>` for them in `Debug`.
//!
//! Nested models are named by [`Namer`]: the PascalCase field name, then
//! longer suffixes of the field path, then `Request…`/`Response…` and the
//! whole path, then a number; structurally identical models share a name.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::naming::{ident, pascal, snake};
use crate::spec::{Location, Operation, Schema, Ty};

/// A Rust type in generated code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RType {
    String,
    I64,
    F64,
    Bool,
    /// `serde_json::Value`.
    Json,
    /// An uploaded file (multipart part).
    File,
    Vec(Box<RType>),
    /// A struct in the operation's models module.
    Struct(String),
    /// An open enum in the operation's models module.
    Enum(String),
}

/// Where a request field goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Path,
    Query,
    Body,
    /// The file part of a multipart upload (`meta`'s members are `Body`
    /// fields: the macro writes them into the signed `meta` JSON).
    File,
    /// Another text part of a multipart upload (`#[form]`).
    Form,
    /// A request header (`#[header("…")]`); `wire` is the header's name.
    Header,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name on the wire.
    pub wire: String,
    /// The Rust field name (`r#type`, `payer_currency`).
    pub ident: String,
    pub ty: RType,
    pub required: bool,
    pub place: Place,
    /// Encrypted before sending (`#[sensitive]`).
    pub sensitive: bool,
    /// Rustdoc lines (spec text, escaped) and notes.
    pub doc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructDef {
    pub name: String,
    pub doc: Vec<String>,
    pub fields: Vec<Field>,
    /// Some field is encrypted before sending: derive `SensitiveFields`.
    pub sensitive: bool,
    /// Every required field has a default: derive `Default`.
    pub default: bool,
    /// No floating-point field anywhere inside: derive `Eq`.
    pub eq: bool,
    /// Sent in a request: derive `Serialize` (models; set by
    /// `emit::mark_sides` once every operation is planned).
    pub ser: bool,
    /// Read from an answer: derive `Deserialize` (models, answers).
    pub de: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    pub name: String,
    pub doc: Vec<String>,
    /// `(variant, wire value)`.
    pub variants: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Model {
    Struct(StructDef),
    Enum(EnumDef),
}

impl Model {
    pub fn name(&self) -> &str {
        match self {
            Model::Struct(s) => &s.name,
            Model::Enum(e) => &e.name,
        }
    }
}

/// How a `number` was mapped, when the choice is worth listing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NumberChoice {
    pub field: String,
    pub ty: RType,
    pub reason: &'static str,
}

/// The success answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// No body (204, or a 200 whose schema is empty).
    Unit,
    /// A file.
    Download,
    /// A JSON document of this type (a struct, or `Json`).
    Type(RType),
}

/// Everything emitted for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpPlan {
    pub request: StructDef,
    pub answer: Answer,
    /// The answer struct, when the answer is an object with properties.
    pub response: Option<StructDef>,
    /// Nested models, in the operation's models module, in order of first use.
    pub models: Vec<Model>,
    pub numbers: Vec<NumberChoice>,
    /// Field paths holding `format: base64` (`request.id_card.name`, `response.x`).
    pub base64: Vec<String>,
}

/// Names that nested models must not take: they would shadow the prelude
/// or names the generated code uses.
const RESERVED: [&str; 20] = [
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Send",
    "Sync",
    "Sized",
    "Serialize",
    "Deserialize",
    "SensitiveFields",
];

/// Picks nested model names within one models module.
pub struct Namer {
    /// Name → structural key of the model holding it (`None`: taken by
    /// something else in the module).
    taken: BTreeMap<String, Option<String>>,
}

impl Namer {
    /// `reserved`: type names already in the module (endpoint types of the
    /// URL children that share it, their `…Response` and `…Ext`).
    pub fn new(reserved: &[String]) -> Namer {
        let mut taken = BTreeMap::new();
        for r in RESERVED {
            taken.insert(r.to_owned(), None);
        }
        for r in reserved {
            taken.insert(r.clone(), None);
        }
        Namer { taken }
    }

    /// The name for a model found at `path` (field names from the root),
    /// on `side` (`Request` or `Response`), with structural `key`.
    /// Returns the name and whether the model is new.
    pub fn name(&mut self, side: &str, path: &[String], key: &str) -> (String, bool) {
        let mut candidates: Vec<String> = Vec::new();
        for start in (0..path.len()).rev() {
            let c: String = path[start..].iter().map(|p| pascal(p)).collect();
            candidates.push(c);
        }
        let whole: String = path.iter().map(|p| pascal(p)).collect();
        candidates.push(format!("{side}{whole}"));
        for c in &candidates {
            if c.is_empty() {
                continue;
            }
            match self.taken.get(c) {
                None => {
                    self.taken.insert(c.clone(), Some(key.to_owned()));
                    return (c.clone(), true);
                }
                Some(Some(k)) if k == key => return (c.clone(), false),
                Some(_) => {}
            }
        }
        let base = candidates
            .last()
            .cloned()
            .unwrap_or_else(|| format!("{side}Model"));
        let mut n = 2;
        loop {
            let c = format!("{base}{n}");
            match self.taken.get(&c) {
                None => {
                    self.taken.insert(c.clone(), Some(key.to_owned()));
                    return (c, true);
                }
                Some(Some(k)) if k == key => return (c, false),
                Some(_) => n += 1,
            }
        }
    }
}

/// `number`: `f64` when the spec shows a fraction (a `float`/`double`
/// format, a non-integral example, or a description speaking of decimals,
/// 小数); otherwise `i64`, since the platform's numbers are integers (money
/// in fen, counts, ids). Returns the type and, for listed choices, why.
pub fn number_type(s: &Schema) -> (RType, Option<&'static str>) {
    if matches!(s.format.as_deref(), Some("float" | "double")) {
        return (RType::F64, Some("format float/double"));
    }
    match &s.example {
        Some(Value::Number(n)) if !(n.is_i64() || n.is_u64()) => {
            return (RType::F64, Some("fractional example"));
        }
        _ => {}
    }
    if s.description.as_deref().is_some_and(|d| d.contains("小数")) {
        return (RType::F64, Some("description mentions decimals (小数)"));
    }
    match &s.example {
        Some(Value::Number(_)) => (RType::I64, None),
        Some(Value::String(t)) if t.trim().parse::<i64>().is_ok() => (RType::I64, None),
        Some(_) => (RType::I64, Some("non-numeric example; assumed integer")),
        None => (RType::I64, Some("no example; assumed integer")),
    }
}

/// Plans the Rust for one operation.
///
/// `type_name`: the request type; `reserved`: names already in the models module.
#[cfg(test)]
pub fn plan(op: &Operation, type_name: &str, reserved: &[String]) -> OpPlan {
    plan_with(op, type_name, &mut Namer::new(reserved))
}

/// Plans one operation with the namer of its models module (shared by the
/// operations whose models share a module).
pub fn plan_with(op: &Operation, type_name: &str, namer: &mut Namer) -> OpPlan {
    let mut p = Planner {
        namer,
        models: Vec::new(),
        numbers: Vec::new(),
        base64: Vec::new(),
    };
    let mut fields = Vec::new();
    for param in op.params.iter().chain(&op.headers) {
        let place = match param.location {
            Location::Path => Place::Path,
            Location::Query => Place::Query,
            Location::Header => Place::Header,
            Location::Form if param.schema.ty() == Ty::File => Place::File,
            Location::Form if param.name != "meta" => Place::Form,
            Location::Form => {
                // The `meta` part of an upload: its members (but `filename`
                // and `sha256`, which the client computes from the file)
                // become body fields, which the macro writes into `meta`.
                for (name, s, required) in upload_meta_fields(param) {
                    let path = vec![name.clone()];
                    let ty = p.rtype(s, &path, Side::Request);
                    fields.push(p.field(&name, s, ty, required, Place::Body, Side::Request));
                }
                continue;
            }
        };
        let path = vec![param.name.clone()];
        let ty = p.rtype(&param.schema, &path, Side::Request);
        fields.push(p.field(
            &param.name,
            &param.schema,
            ty,
            param.required,
            place,
            Side::Request,
        ));
    }
    if let Some(body) = &op.body {
        for (name, s) in &body.properties {
            let path = vec![name.clone()];
            let ty = p.rtype(s, &path, Side::Request);
            fields.push(p.field(
                name,
                s,
                ty,
                body.is_required(name),
                Place::Body,
                Side::Request,
            ));
        }
    }
    dedupe_idents(&mut fields);
    let request = p.finish_struct(type_name.to_owned(), Vec::new(), fields);

    let (answer, response) = if op.download {
        (Answer::Download, None)
    } else {
        match &op.response {
            None => (Answer::Unit, None),
            Some(s) if s.ty() == Ty::Object && !s.properties.is_empty() => {
                let mut fields = Vec::new();
                for (name, fs) in &s.properties {
                    let path = vec![name.clone()];
                    let ty = p.rtype(fs, &path, Side::Response);
                    fields.push(p.field(
                        name,
                        fs,
                        ty,
                        s.is_required(name),
                        Place::Body,
                        Side::Response,
                    ));
                }
                dedupe_idents(&mut fields);
                let name = format!("{type_name}Response");
                let def = p.finish_struct(name.clone(), Vec::new(), fields);
                (Answer::Type(RType::Struct(name)), Some(def))
            }
            Some(s) => {
                let ty = p.rtype(s, &["body".to_owned()], Side::Response);
                (Answer::Type(ty), None)
            }
        }
    };
    p.numbers.sort();
    p.numbers.dedup();
    p.base64.sort();
    p.base64.dedup();
    OpPlan {
        request,
        answer,
        response,
        models: p.models,
        numbers: p.numbers,
        base64: p.base64,
    }
}

/// The fields an upload's `meta` part contributes: its properties but
/// `filename` and `sha256`, which the client computes from the file.
pub fn upload_meta_fields(meta: &crate::spec::Param) -> Vec<(String, &Schema, bool)> {
    meta.schema
        .properties
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "filename" | "sha256"))
        .map(|(n, s)| (n.clone(), s, meta.schema.is_required(n)))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Request => "Request",
            Side::Response => "Response",
        }
    }
}

struct Planner<'n> {
    namer: &'n mut Namer,
    models: Vec<Model>,
    numbers: Vec<NumberChoice>,
    base64: Vec<String>,
}

impl Planner<'_> {
    fn rtype(&mut self, s: &Schema, path: &[String], side: Side) -> RType {
        let dotted = || format!("{}.{}", side.label().to_ascii_lowercase(), path.join("."));
        match s.ty() {
            Ty::String => {
                if s.format.as_deref() == Some("base64") {
                    self.base64.push(dotted());
                }
                let values: Vec<String> = s
                    .enum_values
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(t) => Some(t.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    })
                    .collect();
                if values.is_empty() {
                    RType::String
                } else {
                    self.open_enum(s, &values, path, side)
                }
            }
            Ty::Integer => RType::I64,
            Ty::Number => {
                let (ty, reason) = number_type(s);
                if let Some(reason) = reason {
                    self.numbers.push(NumberChoice {
                        field: dotted(),
                        ty: ty.clone(),
                        reason,
                    });
                }
                ty
            }
            Ty::Boolean => RType::Bool,
            Ty::File => RType::File,
            Ty::Any => RType::Json,
            Ty::Array => match &s.items {
                Some(items) => RType::Vec(Box::new(self.rtype(items, path, side))),
                None => RType::Vec(Box::new(RType::Json)),
            },
            Ty::Object => {
                if s.properties.is_empty() {
                    return RType::Json;
                }
                let mut fields = Vec::new();
                for (name, fs) in &s.properties {
                    let mut child = path.to_vec();
                    child.push(name.clone());
                    let ty = self.rtype(fs, &child, side);
                    fields.push(self.field(name, fs, ty, s.is_required(name), Place::Body, side));
                }
                dedupe_idents(&mut fields);
                let key = struct_key(&fields);
                let (name, new) = self.namer.name(side.label(), path, &key);
                if new {
                    let doc = s
                        .description
                        .as_deref()
                        .map(crate::doc::lines)
                        .unwrap_or_default();
                    let def = self.finish_struct(name.clone(), doc, fields);
                    self.models.push(Model::Struct(def));
                }
                RType::Struct(name)
            }
        }
    }

    fn open_enum(&mut self, s: &Schema, values: &[String], path: &[String], side: Side) -> RType {
        let mut variants: Vec<(String, String)> = Vec::new();
        for v in values {
            if variants.iter().any(|(_, w)| w == v) {
                continue;
            }
            let mut name = pascal(&v.to_ascii_lowercase());
            if name.is_empty() {
                name = format!("V{}", variants.len() + 1);
            }
            if matches!(name.as_str(), "Other" | "Self") {
                name.push_str("Value");
            }
            let base = name.clone();
            let mut n = 2;
            while variants.iter().any(|(existing, _)| *existing == name) {
                name = format!("{base}{n}");
                n += 1;
            }
            variants.push((name, v.clone()));
        }
        let key = format!(
            "enum:{}",
            variants
                .iter()
                .map(|(_, w)| w.as_str())
                .collect::<Vec<_>>()
                .join("|")
        );
        let (name, new) = self.namer.name(side.label(), path, &key);
        if new {
            let doc = s
                .description
                .as_deref()
                .map(crate::doc::lines)
                .unwrap_or_default();
            self.models.push(Model::Enum(EnumDef {
                name: name.clone(),
                doc,
                variants,
            }));
        }
        RType::Enum(name)
    }

    fn field(
        &mut self,
        wire: &str,
        s: &Schema,
        ty: RType,
        required: bool,
        place: Place,
        side: Side,
    ) -> Field {
        let sensitive = side == Side::Request
            && matches!(place, Place::Body | Place::Query)
            && self.is_sensitive(s, &ty);
        Field {
            wire: wire.to_owned(),
            ident: ident(&snake(wire)),
            doc: field_doc(s, &ty, sensitive, side),
            ty,
            required,
            place,
            sensitive,
        }
    }

    /// A base64 string (or list of them), or a struct holding such fields.
    fn is_sensitive(&self, s: &Schema, ty: &RType) -> bool {
        let base64 = s.format.as_deref() == Some("base64")
            || s.items
                .as_ref()
                .is_some_and(|i| i.format.as_deref() == Some("base64"));
        match innermost(ty) {
            RType::String => base64,
            RType::Struct(name) => self
                .models
                .iter()
                .any(|m| matches!(m, Model::Struct(d) if d.name == *name && d.sensitive)),
            _ => false,
        }
    }

    fn finish_struct(&self, name: String, doc: Vec<String>, fields: Vec<Field>) -> StructDef {
        let lookup = |n: &str| {
            self.models.iter().find_map(|m| match m {
                Model::Struct(d) if d.name == n => Some(d),
                _ => None,
            })
        };
        let default = fields.iter().filter(|f| f.required).all(|f| match &f.ty {
            RType::Enum(_) | RType::File => false,
            RType::Struct(n) => lookup(n).is_some_and(|d| d.default),
            _ => true,
        });
        let eq = fields.iter().all(|f| {
            let mut t = &f.ty;
            while let RType::Vec(inner) = t {
                t = inner;
            }
            match t {
                RType::F64 => false,
                RType::Struct(n) => lookup(n).is_some_and(|d| d.eq),
                _ => true,
            }
        });
        StructDef {
            name,
            doc,
            sensitive: fields.iter().any(|f| f.sensitive),
            fields,
            default,
            eq,
            ser: true,
            de: true,
        }
    }
}

fn innermost(ty: &RType) -> &RType {
    match ty {
        RType::Vec(inner) => innermost(inner),
        other => other,
    }
}

/// What makes two nested models the same: fields, types, requiredness,
/// sensitivity (not their docs).
fn struct_key(fields: &[Field]) -> String {
    let mut key = String::from("struct:");
    for f in fields {
        key.push_str(&format!(
            "{}:{:?}:{}:{};",
            f.wire, f.ty, f.required, f.sensitive
        ));
    }
    key
}

/// Two wire names mapping to one Rust name (`a-b`, `a_b`): the later ones get `_2`, `_3`…
fn dedupe_idents(fields: &mut [Field]) {
    let mut seen: Vec<String> = Vec::new();
    for f in fields.iter_mut() {
        let base = f.ident.clone();
        let mut n = 2;
        while seen.contains(&f.ident) {
            f.ident = format!("{}_{n}", base.trim_start_matches("r#"));
            n += 1;
        }
        seen.push(f.ident.clone());
    }
}

fn field_doc(s: &Schema, ty: &RType, sensitive: bool, side: Side) -> Vec<String> {
    let mut doc = s
        .description
        .as_deref()
        .map(crate::doc::lines)
        .unwrap_or_default();
    let mut notes: Vec<String> = Vec::new();
    match s.format.as_deref() {
        Some("rfc3339") => notes.push("An RFC 3339 date-time, e.g. `2018-06-08T10:34:56+08:00`.".into()),
        Some("base64") if sensitive => notes.push(
            "Sensitive: the client encrypts it with the platform public key (RSA-OAEP, base64) before sending.".into(),
        ),
        Some("base64") if side == Side::Response => {
            notes.push("Base64; when encrypted, decrypt it with `Client::decrypt_sensitive`.".into())
        }
        Some(f) => {
            if let Some(c) = crate::doc::code(f) {
                notes.push(format!("Format: {c}."));
            }
        }
        None => {}
    }
    if let Some(raw) = &s.raw_type {
        notes.push(format!(
            "The spec writes its type as {}; read as {}.",
            crate::doc::code(raw.trim()).unwrap_or_else(|| "an unknown name".into()),
            match ty {
                RType::Json => "any JSON value",
                RType::I64 => "an integer",
                RType::F64 => "a number",
                _ => "a string",
            }
        ));
    }
    if matches!(s.ty(), Ty::Integer | Ty::Number) && !s.enum_values.is_empty() {
        let values: Vec<String> = s.enum_values.iter().map(Value::to_string).collect();
        notes.push(format!("One of: {}.", values.join(", ")));
    }
    if let Some(ex) = &s.example {
        let text = match ex {
            Value::String(t) => Some(t.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        if let Some(c) = text
            .as_deref()
            .filter(|t| t.chars().count() <= 80)
            .and_then(crate::doc::code)
        {
            notes.push(format!("Example: {c}."));
        }
    }
    if !notes.is_empty() && !doc.is_empty() {
        doc.push(String::new());
    }
    doc.extend(notes);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecFiles;

    fn op(yaml: &str) -> Operation {
        let (ops, _) = SpecFiles::from_texts(&[("v3/t/x.yaml", yaml)])
            .unwrap()
            .operations()
            .unwrap();
        ops.into_iter().next().unwrap()
    }

    fn field<'a>(s: &'a StructDef, wire: &str) -> &'a Field {
        s.fields.iter().find(|f| f.wire == wire).unwrap()
    }

    const ORDER: &str = "post:
  parameters:
    - name: sub_mchid
      in: query
      type: string
    - name: _
      in: body
      schema:
        type: object
        required: [amount, type, state]
        properties:
          amount:
            type: object
            required: [total]
            properties:
              total: {type: number, example: 100}
              rate: {type: number, example: 0.5}
          type: {type: string}
          state: {type: string, enum: [SUCCESS, OTHER, NOT_PAY]}
          weekday: {type: integer, enum: [0, 1]}
          identity:
            type: object
            properties:
              name: {type: string, format: base64}
              when: {type: string, format: rfc3339}
          payer _currency: {type: string}
  responses:
    '200':
      schema:
        type: object
        properties:
          amount:
            type: object
            properties:
              payer_total: {type: integer}
          state: {type: string, enum: [SUCCESS, OTHER, NOT_PAY]}
          tags: {type: array, items: {type: string}}
          extra: {type: object}
";

    #[test]
    fn required_optional_and_scalars() {
        let plan = plan(&op(ORDER), "X", &[]);
        let r = &plan.request;
        let q = field(r, "sub_mchid");
        assert_eq!(
            (q.place, q.required, &q.ty),
            (Place::Query, false, &RType::String)
        );
        let t = field(r, "type");
        assert_eq!((t.ident.as_str(), t.required), ("r#type", true));
        assert_eq!(field(r, "weekday").ty, RType::I64);
        assert!(
            field(r, "weekday")
                .doc
                .iter()
                .any(|d| d.contains("One of: 0, 1"))
        );
        let pc = field(r, "payer _currency");
        assert_eq!(pc.ident, "payer_currency");
        let when = plan.models.iter().find_map(|m| match m {
            Model::Struct(d) if d.name == "Identity" => Some(field(d, "when").doc.clone()),
            _ => None,
        });
        assert!(when.unwrap().iter().any(|d| d.contains("RFC 3339")));
    }

    #[test]
    fn numbers_are_integers_unless_the_spec_shows_a_fraction() {
        let plan = plan(&op(ORDER), "X", &[]);
        let Some(Model::Struct(amount)) = plan.models.iter().find(|m| m.name() == "Amount") else {
            panic!("no Amount model")
        };
        assert_eq!(field(amount, "total").ty, RType::I64);
        assert_eq!(field(amount, "rate").ty, RType::F64);
        assert!(!amount.eq, "a struct holding f64 cannot derive Eq");
        assert!(!plan.request.eq);
        assert_eq!(
            plan.numbers,
            [NumberChoice {
                field: "request.amount.rate".into(),
                ty: RType::F64,
                reason: "fractional example"
            }]
        );
        let no_example = Schema {
            ty: Some(Ty::Number),
            ..Schema::default()
        };
        assert_eq!(
            number_type(&no_example),
            (RType::I64, Some("no example; assumed integer"))
        );
        let float = Schema {
            ty: Some(Ty::Number),
            format: Some("float".into()),
            example: Some(Value::from(1)),
            ..Schema::default()
        };
        assert_eq!(number_type(&float).0, RType::F64);
    }

    #[test]
    fn enums_are_open_and_other_is_renamed() {
        let plan = plan(&op(ORDER), "X", &[]);
        let Some(Model::Enum(state)) = plan.models.iter().find(|m| m.name() == "State") else {
            panic!("no State enum")
        };
        let variants: Vec<(&str, &str)> = state
            .variants
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            variants,
            [
                ("Success", "SUCCESS"),
                ("OtherValue", "OTHER"),
                ("NotPay", "NOT_PAY")
            ]
        );
        // The response's identical enum reuses it; its different `amount` gets another name.
        assert_eq!(
            plan.models.iter().filter(|m| m.name() == "State").count(),
            1
        );
        let names: Vec<&str> = plan.models.iter().map(Model::name).collect();
        assert_eq!(names, ["Amount", "State", "Identity", "ResponseAmount"]);
        assert!(!plan.request.default, "a required enum has no default");
    }

    #[test]
    fn base64_request_fields_are_sensitive_through_nesting() {
        let plan = plan(&op(ORDER), "X", &[]);
        let identity = field(&plan.request, "identity");
        assert!(identity.sensitive);
        assert!(plan.request.sensitive);
        let Some(Model::Struct(d)) = plan.models.iter().find(|m| m.name() == "Identity") else {
            panic!()
        };
        assert!(d.sensitive && field(d, "name").sensitive && !field(d, "when").sensitive);
        assert_eq!(plan.base64, ["request.identity.name"]);
    }

    #[test]
    fn response_shapes() {
        let plan = plan(&op(ORDER), "X", &[]);
        assert_eq!(plan.answer, Answer::Type(RType::Struct("XResponse".into())));
        let resp = plan.response.unwrap();
        assert_eq!(field(&resp, "tags").ty, RType::Vec(Box::new(RType::String)));
        assert_eq!(field(&resp, "extra").ty, RType::Json);
        assert!(!field(&resp, "extra").required);
    }

    #[test]
    fn nested_names_avoid_reserved_and_taken_names() {
        let mut n = Namer::new(&["Close".to_owned()]);
        assert_eq!(
            n.name("Request", &["close".into()], "a"),
            ("RequestClose".into(), true)
        );
    }

    #[test]
    fn namer_candidates_in_order() {
        let mut n = Namer::new(&[]);
        assert_eq!(
            n.name("Request", &["detail".into(), "goods".into()], "k1"),
            ("Goods".into(), true)
        );
        assert_eq!(
            n.name("Request", &["goods".into()], "k1"),
            ("Goods".into(), false)
        );
        assert_eq!(
            n.name("Request", &["other".into(), "goods".into()], "k2"),
            ("OtherGoods".into(), true)
        );
        assert_eq!(
            n.name("Response", &["goods".into()], "k3"),
            ("ResponseGoods".into(), true)
        );
        assert_eq!(
            n.name("Response", &["goods".into()], "k4"),
            ("ResponseGoods2".into(), true)
        );
        assert_eq!(
            n.name("Request", &["option".into()], "k5"),
            ("RequestOption".into(), true)
        );
    }
}
