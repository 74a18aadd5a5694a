//! Reading the spec: files, `$ref` resolution across files, `allOf`
//! composition, and the intermediate model (operations, parameters, schemas).
//!
//! The spec keeps one YAML per path under `docs/v3/` (its keys are the HTTP
//! methods; `{empty}.yaml` stands for a trailing `/`), shared schemas under
//! `docs/definitions/`, and an index of paths in `docs/swagger.yaml`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::yaml::Node;

/// The number of APIv3 operations the spec is known to hold. A different
/// count means the spec changed shape (or the reader broke): the generator
/// stops rather than silently dropping or inventing operations.
pub const EXPECTED_OPERATIONS: usize = 993;

/// The HTTP methods, in the order used for sorting.
pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every YAML file the generator reads, by path relative to `docs/`
/// (`v3/pay/transactions/jsapi.yaml`, `definitions/Transaction.yaml`).
pub struct SpecFiles {
    files: BTreeMap<String, Node>,
    /// `/v3/…` paths listed in `swagger.yaml`, when it was read.
    pub indexed_paths: Option<Vec<String>>,
}

/// The main schema types, after normalising what the spec wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    /// `type: file` (a multipart upload part).
    File,
    /// No usable type information: any JSON value.
    Any,
}

/// A schema with every `$ref` followed and every `allOf` merged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub ty: Option<Ty>,
    /// `type` as written, when it was not one of the standard names.
    pub raw_type: Option<String>,
    pub format: Option<String>,
    pub description: Option<String>,
    pub example: Option<Value>,
    pub enum_values: Vec<Value>,
    pub properties: Vec<(String, Schema)>,
    pub required: Vec<String>,
    pub items: Option<Box<Schema>>,
    /// The definition this schema came from (`Enumerations.yaml#IdType`).
    pub ref_name: Option<String>,
    /// `x-is-sensitive`, as written (informative).
    pub x_sensitive: Option<String>,
    /// APIv2: `x-json`, the shape of the JSON text a string field holds.
    pub x_json: Option<Box<Schema>>,
}

impl Schema {
    pub fn ty(&self) -> Ty {
        self.ty.unwrap_or(Ty::Any)
    }

    pub fn is_required(&self, name: &str) -> bool {
        self.required.iter().any(|r| r == name)
    }

    /// Whether the schema says nothing (`{}`): no body or no answer.
    pub fn is_empty(&self) -> bool {
        self.ty.is_none() && self.properties.is_empty() && self.items.is_none()
    }
}

/// A `type` the spec wrote that is not a Swagger type name, and what the
/// generator made of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Malformed {
    /// The operation file it was met in.
    pub file: String,
    /// Where in the operation: `post body.amount.total`, `get response.data[]`.
    pub field: String,
    /// The shared definition it sits in, if any.
    pub definition: Option<String>,
    pub raw: String,
    pub mapped: Ty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Header,
    /// A multipart form part.
    Form,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub schema: Schema,
}

/// One operation (a method on a path), as read from the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The YAML file, relative to `docs/`.
    pub file: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, e.g. `/v3/pay/transactions/id/{transaction_id}`.
    pub path: String,
    /// The first segment after `/v3/`: the cargo feature the operation belongs to.
    pub area: String,
    pub summary: String,
    pub description: String,
    /// Official documentation pages linked from the description.
    pub doc_links: Vec<String>,
    /// `x-role`: which kinds of merchant use the operation.
    pub roles: Vec<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// `x-baseuri`: a host other than the default one.
    pub base_uri: Option<String>,
    /// Path, query and form parameters, in spec order.
    pub params: Vec<Param>,
    /// Header parameters other than `Wechatpay-Serial`.
    pub headers: Vec<Param>,
    /// The operation lists the `Wechatpay-Serial` header (it sends encrypted fields).
    pub wechatpay_serial: bool,
    /// The JSON body schema (an object), if any.
    pub body: Option<Schema>,
    /// `consumes: multipart/form-data`.
    pub multipart: bool,
    /// The answer is a file, not JSON.
    pub download: bool,
    /// A notification the platform sends to the merchant (not a call the client makes).
    pub inbound: bool,
    /// The success status (200, 202 or 204).
    pub status: u16,
    /// The success answer's schema, if it has one.
    pub response: Option<Schema>,
    /// Where the spec's parameters disagreed with the path template, and
    /// what the reader did about it (the template wins).
    pub fixes: Vec<String>,
}

