//! serde bridges between typed v2 structs and a body's text fields.
//!
//! [`to_fields`] serializes a request struct: numbers and booleans become
//! text, `None` fields are left out, and fields whose value is a JSON
//! object or array (`detail`, `scene_info`, …) are written as JSON text,
//! as the platform expects.
//!
//! [`from_fields`] deserializes an answer: text is parsed into the number,
//! boolean or option the target field asks for (an empty value is `None`),
//! a struct or list field reads JSON text (or the kept inner XML of a
//! nested element, see [`xml`](super::xml)), and fields the target does not
//! name are ignored.
//!
//! # Indexed fields
//!
//! Answers list repeated items as numbered fields: `coupon_id_0`,
//! `coupon_fee_0`, `coupon_id_1`, …. A struct field renamed
//! `"<prefix>$n"` collects them into a list:
//!
//! ```
//! use serde::Deserialize;
//! use wxpay_core::v2::fields::from_fields;
//!
//! #[derive(Deserialize)]
//! struct Order {
//!     total_fee: i64,
//!     #[serde(rename = "coupon_$n", default)]
//!     coupons: Vec<Coupon>,
//! }
//!
//! #[derive(Deserialize)]
//! struct Coupon {
//!     coupon_id: String,
//!     coupon_fee: Option<i64>,
//! }
//!
//! let fields = [
//!     ("total_fee", "100"),
//!     ("coupon_count", "2"),
//!     ("coupon_id_1", "B"),
//!     ("coupon_id_0", "A"),
//!     ("coupon_fee_0", "5"),
//! ];
//! let order: Order =
//!     from_fields(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())?;
//! assert_eq!(order.total_fee, 100);
//! assert_eq!(order.coupons[0].coupon_id, "A");
//! assert_eq!(order.coupons[0].coupon_fee, Some(5));
//! assert_eq!(order.coupons[1].coupon_id, "B");
//! assert_eq!(order.coupons[1].coupon_fee, None);
//! # Ok::<(), wxpay_core::v2::fields::FieldsError>(())
//! ```
//!
//! The rule: a wire field `<name>_<digits>` that the struct does not name
//! itself goes to the group whose prefix `<name>` starts with (the longest
//! such prefix; `"$n"` has the empty prefix and takes every indexed field
//! left), as field `<name>` of element `<digits>`. Elements are ordered by
//! index; a missing index is not invented, and an element has only the
//! fields that arrived. A name with more indexes (`coupon_refund_fee_0_1`)
//! is grouped by its first (element 0 gets `coupon_refund_fee_1`), so the
//! element's own `$n` field can group the next. A field without an index
//! is never taken by a group. [`to_fields`] writes such a list back the
//! same way.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;
use serde::de::value::{SeqDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor,
};
use serde_json::Value;

/// A struct that does not fit a body's fields, or fields that do not fit a
/// struct. Names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsError(String);

impl FieldsError {
    fn in_field(self, name: &str) -> FieldsError {
        FieldsError(format!("field `{name}`: {}", self.0))
    }
}

impl fmt::Display for FieldsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FieldsError {}

impl de::Error for FieldsError {
    /// serde's messages may quote the value that did not fit; only the
    /// kind of mistake and what was expected are kept.
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let msg = msg.to_string();
        if msg.starts_with("duplicate field `") {
            FieldsError(msg.chars().take(96).collect())
        } else {
            FieldsError(crate::notify::data_free_reason(&msg))
        }
    }
}

/// The text fields of a v2 request struct, in serialization order; see the
/// module documentation.
pub fn to_fields<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, FieldsError> {
    let value = serde_json::to_value(value).map_err(|e| FieldsError(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(FieldsError(
            "a v2 body serializes from a struct or a map".into(),
        ));
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        if let (Some(prefix), Value::Array(items)) = (name.strip_suffix("$n"), &value) {
            if prefix.is_empty() || items.iter().all(Value::is_object) {
                for (index, item) in items.iter().enumerate() {
                    if let Value::Object(item) = item {
                        for (field, value) in item {
                            if let Some(text) = text_of(value).map_err(|e| e.in_field(&name))? {
                                out.push((format!("{field}_{index}"), text));
                            }
                        }
                    }
                }
                continue;
            }
        }
        if let Some(text) = text_of(&value).map_err(|e| e.in_field(&name))? {
            out.push((name, text));
        }
    }
    Ok(out)
}

fn text_of(value: &Value) -> Result<Option<String>, FieldsError> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => {
            serde_json::to_string(value).map_err(|e| FieldsError(e.to_string()))?
        }
    }))
}

