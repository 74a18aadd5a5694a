//! A small YAML tree: what the spec files are read into.
//!
//! yaml-rust2 does the parsing; this module turns its output into a tree with
//! string keys in document order, which is all the generator needs.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// One YAML node. Mapping keys are kept as strings (`200:` reads as `"200"`),
/// in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// A float, kept as written.
    Float(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Parses one YAML document (an empty document reads as `Null`).
    pub fn parse(text: &str) -> Result<Node, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
        match docs.into_iter().next() {
            Some(doc) => convert(doc),
            None => Ok(Node::Null),
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string node, or of a number or boolean written where a
    /// string was expected.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) | Node::Float(s) => Some(s),
            _ => None,
        }
    }

    /// `get(key)` as a string.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The scalar at `key` rendered as text (strings, numbers, booleans).
    pub fn text_at(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Node::Str(s) | Node::Float(s) => Some(s.clone()),
            Node::Int(i) => Some(i.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn bool_at(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Node::Bool(true)))
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// Strings of a sequence (or a single string) at `key`.
    pub fn strings_at(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Node::Seq(items)) => items
                .iter()
                .filter_map(|n| match n {
                    Node::Str(s) | Node::Float(s) => Some(s.clone()),
                    Node::Int(i) => Some(i.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Node::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// The node as JSON (examples, enum values).
    pub fn to_json(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::Float(s) => s
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(s.clone()), Value::Number),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

fn key_text(key: Yaml) -> Result<String, String> {
    match key {
        Yaml::String(s) | Yaml::Real(s) => Ok(s),
        Yaml::Integer(i) => Ok(i.to_string()),
        Yaml::Boolean(b) => Ok(b.to_string()),
        Yaml::Null => Ok("null".into()),
        other => Err(format!("unsupported mapping key {other:?}")),
    }
}

fn convert(y: Yaml) -> Result<Node, String> {
    Ok(match y {
        Yaml::Real(s) => Node::Float(s),
        Yaml::Integer(i) => Node::Int(i),
        Yaml::String(s) => Node::Str(s),
        Yaml::Boolean(b) => Node::Bool(b),
        Yaml::Array(items) => Node::Seq(items.into_iter().map(convert).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                entries.push((key_text(k)?, convert(v)?));
            }
            Node::Map(entries)
        }
        Yaml::Null => Node::Null,
        Yaml::Alias(_) => return Err("YAML aliases are not supported".into()),
        Yaml::BadValue => return Err("invalid YAML value".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_stringifies_keys() {
        let n = Node::parse("b: 1\na: [x, 2.5]\n200: {}\n").unwrap();
        let keys: Vec<&str> = n.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "200"]);
        assert_eq!(n.get("a").unwrap().items().len(), 2);
        assert_eq!(n.get("a").unwrap().to_json(), serde_json::json!(["x", 2.5]));
        assert_eq!(n.text_at("b").as_deref(), Some("1"));
    }

    #[test]
    fn comments_after_enum_values_are_ignored() {
        let n = Node::parse("enum:\n  - BARCODE  # one\n  - QRCODE\n").unwrap();
        assert_eq!(n.strings_at("enum"), ["BARCODE", "QRCODE"]);
    }
}