impl Operation {
    /// `POST /v3/…`
    pub fn id(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Calls `f` with every schema of the operation and its place
    /// (`request.amount.total`, `response.data[]`).
    pub fn walk(&self, f: &mut dyn FnMut(&str, &Schema)) {
        fn go(path: &str, s: &Schema, f: &mut dyn FnMut(&str, &Schema), depth: usize) {
            if depth > 40 {
                return;
            }
            f(path, s);
            for (name, p) in &s.properties {
                go(&format!("{path}.{name}"), p, f, depth + 1);
            }
            if let Some(items) = &s.items {
                go(&format!("{path}[]"), items, f, depth + 1);
            }
        }
        for p in self.params.iter().chain(&self.headers) {
            go(&format!("request.{}", p.name), &p.schema, f, 0);
        }
        if let Some(b) = &self.body {
            go("request", b, f, 0);
        }
        if let Some(r) = &self.response {
            go("response", r, f, 0);
        }
    }
}

type Result<T> = std::result::Result<T, String>;

impl SpecFiles {
    /// Reads `v3/**.yaml`, `definitions/*.yaml` and the path index of
    /// `swagger.yaml` under `docs`.
    pub fn load(docs: &Path) -> Result<SpecFiles> {
        let mut files = BTreeMap::new();
        for sub in ["v3", "v2", "definitions"] {
            let mut found = Vec::new();
            walk(&docs.join(sub), &mut found)?;
            for path in found {
                let rel = path
                    .strip_prefix(docs)
                    .map_err(|e| e.to_string())?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = fs::read_to_string(&path)
                    .map_err(|e| format!("reading {}: {e}", path.display()))?;
                let node = Node::parse(&text).map_err(|e| format!("parsing {rel}: {e}"))?;
                files.insert(rel, node);
            }
        }
        if !files.keys().any(|k| k.starts_with("v3/")) {
            return Err(format!(
                "no YAML files under {}; is --spec the spec's root (the folder holding docs/)?",
                docs.join("v3").display()
            ));
        }
        let indexed_paths = match fs::read_to_string(docs.join("swagger.yaml")) {
            Ok(text) => {
                let node = Node::parse(&text).map_err(|e| format!("parsing swagger.yaml: {e}"))?;
                Some(
                    node.get("paths")
                        .map(|p| {
                            p.entries()
                                .iter()
                                .filter(|(k, _)| k.starts_with("/v3/"))
                                .map(|(k, _)| k.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            }
            Err(_) => None,
        };
        Ok(SpecFiles {
            files,
            indexed_paths,
        })
    }

    /// Builds the set from in-memory files (tests).
    #[cfg(test)]
    pub fn from_texts(texts: &[(&str, &str)]) -> Result<SpecFiles> {
        let mut files = BTreeMap::new();
        for (name, text) in texts {
            files.insert((*name).to_owned(), Node::parse(text)?);
        }
        Ok(SpecFiles {
            files,
            indexed_paths: None,
        })
    }

    /// Every operation under `v3/`, sorted by path then method, with the
    /// malformed types met on the way.
    pub fn operations(&self) -> Result<(Vec<Operation>, Vec<Malformed>)> {
        let mut ops = Vec::new();
        let mut malformed = Vec::new();
        for (file, node) in self.files.iter().filter(|(k, _)| k.starts_with("v3/")) {
            let path = path_of_file(file)?;
            for (key, op) in node.entries() {
                if !METHODS.contains(&key.as_str()) {
                    continue;
                }
                let mut r = Reader {
                    spec: self,
                    file,
                    malformed: &mut malformed,
                };
                let op = r
                    .operation(&path, key, op)
                    .map_err(|e| format!("{file} {key}: {e}"))?;
                ops.push(op);
            }
        }
        ops.sort_by(|a, b| {
            (a.path.as_str(), method_rank(&a.method))
                .cmp(&(b.path.as_str(), method_rank(&b.method)))
        });
        malformed.sort();
        malformed.dedup();
        Ok((ops, malformed))
    }

    /// The APIv2 operation files (`v2/…`), by path relative to `docs/`.
    pub fn v2_files(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.files.iter().filter(|(k, _)| k.starts_with("v2/"))
    }

    /// A schema met in `file` with its `$ref`s followed and `allOf` merged
    /// (APIv2), with the malformed types met on the way.
    pub fn resolve(
        &self,
        node: &Node,
        file: &str,
        field: &str,
    ) -> Result<(Schema, Vec<Malformed>)> {
        let mut malformed = Vec::new();
        let mut r = Reader {
            spec: self,
            file,
            malformed: &mut malformed,
        };
        let s = r.schema(node, file, field, 0)?;
        Ok((s, malformed))
    }

    /// Follows `$ref`s from `node` (met in `file`) to a node without one.
    /// Returns the node, the file it is in, and the last definition name.
    fn deref<'a>(
        &'a self,
        mut node: &'a Node,
        file: &str,
    ) -> Result<(&'a Node, String, Option<String>)> {
        let mut file = file.to_owned();
        let mut name = None;
        for _ in 0..32 {
            let Some(target) = node.str_at("$ref") else {
                return Ok((node, file, name));
            };
            let (file_part, fragment) = match target.split_once('#') {
                Some((f, frag)) => (f, frag),
                None => (target, ""),
            };
            let target_file = if file_part.is_empty() {
                file.clone()
            } else {
                join_relative(&file, file_part)?
            };
            let doc = self
                .files
                .get(&target_file)
                .ok_or_else(|| format!("$ref `{target}` in {file}: no file {target_file}"))?;
            let mut found = doc;
            for part in fragment.split('/').filter(|p| !p.is_empty()) {
                let key = part.replace("~1", "/").replace("~0", "~");
                found = found.get(&key).ok_or_else(|| {
                    format!("$ref `{target}` in {file}: {target_file} has no `{fragment}`")
                })?;
            }
            let short = target_file.rsplit('/').next().unwrap_or(&target_file);
            name = Some(format!("{short}#{}", fragment.trim_start_matches('/')));
            node = found;
            file = target_file;
        }
        Err(format!("$ref chain too long (a cycle?) from {file}"))
    }
}

/// Reading one operation file.
struct Reader<'a> {
    spec: &'a SpecFiles,
    file: &'a str,
    malformed: &'a mut Vec<Malformed>,
}

impl Reader<'_> {
    fn operation(&mut self, path: &str, method: &str, node: &Node) -> Result<Operation> {
        let area = path
            .strip_prefix("/v3/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let description = node.str_at("description").unwrap_or_default().to_owned();
        let mut tags = node.strings_at("tags");
        tags.extend(node.strings_at("tag"));
        let mut op = Operation {
            file: self.file.to_owned(),
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            area,
            summary: node.str_at("summary").unwrap_or_default().trim().to_owned(),
            doc_links: doc_links(&description),
            description,
            roles: node.strings_at("x-role"),
            tags,
            deprecated: node.bool_at("deprecated"),
            base_uri: node.str_at("x-baseuri").map(str::to_owned),
            params: Vec::new(),
            headers: Vec::new(),
            wechatpay_serial: false,
            body: None,
            multipart: node
                .strings_at("consumes")
                .iter()
                .any(|c| c == "multipart/form-data"),
            download: false,
            inbound: false,
            status: 200,
            response: None,
            fixes: Vec::new(),
        };
        for (i, raw) in node
            .get("parameters")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let (p, pfile, _) = self.spec.deref(raw, self.file)?;
            let name = p.str_at("name").unwrap_or_default().to_owned();
            let loc = p.str_at("in").unwrap_or_default();
            let field = format!("{method} {loc} {name}");
            match loc {
                "body" => {
                    let schema_node = p
                        .get("schema")
                        .ok_or_else(|| format!("body parameter #{i} has no schema"))?;
                    let schema = self.schema(schema_node, &pfile, &format!("{method} body"), 0)?;
                    op.body = Some(schema);
                }
                "header" => {
                    if name.eq_ignore_ascii_case("Wechatpay-Serial") {
                        op.wechatpay_serial = true;
                    } else {
                        let schema = self.schema(p, &pfile, &field, 0)?;
                        op.headers.push(Param {
                            name,
                            location: Location::Header,
                            required: p.bool_at("required"),
                            schema,
                        });
                    }
                }
                "path" | "query" | "formData" => {
                    let location = match loc {
                        "path" => Location::Path,
                        "query" => Location::Query,
                        _ => Location::Form,
                    };
                    // A form part may describe its JSON content with `schema`.
                    let mut schema = match p.get("schema") {
                        Some(s) if location == Location::Form => {
                            let mut s = self.schema(s, &pfile, &field, 0)?;
                            s.description = p.str_at("description").map(str::to_owned);
                            s
                        }
                        _ => self.schema(p, &pfile, &field, 0)?,
                    };
                    if schema.ty.is_none() && location != Location::Form {
                        schema.ty = Some(Ty::String);
                    }
                    op.params.push(Param {
                        name,
                        location,
                        // A path parameter is always required, whatever the spec says.
                        required: location == Location::Path || p.bool_at("required"),
                        schema,
                    });
                }
                other => return Err(format!("parameter `{name}` in unknown place `{other}`")),
            }
        }
        reconcile_path_params(&mut op);
        op.inbound = op
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("Wechatpay-Signature"));

        let responses = node.get("responses").map(Node::entries).unwrap_or_default();
        let mut success: Vec<(u16, &Node)> = responses
            .iter()
            .filter_map(|(code, r)| code.parse::<u16>().ok().map(|c| (c, r)))
            .filter(|(c, _)| (200..300).contains(c))
            .collect();
        success.sort_by_key(|(c, _)| *c);
        if let Some((status, r)) = success.first() {
            op.status = *status;
            if let Some(s) = r.get("schema") {
                let schema = self.schema(s, self.file, &format!("{method} response"), 0)?;
                if !schema.is_empty() {
                    op.response = Some(schema);
                }
            }
        }
        let produces = node.strings_at("produces");
        op.download = (!produces.is_empty() && !produces.iter().any(|p| p.contains("json")))
            || (op.method == "GET"
                && op.response.is_none()
                && op.status == 200
                && op.summary.contains("下载"));
        Ok(op)
    }

