//! Field checks for request bodies, answering `400 PARAM_ERROR` with a
//! `detail` naming the field as the platform does.

use serde_json::{Map, Value};

use crate::reply::Reply;
use crate::router::SandboxRequest;

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

    /// A required string of at most `max` characters.
    pub fn req_str_max(&self, key: &str, max: usize) -> Checked<&'a str> {
        let value = self.req_str(key)?;
        self.check_max(key, value, max)?;
        Ok(value)
    }

    /// An optional string of at most `max` characters.
    pub fn opt_str_max(&self, key: &str, max: usize) -> Checked<Option<&'a str>> {
        let value = self.opt_str(key)?;
        if let Some(v) = value {
            self.check_max(key, v, max)?;
        }
        Ok(value)
    }

    fn check_max(&self, key: &str, value: &str, max: usize) -> Checked<()> {
        self.check(
            key,
            value,
            value.chars().count() <= max,
            &format!("must be at most {max} characters"),
        )
    }

    /// A required integer greater than 0 (amounts, quantities, ids).
    pub fn req_positive_int(&self, key: &str) -> Checked<i64> {
        let value = self.req_int(key)?;
        if value <= 0 {
            return Err(Reply::param_error(
                &self.name(key),
                &Value::from(value),
                "must be greater than 0",
            ));
        }
        Ok(value)
    }

    /// A required merchant id that must be the merchant that signed the request.
    pub fn req_signer(&self, key: &str, signer: &str) -> Checked<&'a str> {
        let value = self.req_str(key)?;
        self.check(
            key,
            value,
            value == signer,
            "must be the merchant that signed the request",
        )?;
        Ok(value)
    }

    /// A required HTTPS notification URL (see [`is_notify_url`]).
    pub fn req_notify_url(&self, key: &str) -> Checked<&'a str> {
        let value = self.req_str(key)?;
        self.check_notify_url(key, value)?;
        Ok(value)
    }

    /// An optional HTTPS notification URL (see [`is_notify_url`]).
    pub fn opt_notify_url(&self, key: &str) -> Checked<Option<&'a str>> {
        let value = self.opt_str(key)?;
        if let Some(v) = value {
            self.check_notify_url(key, v)?;
        }
        Ok(value)
    }

    fn check_notify_url(&self, key: &str, value: &str) -> Checked<()> {
        self.check(
            key,
            value,
            is_notify_url(value),
            "must be an https URL without a query string",
        )
    }

    /// An optional array of objects, each checked by `each` with its
    /// position in the name (`goods_detail[0]`).
    pub fn opt_objects(
        &self,
        key: &str,
        mut each: impl FnMut(Fields<'_>) -> Checked<()>,
    ) -> Checked<Option<&'a Vec<Value>>> {
        let Some(items) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(items) = items else {
            return Err(Reply::param_error(
                &self.name(key),
                items,
                "must be an array",
            ));
        };
        self.each_object(key, items, &mut each)?;
        Ok(Some(items))
    }

    /// A required array of objects, each checked by `each`.
    pub fn req_objects(
        &self,
        key: &str,
        mut each: impl FnMut(Fields<'_>) -> Checked<()>,
    ) -> Checked<&'a Vec<Value>> {
        let items = self.req_array(key)?;
        self.each_object(key, items, &mut each)?;
        Ok(items)
    }

    fn each_object(
        &self,
        key: &str,
        items: &[Value],
        each: &mut dyn FnMut(Fields<'_>) -> Checked<()>,
    ) -> Checked<()> {
        for (i, item) in items.iter().enumerate() {
            let prefix = format!("{}[{i}]", self.name(key));
            let Value::Object(map) = item else {
                return Err(Reply::param_error(&prefix, item, "must be an object"));
            };
            each(Fields::nested(map, &prefix))?;
        }
        Ok(())
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

/// A required query parameter, or `400 PARAM_ERROR` located in the query.
pub fn req_query<'r>(req: &'r SandboxRequest, name: &str) -> Checked<&'r str> {
    match req.query(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(Reply::param_error_at("query", name, "", "is required")),
    }
}

/// A query parameter that must name the merchant that signed the request.
pub fn query_signer<'r>(req: &'r SandboxRequest, name: &str) -> Checked<&'r str> {
    let value = req_query(req, name)?;
    if value != req.mchid {
        return Err(Reply::param_error_at(
            "query",
            name,
            value,
            "must be the merchant that signed the request",
        ));
    }
    Ok(value)
}

/// A path parameter (already percent-decoded by the router).
pub fn path_str<'r>(req: &'r SandboxRequest, name: &str) -> Checked<&'r str> {
    req.param(name)
        .ok_or_else(|| Reply::param_error_at("path", name, "", "is required"))
}

/// A path parameter that must be a positive integer (`service_id`).
pub fn path_u64(req: &SandboxRequest, name: &str) -> Checked<u64> {
    let text = path_str(req, name)?;
    match text.parse::<u64>() {
        Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(Reply::param_error_at(
            "path",
            name,
            text,
            "must be a positive integer",
        )),
    }
}

/// `out_refund_no`-style identifiers: 1–64 characters of `[0-9A-Za-z_-|*@]`.
pub fn is_refund_no(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*' | b'@'))
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
    fn lengths_amounts_and_arrays() {
        let v = json!({"d": "中文中文", "n": 0, "items": [{"q": 1}, {"q": "x"}], "bad": 3});
        let map = v.as_object().unwrap();
        let root = Fields::root(map);
        assert_eq!(root.req_str_max("d", 4).unwrap(), "中文中文");
        let e = root.req_str_max("d", 3).unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["issue"], "must be at most 3 characters");
        assert!(root.opt_str_max("missing", 1).unwrap().is_none());
        let e = root.req_positive_int("n").unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["field"], "n");
        let e = root
            .req_objects("items", |item| item.req_int("q").map(|_| ()))
            .unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["field"], "items[1].q");
        assert!(root.opt_objects("bad", |_| Ok(())).is_err());
        assert!(root.opt_objects("none", |_| Ok(())).unwrap().is_none());
        assert!(root.req_signer("d", "1900000109").is_err());
    }

    #[test]
    fn refund_numbers() {
        assert!(is_refund_no("R@1|2*3-4_5"));
        assert!(!is_refund_no(""));
        assert!(!is_refund_no("R 1"));
        assert!(!is_refund_no(&"x".repeat(65)));
    }

    #[test]
    fn emoji_refused() {
        assert!(no_four_byte_chars(&json!({"d": "ok 中文"}), "").is_ok());
        let e = no_four_byte_chars(&json!({"d": {"e": "pay 😀"}}), "").unwrap_err();
        let body: Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(body["detail"]["field"], "d.e");
    }
}
