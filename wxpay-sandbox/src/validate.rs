//! Field checks for request bodies, answering `400 PARAM_ERROR` with a
//! `detail` naming the field as the platform does.

use serde_json::{Map, Value};

use crate::reply::Reply;

/// A JSON object being checked, with the dotted path of where it sits.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

/// The result of a check: the value, or the reply to send back.
pub type Checked<T> = Result<T, Reply>;

fn missing(field: &str) -> Reply {
    Reply::param_error(field, &Value::Null, "is required")
}

impl<'a> Fields<'a> {
    /// The top-level body.
    pub fn root(map: &'a Map<String, Value>) -> Self {
        Fields { map, prefix: "" }
    }

    /// An object found at `prefix` (e.g. `detail.goods_detail[0]`).
    pub fn nested(map: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Fields { map, prefix }
    }

    /// The dotted name of a field of this object.
    pub fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required, non-empty string.
    pub fn req_str(&self, key: &str) -> Checked<&'a str> {
        match self.opt_str(key)? {
            Some(s) => Ok(s),
            None => Err(missing(&self.name(key))),
        }
    }

    /// An optional string; present but empty counts as a mistake.
    pub fn opt_str(&self, key: &str) -> Checked<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(Reply::param_error(
                &self.name(key),
                &Value::String(String::new()),
                "must not be empty",
            )),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(Reply::param_error(
                &self.name(key),
                other,
                "must be a string",
            )),
        }
    }

    /// A required integer.
    pub fn req_int(&self, key: &str) -> Checked<i64> {
        self.opt_int(key)?.ok_or_else(|| missing(&self.name(key)))
    }

    /// An optional integer (fen amounts, counts).
    pub fn opt_int(&self, key: &str) -> Checked<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| Reply::param_error(&self.name(key), v, "must be an integer")),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Checked<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(Reply::param_error(
                &self.name(key),
                other,
                "must be true or false",
            )),
        }
    }

    /// A required nested object; `prefix` must be `self.name(key)`.
    pub fn req_obj(&self, key: &str, prefix: &'a str) -> Checked<Fields<'a>> {
        self.opt_obj(key, prefix)?
            .ok_or_else(|| missing(&self.name(key)))
    }

    /// An optional nested object; `prefix` must be `self.name(key)`.
    pub fn opt_obj(&self, key: &str, prefix: &'a str) -> Checked<Option<Fields<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields { map, prefix })),
            Some(other) => Err(Reply::param_error(
                &self.name(key),
                other,
                "must be an object",
            )),
        }
    }

    /// A required array.
    pub fn req_array(&self, key: &str) -> Checked<&'a Vec<Value>> {
        match self.get(key) {
            None => Err(missing(&self.name(key))),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(Reply::param_error(
                &self.name(key),
                other,
                "must be an array",
            )),
        }
    }

    /// Checks a string with a predicate, naming the rule on failure.
    pub fn check(&self, key: &str, value: &str, ok: bool, rule: &str) -> Checked<()> {
        if ok {
            Ok(())
        } else {
            Err(Reply::param_error(
                &self.name(key),
                &Value::String(value.to_owned()),
                rule,
            ))
        }
    }
}

/// The platform only takes characters of 1–3 UTF-8 bytes (no emoji).
pub fn no_four_byte_chars(value: &Value, path: &str) -> Checked<()> {
    match value {
        Value::String(s) => match s.chars().find(|c| c.len_utf8() == 4) {
            Some(c) => Err(Reply::param_error(
                if path.is_empty() { "body" } else { path },
                value,
                format!("contains {c:?}, a 4-byte UTF-8 character, which is not accepted"),
            )),
            None => Ok(()),
        },
        Value::Array(items) => items.iter().try_for_each(|v| no_four_byte_chars(v, path)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            no_four_byte_chars(v, &p)
        }),
        _ => Ok(()),
    }
}

/// `out_trade_no`-style identifiers: 6–32 characters of `[0-9A-Za-z_-|*]`.
pub fn is_trade_no(s: &str) -> bool {
    (6..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'))
}

/// A notify URL: `https://host/…`, no query string, at most 255 characters.
pub fn is_notify_url(s: &str) -> bool {
    s.len() <= 255
        && s.strip_prefix("https://").is_some_and(|rest| {
            let host = rest.split('/').next().unwrap_or("");
            !host.is_empty() && !rest.contains(['?', '#', ' '])
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_checks_name_the_path() {
        let v = json!({"amount": {"total": "1"}, "s": "", "n": null});
        let map = v.as_object().unwrap();
        let root = Fields::root(map);
        let amount = root.req_obj("amount", "amount").unwrap();
        let e = amount.req_int("total").unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["field"], "amount.total");
        assert_eq!(body["detail"]["issue"], "must be an integer");
        assert!(root.opt_str("s").is_err());
        assert_eq!(root.opt_str("n").unwrap(), None);
        let e = root.req_str("appid").unwrap_err();
        assert_eq!(e.status, 400);
    }

    #[test]
    fn identifiers_and_urls() {
        assert!(is_trade_no("1217752501201407033233368018"));
        assert!(is_trade_no("a_b-c|d*"));
        assert!(!is_trade_no("short"));
        assert!(!is_trade_no("has space 123"));
        assert!(!is_trade_no(&"x".repeat(33)));
        assert!(is_notify_url("https://www.weixin.qq.com/wxpay/pay.php"));
        assert!(!is_notify_url("http://www.weixin.qq.com/wxpay/pay.php"));
        assert!(!is_notify_url("https://x.com/p?a=1"));
        assert!(!is_notify_url("https:///p"));
    }

    #[test]
    fn emoji_refused() {
        assert!(no_four_byte_chars(&json!({"d": "ok 中文"}), "").is_ok());
        let e = no_four_byte_chars(&json!({"d": {"e": "pay 😀"}}), "").unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["field"], "d.e");
    }
}