    /// Builds a schema: follows `$ref`, merges `allOf`, normalises `type`.
    fn schema(&mut self, node: &Node, file: &str, field: &str, depth: usize) -> Result<Schema> {
        if depth > 40 {
            return Err(format!("schema nested too deep at {field} (a $ref cycle?)"));
        }
        let (node, file, ref_name) = self.spec.deref(node, file)?;
        let mut s = Schema {
            ref_name,
            ..Schema::default()
        };
        if let Some(parts) = node.get("allOf") {
            for part in parts.items() {
                let p = self.schema(part, &file, field, depth + 1)?;
                merge(&mut s, p);
            }
            s.ty = Some(Ty::Object);
        }
        s.format = node.text_at("format").or(s.format);
        s.description = node
            .text_at("description")
            .or_else(|| node.text_at("title"))
            .or(s.description);
        if let Some(e) = node.get("example") {
            s.example = Some(e.to_json());
        }
        if let Some(e) = node.get("enum") {
            s.enum_values = e.items().iter().map(Node::to_json).collect();
        }
        s.x_sensitive = match node.get("x-is-sensitive") {
            Some(Node::Seq(items)) => Some(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(n) => n.as_str().map(str::to_owned),
            None => s.x_sensitive,
        };
        for r in node.strings_at("required") {
            if !s.required.contains(&r) {
                s.required.push(r);
            }
        }
        if let Some(props) = node.get("properties") {
            for (name, p) in props.entries() {
                let child = self.schema(p, &file, &format!("{field}.{name}"), depth + 1)?;
                match s.properties.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = child,
                    None => s.properties.push((name.clone(), child)),
                }
            }
        }
        if let Some(json) = node.get("x-json") {
            s.x_json = Some(Box::new(self.schema(
                json,
                &file,
                &format!("{field}{{json}}"),
                depth + 1,
            )?));
        }
        if let Some(items) = node.get("items") {
            s.items = Some(Box::new(self.schema(
                items,
                &file,
                &format!("{field}[]"),
                depth + 1,
            )?));
        }
        match node.get("type") {
            Some(Node::Str(raw)) => {
                let (ty, standard) = normalize_type(raw);
                s.ty = Some(ty);
                if !standard {
                    s.raw_type = Some(raw.clone());
                    self.malformed.push(Malformed {
                        file: self.file.to_owned(),
                        field: field.to_owned(),
                        definition: (file != self.file).then(|| file.clone()),
                        raw: raw.clone(),
                        mapped: ty,
                    });
                }
            }
            Some(other) => {
                let raw = format!("{:?}", other.to_json());
                s.raw_type = Some(raw.clone());
                s.ty = Some(Ty::Any);
                self.malformed.push(Malformed {
                    file: self.file.to_owned(),
                    field: field.to_owned(),
                    definition: (file != self.file).then(|| file.clone()),
                    raw,
                    mapped: Ty::Any,
                });
            }
            None if s.ty.is_none() => {
                s.ty = if !s.properties.is_empty() {
                    Some(Ty::Object)
                } else if s.items.is_some() {
                    Some(Ty::Array)
                } else if !s.enum_values.is_empty() {
                    Some(if s.enum_values.iter().all(Value::is_i64) {
                        Ty::Integer
                    } else {
                        Ty::String
                    })
                } else {
                    None
                };
            }
            None => {}
        }
        Ok(s)
    }
}

/// Makes the path parameters agree with the template, which is what goes
/// on the wire: a parameter the spec declares elsewhere (`in: query`) but
/// the template holds moves to the path; declared path parameters missing
/// from the template are paired in order with template parameters nobody
/// declared (a misnamed parameter: renamed), the rest dropped; template
/// parameters still undeclared are added as strings. Each fix is recorded.
fn reconcile_path_params(op: &mut Operation) {
    let template: Vec<String> = op
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect();
    for p in op.params.iter_mut() {
        if p.location != Location::Path
            && p.location != Location::Header
            && template.contains(&p.name)
        {
            op.fixes.push(format!(
                "`{}` is declared in the query but is the path parameter `{{{}}}`",
                p.name, p.name
            ));
            p.location = Location::Path;
            p.required = true;
        }
    }
    let mut missing: Vec<String> = template
        .iter()
        .filter(|t| {
            !op.params
                .iter()
                .any(|p| p.location == Location::Path && p.name == **t)
        })
        .cloned()
        .collect();
    let mut keep = Vec::with_capacity(op.params.len());
    for mut p in std::mem::take(&mut op.params) {
        if p.location == Location::Path && !template.contains(&p.name) {
            if missing.is_empty() {
                op.fixes.push(format!(
                    "path parameter `{}` is not in the path: dropped",
                    p.name
                ));
                continue;
            }
            let name = missing.remove(0);
            op.fixes.push(format!(
                "path parameter `{}` is not in the path: read as `{{{name}}}`",
                p.name
            ));
            p.name = name;
        }
        keep.push(p);
    }
    for name in missing {
        op.fixes.push(format!(
            "path parameter `{{{name}}}` is not declared: added as a string"
        ));
        keep.push(Param {
            name,
            location: Location::Path,
            required: true,
            schema: Schema {
                ty: Some(Ty::String),
                ..Schema::default()
            },
        });
    }
    op.params = keep;
}

/// `allOf`: properties in order, `required` united, the first description
/// kept. A name defined again replaces the earlier definition in place,
/// except that two objects with properties are merged (both parts
/// constrain it: H5's `scene_info` adds `h5_info` to the common one).
fn merge(into: &mut Schema, part: Schema) {
    let is_object = |s: &Schema| s.ty == Some(Ty::Object) && !s.properties.is_empty();
    for (name, p) in part.properties {
        match into.properties.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) if is_object(&slot.1) && is_object(&p) => {
                merge(&mut slot.1, p);
                // No longer the definition it was read from.
                slot.1.ref_name = None;
            }
            Some(slot) => slot.1 = p,
            None => into.properties.push((name, p)),
        }
    }
    for r in part.required {
        if !into.required.contains(&r) {
            into.required.push(r);
        }
    }
    if into.description.is_none() {
        into.description = part.description;
    }
    if into.format.is_none() {
        into.format = part.format;
    }
    if into.x_sensitive.is_none() {
        into.x_sensitive = part.x_sensitive;
    }
    if into.ref_name.is_none() {
        into.ref_name = part.ref_name;
    }
}