/// The value of the field `name`, as received (possibly empty); the first
/// when a list names it more than once.
pub fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Deserializes a body's text fields into `T`; see the module documentation.
pub fn from_fields<T: DeserializeOwned>(fields: Vec<(String, String)>) -> Result<T, FieldsError> {
    T::deserialize(FieldsDe(fields))
}

/// A list of fields, read as a struct or a map.
struct FieldsDe(Vec<(String, String)>);

/// One value: a field's text, the texts of an element repeated inside a
/// nested element, or the elements of an indexed group.
enum Node {
    Text(String),
    Repeated(Vec<String>),
    Group(Vec<Vec<(String, String)>>),
}

/// The fields as nodes, an element that repeats (inside a nested element)
/// becoming one list at its first place.
fn nodes(list: Vec<(String, String)>) -> Vec<(String, Node)> {
    let mut out: Vec<(String, Node)> = Vec::with_capacity(list.len());
    for (name, value) in list {
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, node)) => {
                let first = std::mem::replace(node, Node::Repeated(Vec::new()));
                *node = match first {
                    Node::Text(text) => Node::Repeated(vec![text, value]),
                    Node::Repeated(mut texts) => {
                        texts.push(value);
                        Node::Repeated(texts)
                    }
                    group => group,
                };
            }
            None => out.push((name, Node::Text(value))),
        }
    }
    out
}

impl<'de> IntoDeserializer<'de, FieldsError> for FieldsDe {
    type Deserializer = FieldsDe;
    fn into_deserializer(self) -> FieldsDe {
        self
    }
}

impl<'de> IntoDeserializer<'de, FieldsError> for Node {
    type Deserializer = Node;
    fn into_deserializer(self) -> Node {
        self
    }
}

impl<'de> Deserializer<'de> for FieldsDe {
    type Error = FieldsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        visitor.visit_map(Entries::new(nodes(self.0)))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        visitor.visit_map(Entries::new(group(self.0, fields)))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// Splits `coupon_fee_0_1` into (`coupon_fee`, 0, `_1`); `None` for a name
/// without an index.
fn split_index(name: &str) -> Option<(&str, u64, &str)> {
    let mut start = None;
    let mut at = name.len();
    // Walk `_<digits>` segments back from the end; the first one found
    // last is the element's index.
    while let Some(underscore) = name.get(..at).and_then(|head| head.rfind('_')) {
        let segment = name.get(underscore + 1..at)?;
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        start = Some(underscore);
        at = underscore;
    }
    let start = start?;
    let base = name.get(..start).filter(|b| !b.is_empty())?;
    let rest = name.get(start + 1..)?;
    let (index, tail) = match rest.find('_') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    Some((base, index.parse().ok()?, tail))
}

/// The fields of a struct whose declared names include `<prefix>$n`
/// groups: indexed wire fields gathered into them (every group present,
/// empty when nothing arrived), the other fields as text.
fn group(list: Vec<(String, String)>, declared: &'static [&'static str]) -> Vec<(String, Node)> {
    let groups: Vec<(&str, &str)> = declared
        .iter()
        .filter_map(|full| full.strip_suffix("$n").map(|prefix| (prefix, *full)))
        .collect();
    if groups.is_empty() {
        return nodes(list);
    }
    let named: HashSet<&str> = declared.iter().copied().collect();
    let mut gathered: Vec<BTreeMap<u64, Vec<(String, String)>>> =
        vec![BTreeMap::new(); groups.len()];
    let mut rest = Vec::with_capacity(list.len());
    for (name, value) in list {
        if !named.contains(name.as_str()) {
            if let Some((base, index, tail)) = split_index(&name) {
                let best = groups
                    .iter()
                    .enumerate()
                    .filter(|(_, (prefix, _))| base.starts_with(prefix))
                    .max_by_key(|(_, (prefix, _))| prefix.len());
                if let Some((i, _)) = best {
                    if let Some(elements) = gathered.get_mut(i) {
                        let field = format!("{base}{tail}");
                        elements.entry(index).or_default().push((field, value));
                        continue;
                    }
                }
            }
        }
        rest.push((name, value));
    }
    let mut out = nodes(rest);
    for ((_, full), elements) in groups.iter().zip(gathered) {
        out.push((
            (*full).to_owned(),
            Node::Group(elements.into_values().collect()),
        ));
    }
    out
}