/// Maps a written `type` to a [`Ty`]; the flag says whether it was a
/// standard Swagger type name. The deliberate mappings of non-standard
/// names are listed in the README and the report.
pub fn normalize_type(raw: &str) -> (Ty, bool) {
    let standard = match raw {
        "object" => Some(Ty::Object),
        "array" => Some(Ty::Array),
        "string" => Some(Ty::String),
        "integer" => Some(Ty::Integer),
        "number" => Some(Ty::Number),
        "boolean" => Some(Ty::Boolean),
        "file" => Some(Ty::File),
        _ => None,
    };
    if let Some(ty) = standard {
        return (ty, true);
    }
    let t = raw.trim().to_ascii_lowercase();
    let ty = match t.as_str() {
        "object" => Ty::Object,
        "array" => Ty::Array,
        "integer" | "int" | "int32" | "int64" | "uint" | "uint32" | "uint64" | "long" => {
            Ty::Integer
        }
        "number" | "float" | "double" => Ty::Number,
        "boolean" | "bool" => Ty::Boolean,
        "file" => Ty::File,
        // `string` with a trailing space, or with stray letters (`stringde`).
        s if s.starts_with("string") => Ty::String,
        _ => Ty::Any,
    };
    (ty, false)
}

/// `v3/a/{id}/b.yaml` → `/v3/a/{id}/b`; a final `{empty}` is a trailing `/`.
pub fn path_of_file(file: &str) -> Result<String> {
    let stem = file
        .strip_suffix(".yaml")
        .ok_or_else(|| format!("{file}: not a .yaml file"))?;
    let stem = stem.strip_suffix("{empty}").unwrap_or(stem);
    Ok(format!("/{stem}"))
}

/// Resolves `rel` against the folder of `from` (both `/`-separated, relative to `docs/`).
fn join_relative(from: &str, rel: &str) -> Result<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("$ref `{rel}` from {from} leaves the spec folder"));
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// Links to official pages in a description: the targets of Markdown links
/// and bare `http(s)://` URLs on pay.weixin.qq.com, in order, without repeats.
pub fn doc_links(description: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = description;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(c, ')' | ']' | '>' | '"' | '\'' | '）' | '，' | '。' | '、')
            })
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';']);
        if (url.starts_with("https://pay.weixin.qq.com/")
            || url.starts_with("http://pay.weixin.qq.com/"))
            && !out.iter().any(|u| u == url)
        {
            out.push(url.to_owned());
        }
        rest = &tail[end.max(4)..];
    }
    out
}

fn method_rank(m: &str) -> usize {
    METHODS
        .iter()
        .position(|x| x.eq_ignore_ascii_case(m))
        .unwrap_or(METHODS.len())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(texts: &[(&str, &str)]) -> (Vec<Operation>, Vec<Malformed>) {
        SpecFiles::from_texts(texts).unwrap().operations().unwrap()
    }

    #[test]
    fn refs_resolve_across_files_and_within_a_definition_file() {
        let (ops, _) = spec(&[
            (
                "v3/a/b.yaml",
                "post:\n  summary: s\n  parameters:\n    - $ref: '../../definitions/Parameters.yaml#/HTTP_WECHATPAY_SERIAL'\n    - name: _\n      in: body\n      schema:\n        type: object\n        properties:\n          scene:\n            $ref: '../../definitions/T.yaml#Outer'\n          kind:\n            $ref: '../../definitions/E.yaml#/Kind'\n  responses:\n    '200':\n      schema:\n        type: object\n",
            ),
            (
                "definitions/Parameters.yaml",
                "HTTP_WECHATPAY_SERIAL:\n  in: header\n  name: Wechatpay-Serial\n  required: true\n",
            ),
            (
                "definitions/T.yaml",
                "Outer:\n  type: object\n  properties:\n    inner:\n      $ref: '#/Inner'\nInner:\n  type: object\n  required: [id]\n  properties:\n    id:\n      type: string\n",
            ),
            (
                "definitions/E.yaml",
                "Kind:\n  type: string\n  enum: [A, B]\n",
            ),
        ]);
        let op = &ops[0];
        assert_eq!(op.id(), "POST /v3/a/b");
        assert!(op.wechatpay_serial);
        let body = op.body.as_ref().unwrap();
        let scene = &body.properties[0].1;
        assert_eq!(scene.ref_name.as_deref(), Some("T.yaml#Outer"));
        let inner = &scene.properties[0].1;
        assert_eq!(inner.ref_name.as_deref(), Some("T.yaml#Inner"));
        assert_eq!(inner.required, ["id"]);
        assert_eq!(inner.properties[0].1.ty, Some(Ty::String));
        let kind = &body.properties[1].1;
        assert_eq!(kind.enum_values, [Value::from("A"), Value::from("B")]);
    }

    #[test]
    fn a_missing_ref_target_is_an_error_naming_it() {
        let err = SpecFiles::from_texts(&[
            (
                "v3/x.yaml",
                "get:\n  parameters:\n    - $ref: '../definitions/P.yaml#/NOPE'\n  responses: {}\n",
            ),
            ("definitions/P.yaml", "A: {}\n"),
        ])
        .unwrap()
        .operations()
        .unwrap_err();
        assert!(err.contains("NOPE"), "{err}");
        assert!(err.contains("v3/x.yaml"), "{err}");
    }

    #[test]
    fn all_of_merges_properties_and_required() {
        let (ops, _) = spec(&[
            (
                "v3/x.yaml",
                "post:\n  parameters:\n    - name: _\n      in: body\n      schema:\n        allOf:\n          - $ref: '../definitions/D.yaml#Base'\n          - type: object\n            required: [b]\n            properties:\n              b:\n                type: integer\n              a:\n                type: string\n                description: overridden\n  responses:\n    '204': {}\n",
            ),
            (
                "definitions/D.yaml",
                "Base:\n  type: object\n  required: [a]\n  properties:\n    a:\n      type: string\n    c:\n      type: boolean\n",
            ),
        ]);
        let body = ops[0].body.as_ref().unwrap();
        let names: Vec<&str> = body.properties.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"]);
        assert_eq!(body.required, ["a", "b"]);
        assert_eq!(body.ty, Some(Ty::Object));
        assert_eq!(
            body.properties[0].1.description.as_deref(),
            Some("overridden")
        );
        assert_eq!(ops[0].status, 204);
        assert!(ops[0].response.is_none());
    }

    #[test]
    fn all_of_merges_an_object_defined_twice() {
        let (ops, _) = spec(&[
            (
                "v3/x.yaml",
                "post:\n  parameters:\n    - name: _\n      in: body\n      schema:\n        allOf:\n          - $ref: '../definitions/D.yaml#Base'\n          - type: object\n            properties:\n              scene:\n                type: object\n                required: [h5]\n                properties:\n                  h5:\n                    type: string\n  responses:\n    '204': {}\n",
            ),
            (
                "definitions/D.yaml",
                "Base:\n  type: object\n  properties:\n    scene:\n      $ref: '#Scene'\nScene:\n  type: object\n  description: where\n  required: [ip]\n  properties:\n    ip:\n      type: string\n    device:\n      type: string\n",
            ),
        ]);
        let body = ops[0].body.as_ref().unwrap();
        let scene = &body.properties[0].1;
        let names: Vec<&str> = scene.properties.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ip", "device", "h5"]);
        assert_eq!(scene.required, ["ip", "h5"]);
        assert_eq!(scene.description.as_deref(), Some("where"));
        assert_eq!(scene.ref_name, None);
    }

    #[test]
    fn malformed_types_are_recorded_with_file_and_field() {
        let (ops, malformed) = spec(&[(
            "v3/m.yaml",
            "get:\n  parameters: []\n  responses:\n    '200':\n      schema:\n        type: object\n        properties:\n          a:\n            type: stringde\n          b:\n            type: 'string '\n          c:\n            type: uint64\n          d:\n            type: PROVINCE\n          e:\n            type: string\n            example:\n              - type: PROVINCE\n",
        )]);
        let resp = ops[0].response.as_ref().unwrap();
        let tys: Vec<Ty> = resp.properties.iter().map(|(_, s)| s.ty()).collect();
        assert_eq!(
            tys,
            [Ty::String, Ty::String, Ty::Integer, Ty::Any, Ty::String]
        );
        let found: Vec<(&str, &str, Ty)> = malformed
            .iter()
            .map(|m| (m.field.as_str(), m.raw.as_str(), m.mapped))
            .collect();
        assert_eq!(
            found,
            [
                ("get response.a", "stringde", Ty::String),
                ("get response.b", "string ", Ty::String),
                ("get response.c", "uint64", Ty::Integer),
                ("get response.d", "PROVINCE", Ty::Any),
            ]
        );
        assert!(malformed.iter().all(|m| m.file == "v3/m.yaml"));
    }

    #[test]
    fn path_parameters_follow_the_template() {
        let (ops, _) = spec(&[(
            "v3/u/{a}/v/{b}/w/{c}.yaml",
            "get:\n  parameters:\n    - {name: a, in: query, type: string}\n    - {name: typo, in: path, type: integer}\n    - {name: extra, in: path, type: string}\n  responses: {}\n",
        )]);
        let op = &ops[0];
        let params: Vec<(&str, Location, bool, Ty)> = op
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required, p.schema.ty()))
            .collect();
        assert_eq!(
            params,
            [
                ("a", Location::Path, true, Ty::String),
                ("b", Location::Path, true, Ty::Integer),
                ("c", Location::Path, true, Ty::String),
            ]
        );
        assert_eq!(op.fixes.len(), 3, "{:?}", op.fixes);
    }

    #[test]
    fn paths_from_files() {
        assert_eq!(path_of_file("v3/a/{id}/b.yaml").unwrap(), "/v3/a/{id}/b");
        assert_eq!(
            path_of_file("v3/ecommerce/applyments/{empty}.yaml").unwrap(),
            "/v3/ecommerce/applyments/"
        );
        assert_eq!(
            join_relative("v3/a/b.yaml", "../../definitions/X.yaml").unwrap(),
            "definitions/X.yaml"
        );
        assert!(join_relative("v3/b.yaml", "../../../X.yaml").is_err());
    }

    #[test]
    fn official_links_are_extracted() {
        let d = "说明 [官方文档](https://pay.weixin.qq.com/docs/a.html) 见 https://pay.weixin.qq.com/wiki/b.shtml。 [x](https://example.com/c)";
        assert_eq!(
            doc_links(d),
            [
                "https://pay.weixin.qq.com/docs/a.html",
                "https://pay.weixin.qq.com/wiki/b.shtml"
            ]
        );
    }
}