/// A map of named nodes; errors name the field they came from.
struct Entries {
    iter: std::vec::IntoIter<(String, Node)>,
    next: Option<(String, Node)>,
}

impl Entries {
    fn new(entries: Vec<(String, Node)>) -> Entries {
        Entries {
            iter: entries.into_iter(),
            next: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = FieldsError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FieldsError> {
        let Some((name, node)) = self.iter.next() else {
            return Ok(None);
        };
        let key: StringDeserializer<FieldsError> = name.clone().into_deserializer();
        self.next = Some((name, node));
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FieldsError> {
        let (name, node) = self
            .next
            .take()
            .ok_or_else(|| FieldsError("a value was read before its name".into()))?;
        seed.deserialize(node).map_err(|e| e.in_field(&name))
    }
}

fn seq<'de, I, T, V>(items: I, visitor: V) -> Result<V::Value, FieldsError>
where
    I: Iterator<Item = T>,
    T: IntoDeserializer<'de, FieldsError>,
    V: Visitor<'de>,
{
    let mut access = SeqDeserializer::new(items);
    let value = visitor.visit_seq(&mut access)?;
    access.end()?;
    Ok(value)
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
            match self {
                Node::Text(text) => match text.trim().parse::<$ty>() {
                    Ok(n) => visitor.$visit(n),
                    Err(_) => Err(FieldsError(concat!("expected ", $what).into())),
                },
                list => list.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for Node {
    type Error = FieldsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        match self {
            Node::Text(text) => visitor.visit_string(text),
            Node::Repeated(texts) => seq(texts.into_iter().map(Node::Text), visitor),
            Node::Group(elements) => seq(elements.into_iter().map(FieldsDe), visitor),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "an integer";
        deserialize_i64 => visit_i64: i64, "an integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "a non-negative integer";
        deserialize_u16 => visit_u16: u16, "a non-negative integer";
        deserialize_u32 => visit_u32: u32, "a non-negative integer";
        deserialize_u64 => visit_u64: u64, "a non-negative integer";
        deserialize_u128 => visit_u128: u128, "a non-negative integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "one character";
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        match &self {
            Node::Text(text) => match text.trim() {
                "true" => visitor.visit_bool(true),
                "false" => visitor.visit_bool(false),
                _ => Err(FieldsError("expected true or false".into())),
            },
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        match &self {
            Node::Text(text) if text.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        match self {
            Node::Text(text) => visitor.visit_byte_buf(text.into_bytes()),
            group => group.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        let text = match self {
            Node::Text(text) => text,
            list => return list.deserialize_any(visitor),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            seq(std::iter::empty::<Node>(), visitor)
        } else if trimmed.starts_with('<') {
            // An element that appeared once where a list is expected.
            seq(std::iter::once(Node::Text(text)), visitor)
        } else {
            json(trimmed)?.deserialize_seq(visitor).map_err(json_error)
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        match structured(self)? {
            Structured::Xml(fields) => fields.deserialize_map(visitor),
            Structured::Json(value) => value.deserialize_map(visitor).map_err(json_error),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        match structured(self)? {
            Structured::Xml(list) => list.deserialize_struct(name, fields, visitor),
            Structured::Json(value) => value
                .deserialize_struct(name, fields, visitor)
                .map_err(json_error),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldsError> {
        match self {
            Node::Text(text) => {
                let access: StringDeserializer<FieldsError> = text.into_deserializer();
                visitor.visit_enum(access)
            }
            group => group.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldsError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { str string identifier }
}

enum Structured {
    Xml(FieldsDe),
    Json(Value),
}

/// A struct or map field: the kept inner XML of a nested element, JSON
/// text, or nothing (an empty struct, whose required fields are missing).
fn structured(node: Node) -> Result<Structured, FieldsError> {
    match node {
        Node::Group(_) | Node::Repeated(_) => Err(FieldsError(
            "a list of elements does not read into a struct".into(),
        )),
        Node::Text(text) => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                Ok(Structured::Xml(FieldsDe(Vec::new())))
            } else if trimmed.starts_with('<') {
                super::xml::parse_fragment(trimmed)
                    .map(|fields| Structured::Xml(FieldsDe(fields)))
                    .map_err(|e| FieldsError(e.to_string()))
            } else {
                json(trimmed).map(Structured::Json)
            }
        }
    }
}

fn json(text: &str) -> Result<Value, FieldsError> {
    serde_json::from_str(text).map_err(|_| FieldsError("expected JSON or XML text".into()))
}

fn json_error(e: serde_json::Error) -> FieldsError {
    <FieldsError as de::Error>::custom(e)
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn split_index_finds_the_first_of_the_trailing_indexes() {
        assert_eq!(split_index("coupon_id_0"), Some(("coupon_id", 0, "")));
        assert_eq!(
            split_index("coupon_refund_fee_2_13"),
            Some(("coupon_refund_fee", 2, "_13"))
        );
        assert_eq!(split_index("coupon_count"), None);
        assert_eq!(split_index("_0"), None);
        assert_eq!(split_index("a__0"), Some(("a_", 0, "")));
        assert_eq!(split_index("x_99999999999999999999999"), None);
        assert_eq!(split_index("a1_2"), Some(("a1", 2, "")));
    }

    #[derive(Serialize)]
    struct Detail {
        cost_price: i64,
        goods_detail: Vec<Goods>,
    }

    #[derive(Serialize)]
    struct Goods {
        goods_id: String,
    }

    #[derive(Serialize)]
    struct Request {
        appid: String,
        mch_id: Option<String>,
        total_fee: i64,
        profit_sharing: bool,
        rate: f64,
        attach: Option<String>,
        detail: Option<Detail>,
        #[serde(rename = "sub_order_$n")]
        sub_orders: Vec<SubOrder>,
    }

    #[derive(Serialize)]
    struct SubOrder {
        sub_order_no: String,
        fee: Option<i64>,
    }

    #[test]
    fn to_fields_writes_text_omits_none_and_nests_json() {
        let fields = to_fields(&Request {
            appid: "wx1".into(),
            mch_id: None,
            total_fee: 101,
            profit_sharing: true,
            rate: 0.5,
            attach: Some(String::new()),
            detail: Some(Detail {
                cost_price: 608800,
                goods_detail: vec![Goods {
                    goods_id: "商品编码".into(),
                }],
            }),
            sub_orders: vec![
                SubOrder {
                    sub_order_no: "a".into(),
                    fee: Some(1),
                },
                SubOrder {
                    sub_order_no: "b".into(),
                    fee: None,
                },
            ],
        })
        .unwrap();
        let find = |k: &str| field(&fields, k);
        assert_eq!(find("appid"), Some("wx1"));
        assert_eq!(find("mch_id"), None);
        assert_eq!(find("total_fee"), Some("101"));
        assert_eq!(find("profit_sharing"), Some("true"));
        assert_eq!(find("rate"), Some("0.5"));
        assert_eq!(find("attach"), Some(""));
        assert_eq!(
            find("detail"),
            Some(r#"{"cost_price":608800,"goods_detail":[{"goods_id":"商品编码"}]}"#)
        );
        assert_eq!(find("sub_order_no_0"), Some("a"));
        assert_eq!(find("fee_0"), Some("1"));
        assert_eq!(find("sub_order_no_1"), Some("b"));
        assert_eq!(find("fee_1"), None);
        assert!(to_fields(&5).is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Answer {
        total_fee: i64,
        cash_fee: Option<i64>,
        settlement_total_fee: Option<i64>,
        is_subscribe: String,
        ratio: f64,
        ok: bool,
        scene: Option<Scene>,
        #[serde(rename = "coupon_$n", default)]
        coupons: Vec<Coupon>,
        #[serde(rename = "coupon_refund_$n", default)]
        refund_coupons: Vec<Coupon>,
        coupon_count: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Scene {
        id: String,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Coupon {
        coupon_id: Option<String>,
        coupon_fee: Option<i64>,
        coupon_refund_id: Option<String>,
    }

    #[test]
    fn from_fields_parses_text_and_groups_indexed_fields() {
        let answer: Answer = from_fields(pairs(&[
            ("total_fee", " 100 "),
            ("cash_fee", "90"),
            ("settlement_total_fee", ""),
            ("is_subscribe", "Y"),
            ("ratio", "0.25"),
            ("ok", "true"),
            ("scene", r#"{"id":"s1","extra":1}"#),
            ("coupon_count", "2"),
            ("coupon_fee_2", "3"),
            ("coupon_id_0", "A"),
            ("coupon_fee_0", "5"),
            ("coupon_refund_id_1", "R"),
            ("unknown_field", "x"),
            ("unknown_7", "x"),
        ]))
        .unwrap();
        assert_eq!(
            answer,
            Answer {
                total_fee: 100,
                cash_fee: Some(90),
                settlement_total_fee: None,
                is_subscribe: "Y".into(),
                ratio: 0.25,
                ok: true,
                scene: Some(Scene { id: "s1".into() }),
                coupons: vec![
                    Coupon {
                        coupon_id: Some("A".into()),
                        coupon_fee: Some(5),
                        coupon_refund_id: None
                    },
                    Coupon {
                        coupon_fee: Some(3),
                        ..Coupon::default()
                    },
                ],
                refund_coupons: vec![Coupon {
                    coupon_refund_id: Some("R".into()),
                    ..Coupon::default()
                }],
                coupon_count: Some(2),
            }
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Refunds {
        #[serde(rename = "$n", default)]
        refunds: Vec<Refund>,
        refund_count: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Refund {
        refund_id: String,
        #[serde(rename = "coupon_$n", default)]
        coupons: Vec<Coupon>,
    }

    #[test]
    fn two_indexes_nest_groups() {
        let refunds: Refunds = from_fields(pairs(&[
            ("refund_count", "2"),
            ("refund_id_1", "R1"),
            ("refund_id_0", "R0"),
            ("coupon_refund_id_0_1", "C01"),
            ("coupon_refund_id_0_0", "C00"),
            ("coupon_fee_1_0", "7"),
        ]))
        .unwrap();
        assert_eq!(refunds.refund_count, 2);
        assert_eq!(refunds.refunds.len(), 2);
        assert_eq!(refunds.refunds[0].refund_id, "R0");
        let ids: Vec<_> = refunds.refunds[0]
            .coupons
            .iter()
            .map(|c| c.coupon_refund_id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["C00", "C01"]);
        assert_eq!(refunds.refunds[1].coupons[0].coupon_fee, Some(7));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct RedPacket {
        hblist: Option<HbList>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct HbList {
        hbinfo: Vec<HbInfo>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct HbInfo {
        openid: String,
        amount: i64,
    }

    #[test]
    fn nested_xml_reads_into_structs_and_lists() {
        let body = b"<xml><hblist><hbinfo><openid>o1</openid><amount>100</amount></hbinfo>\
                     </hblist></xml>";
        let one: RedPacket = from_fields(super::super::xml::parse(body).unwrap()).unwrap();
        let o1 = HbInfo {
            openid: "o1".into(),
            amount: 100,
        };
        assert_eq!(one.hblist.unwrap().hbinfo, vec![o1]);
        let body = b"<xml><hblist>\n<hbinfo><openid>o1</openid><amount>1</amount></hbinfo>\n\
                     <hbinfo><openid><![CDATA[o2]]></openid><amount>2</amount></hbinfo>\n\
                     </hblist></xml>";
        let two: RedPacket = from_fields(super::super::xml::parse(body).unwrap()).unwrap();
        let openids: Vec<_> = two
            .hblist
            .unwrap()
            .hbinfo
            .into_iter()
            .map(|h| h.openid)
            .collect();
        assert_eq!(openids, ["o1", "o2"]);
        let none: RedPacket = from_fields(vec![]).unwrap();
        assert_eq!(none.hblist, None);
        let e =
            from_fields::<RedPacket>(pairs(&[("hblist", "<hbinfo><openid>o</openid></hbinfo>")]))
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `hblist`: field `hbinfo`: missing field `amount`"
        );
    }

    #[test]
    fn errors_name_the_field_not_the_value() {
        let e = from_fields::<Answer>(pairs(&[
            ("total_fee", "12x34"),
            ("is_subscribe", "Y"),
            ("ratio", "1"),
            ("ok", "true"),
        ]))
        .unwrap_err();
        assert_eq!(e.to_string(), "field `total_fee`: expected an integer");
        let e = from_fields::<Answer>(pairs(&[("total_fee", "1")])).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
        let e = from_fields::<Answer>(pairs(&[
            ("total_fee", "1"),
            ("is_subscribe", "Y"),
            ("ratio", "1"),
            ("ok", "true"),
            ("scene", r#"{"id":12345678}"#),
        ]))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `scene`: invalid type, expected a string"
        );
        let e = from_fields::<Answer>(pairs(&[
            ("total_fee", "1"),
            ("is_subscribe", "Y"),
            ("ratio", "1"),
            ("ok", "yes"),
        ]))
        .unwrap_err();
        assert_eq!(e.to_string(), "field `ok`: expected true or false");
    }
}
