//! Checks of request values, answering the platform's `400 PARAM_ERROR`
//! with a `detail` naming the field and where it is: helpers a route can
//! use (path parameters, identifiers, notification URLs) and, inside the
//! crate, the rules a stateful route adds to the spec's checks.
//!
//! The spec's data (see `spec.rs`) says which fields an operation requires
//! and their JSON types; a route's table of `Rule`s says what else the
//! platform checks: lengths, formats, amounts greater than 0, the merchant
//! id that must be the one that signed, fields required only with others,
//! the types of optional fields. Handlers then read the checked body
//! through `ReadBody`.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::spec::{article, check_field, json_fits, values_at};

/// The result of a check: the value, or the reply to send back.
pub type Checked<T> = Result<T, Reply>;

/// Where a rule's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Body,
    Query,
    Path,
}

/// One rule of a route: checks for the value at a place, in order.
///
/// A body path is dotted, with `[]` for every item of an array
/// (`detail.goods_detail[].quantity`); the empty path is the whole body.
/// Only [`Check::Required`] and the `Required…` checks refuse an absent
/// value (they are for body fields: the spec's data already requires
/// parameters); the others check values that are there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    at: At,
    path: &'static str,
    checks: &'static [Check],
}

impl Rule {
    /// Checks for a body field.
    pub(crate) const fn body(path: &'static str, checks: &'static [Check]) -> Rule {
        Rule {
            at: At::Body,
            path,
            checks,
        }
    }

    /// Checks for a query parameter.
    pub(crate) const fn query(name: &'static str, checks: &'static [Check]) -> Rule {
        Rule {
            at: At::Query,
            path: name,
            checks,
        }
    }

    /// Checks for a path parameter.
    pub(crate) const fn path(name: &'static str, checks: &'static [Check]) -> Rule {
        Rule {
            at: At::Path,
            path: name,
            checks,
        }
    }
}

/// What a [`Rule`] checks. A check on text also refuses a value that is
/// not a string, or an empty one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    /// Present where its parents are, with this JSON type (as the spec
    /// names types: `string`, `integer`, `object`, …).
    Required(&'static str),
    /// When present, of this JSON type.
    Type(&'static str),
    /// An array of objects.
    Objects,
    /// An array of 1 to this many items, called `.1` in the refusal.
    Items(usize, &'static str),
    /// Text of at most this many characters.
    MaxChars(usize),
    /// Text of at most this many UTF-8 bytes.
    MaxBytes(usize),
    /// An integer greater than 0.
    Positive,
    /// The id of the merchant that signed the request.
    Signer,
    /// An HTTPS notification URL (see [`is_notify_url`]).
    NotifyUrl,
    /// Text the function accepts; the text names the rule.
    Format(fn(&str) -> bool, &'static str),
    /// One of these texts; the text names the rule.
    OneOf(&'static [&'static str], &'static str),
    /// Each value appears once among all values at the path.
    Unique,
    /// An object holding at least one of these fields.
    AnyOf(&'static [&'static str]),
    /// Required where its parents are, unless its object holds one of
    /// these fields.
    RequiredUnless(&'static [&'static str]),
    /// Required when the body has a value at this path.
    RequiredWith(&'static str),
    /// Required when the body field `.0` is the text `.1`.
    RequiredIf(&'static str, &'static str),
    /// A rule over several body fields (sums, counts), given the whole
    /// body; the rule's path only says where it looks.
    Whole(fn(&Map<String, Value>) -> Checked<()>),
}

/// Applies a route's rules, table by table, in order.
pub(crate) fn apply(
    tables: &[&[Rule]],
    req: &SandboxRequest,
    body: &Map<String, Value>,
) -> Checked<()> {
    for rule in tables.iter().copied().flatten() {
        for check in rule.checks {
            rule.apply(check, req, body)?;
        }
    }
    Ok(())
}

impl Rule {
    fn apply(&self, check: &Check, req: &SandboxRequest, body: &Map<String, Value>) -> Checked<()> {
        let absent = || self.values(req, body).is_empty();
        match *check {
            Check::Required(ty) => self.required(req, body, ty),
            Check::RequiredUnless(others) => {
                let (parent, key) = split_parent(self.path);
                for (name, holder) in holders(body, parent) {
                    if holder.get(key).is_some_and(|v| !v.is_null())
                        || others
                            .iter()
                            .any(|o| holder.get(*o).is_some_and(|v| !v.is_null()))
                    {
                        continue;
                    }
                    let issue = match others {
                        [one] => format!("is required when {one} is not given"),
                        _ => format!("is required when neither {} is given", others.join(" nor ")),
                    };
                    return Err(self.refuse(&join(&name, key), &Value::Null, issue));
                }
                Ok(())
            }
            Check::RequiredWith(other) if absent() && !values_at(body, other).is_empty() => {
                Err(self.refuse(self.path, &Value::Null, format!("is required with {other}")))
            }
            Check::RequiredIf(other, text) if absent() && body_text(body, other) == Some(text) => {
                Err(self.refuse(
                    self.path,
                    &Value::Null,
                    format!("is required when {other} is {text}"),
                ))
            }
            Check::RequiredWith(_) | Check::RequiredIf(..) => Ok(()),
            Check::Unique => {
                let mut seen = HashSet::new();
                for (name, value) in self.values(req, body) {
                    if !seen.insert(value.to_string()) {
                        let list = self.path.split("[]").next().unwrap_or(self.path);
                        return Err(self.refuse(&name, &value, format!("appears twice in {list}")));
                    }
                }
                Ok(())
            }
            Check::Whole(rule) => rule(body),
            _ => self
                .values(req, body)
                .into_iter()
                .try_for_each(|(name, value)| self.check_value(check, req, &name, &value)),
        }
    }

    /// `Required`: present where the parents are, of the type; a string
    /// not empty.
    fn required(&self, req: &SandboxRequest, body: &Map<String, Value>, ty: &str) -> Checked<()> {
        check_field(body, self.path, ty)?;
        if ty == "string" {
            for (name, value) in self.values(req, body) {
                text(self, &name, &value)?;
            }
        }
        Ok(())
    }

    /// One value present at the rule's place.
    fn check_value(
        &self,
        check: &Check,
        req: &SandboxRequest,
        name: &str,
        value: &Value,
    ) -> Checked<()> {
        let fails = |issue: String| Err(self.refuse(name, value, issue));
        match *check {
            Check::Type(ty) if !json_fits(value, ty) => fails(format!("must be {}", article(ty))),
            Check::Type("string") => text(self, name, value).map(drop),
            Check::Objects => {
                let Value::Array(items) = value else {
                    return fails("must be an array".into());
                };
                for (i, item) in items.iter().enumerate() {
                    if !item.is_object() {
                        let name = format!("{name}[{i}]");
                        return Err(self.refuse(&name, item, "must be an object"));
                    }
                }
                Ok(())
            }
            Check::Items(max, noun) => match value.as_array().map(Vec::len) {
                Some(n) if (1..=max).contains(&n) => Ok(()),
                Some(n) => Err(self.refuse(name, &json!(n), format!("must hold 1-{max} {noun}"))),
                None => fails("must be an array".into()),
            },
            Check::Positive => match value.as_i64() {
                Some(n) if n > 0 => Ok(()),
                Some(_) => fails("must be greater than 0".into()),
                None => fails("must be an integer".into()),
            },
            Check::AnyOf(fields) => {
                let holds = |f: &&str| value.get(*f).is_some_and(|v| !v.is_null());
                if fields.iter().any(holds) {
                    Ok(())
                } else {
                    fails(format!("needs {}", fields.join(" or ")))
                }
            }
            Check::MaxChars(max) if text(self, name, value)?.chars().count() > max => {
                fails(format!("must be at most {max} characters"))
            }
            Check::MaxBytes(max) if text(self, name, value)?.len() > max => {
                fails(format!("must be at most {max} bytes"))
            }
            Check::Signer if text(self, name, value)? != req.mchid => {
                fails("must be the merchant that signed the request".into())
            }
            Check::NotifyUrl if !is_notify_url(text(self, name, value)?) => {
                fails("must be an https URL without a query string".into())
            }
            Check::Format(accepts, rule) if !accepts(text(self, name, value)?) => {
                fails(rule.into())
            }
            Check::OneOf(texts, rule) if !texts.contains(&text(self, name, value)?) => {
                fails(rule.into())
            }
            _ => Ok(()),
        }
    }

    /// The values at the rule's place, each with its name.
    fn values<'v>(
        &self,
        req: &'v SandboxRequest,
        body: &'v Map<String, Value>,
    ) -> Vec<(String, Cow<'v, Value>)> {
        let parameter = match self.at {
            At::Body => {
                return values_at(body, self.path)
                    .into_iter()
                    .map(|(name, v)| (name, Cow::Borrowed(v)))
                    .collect();
            }
            At::Query => req.query(self.path),
            At::Path => req.param(self.path),
        };
        parameter
            .map(|v| (self.path.to_owned(), Cow::Owned(json!(v))))
            .into_iter()
            .collect()
    }

    /// The platform's refusal, located where the rule looks.
    fn refuse(&self, name: &str, value: &Value, issue: impl Into<String>) -> Reply {
        match self.at {
            At::Body => Reply::param_error(name, value, issue),
            At::Query => Reply::param_error_at("query", name, value.as_str().unwrap_or(""), issue),
            At::Path => Reply::param_error_at("path", name, value.as_str().unwrap_or(""), issue),
        }
    }
}

/// A value checked as text: a non-empty string.
fn text<'v>(rule: &Rule, name: &str, value: &'v Value) -> Checked<&'v str> {
    match value {
        Value::String(s) if s.is_empty() => Err(rule.refuse(name, value, "must not be empty")),
        Value::String(s) => Ok(s),
        _ => Err(rule.refuse(name, value, "must be a string")),
    }
}

/// `a.b.c` → (`a.b`, `c`).
fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The objects at `parent` (the body itself for the empty path).
fn holders<'b>(
    body: &'b Map<String, Value>,
    parent: &str,
) -> Vec<(String, &'b Map<String, Value>)> {
    if parent.is_empty() {
        return vec![(String::new(), body)];
    }
    values_at(body, parent)
        .into_iter()
        .filter_map(|(name, v)| v.as_object().map(|o| (name, o)))
        .collect()
}

fn body_text<'b>(body: &'b Map<String, Value>, path: &str) -> Option<&'b str> {
    values_at(body, path).first().and_then(|(_, v)| v.as_str())
}

/// Reading a body that passed its checks: by dotted path (no `[]`);
/// what is absent (or of another type) reads as empty.
pub(crate) trait ReadBody {
    /// The value at a dotted path, if present and not null.
    fn value(&self, path: &str) -> Option<&Value>;

    /// A string, or `""`.
    fn str(&self, path: &str) -> &str {
        self.opt_str(path).unwrap_or_default()
    }

    /// A string, if present.
    fn opt_str(&self, path: &str) -> Option<&str> {
        self.value(path).and_then(Value::as_str)
    }

    /// An integer, or 0.
    fn int(&self, path: &str) -> i64 {
        self.value(path).and_then(Value::as_i64).unwrap_or(0)
    }

    /// The items of an array, or none.
    fn items(&self, path: &str) -> &[Value] {
        self.value(path)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

impl ReadBody for Map<String, Value> {
    fn value(&self, path: &str) -> Option<&Value> {
        let mut keys = path.split('.');
        let first = self.get(keys.next()?)?;
        keys.try_fold(first, |v, key| v.get(key))
            .filter(|v| !v.is_null())
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
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| no_four_byte_chars(v, &join(path, k))),
        _ => Ok(()),
    }
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
    use http::{HeaderMap, Method};

    fn request(query: &[(&str, &str)]) -> SandboxRequest {
        SandboxRequest {
            method: Method::POST,
            path: "/v3/x".into(),
            params: Vec::new(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            headers: HeaderMap::new(),
            body: bytes::Bytes::new(),
            mchid: "1900000109".into(),
        }
    }

    /// The `(field, issue)` of a refusal.
    fn refusal(result: Checked<()>) -> (String, String) {
        let Err(reply) = result else {
            return (String::new(), "accepted".into());
        };
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        let detail = &body["detail"];
        (
            detail["field"].as_str().unwrap_or_default().to_owned(),
            detail["issue"].as_str().unwrap_or_default().to_owned(),
        )
    }

    fn check(rules: &[Rule], body: Value) -> Checked<()> {
        let Value::Object(body) = body else {
            unreachable!()
        };
        apply(&[rules], &request(&[]), &body)
    }

    #[test]
    fn checks_name_the_field_and_the_rule() {
        const RULES: &[Rule] = &[
            Rule::body("d", &[Check::MaxChars(3)]),
            Rule::body("amount.total", &[Check::Positive]),
            Rule::body("items", &[Check::Objects]),
            Rule::body("items[].q", &[Check::Required("integer")]),
            Rule::body("s", &[Check::Type("string")]),
            Rule::body("mchid", &[Check::Signer]),
        ];
        check(RULES, json!({"d": "中文中", "mchid": "1900000109"})).unwrap();
        let cases = [
            (
                json!({"d": "中文中文"}),
                "d",
                "must be at most 3 characters",
            ),
            (json!({"d": 3}), "d", "must be a string"),
            (
                json!({"amount": {"total": 0}}),
                "amount.total",
                "must be greater than 0",
            ),
            (
                json!({"amount": {"total": "1"}}),
                "amount.total",
                "must be an integer",
            ),
            (
                json!({"items": [{"q": 1}, 2]}),
                "items[1]",
                "must be an object",
            ),
            (
                json!({"items": [{"q": 1}, {"q": "x"}]}),
                "items[1].q",
                "must be an integer",
            ),
            (json!({"items": [{}]}), "items[0].q", "is required"),
            (json!({"s": ""}), "s", "must not be empty"),
            (
                json!({"mchid": "1900000110"}),
                "mchid",
                "must be the merchant that signed the request",
            ),
        ];
        for (body, field, issue) in cases {
            let (f, i) = refusal(check(RULES, body.clone()));
            assert_eq!((f.as_str(), i.as_str()), (field, issue), "{body}");
        }
    }

    #[test]
    fn rules_across_fields() {
        const RULES: &[Rule] = &[
            Rule::body("payer", &[Check::AnyOf(&["a", "b"])]),
            Rule::body("sub_appid", &[Check::RequiredWith("payer.b")]),
            Rule::body("bank", &[Check::RequiredIf("type", "CARD")]),
            Rule::body("c.plan", &[Check::RequiredUnless(&["token", "id"])]),
            Rule::body("list[].no", &[Check::Unique]),
        ];
        check(RULES, json!({"payer": {"a": "x"}, "c": {"token": "t"}})).unwrap();
        let cases = [
            (json!({"payer": {}}), "payer", "needs a or b"),
            (
                json!({"payer": {"b": "x"}}),
                "sub_appid",
                "is required with payer.b",
            ),
            (
                json!({"type": "CARD"}),
                "bank",
                "is required when type is CARD",
            ),
            (
                json!({"c": {}}),
                "c.plan",
                "is required when neither token nor id is given",
            ),
            (
                json!({"list": [{"no": "1"}, {"no": "1"}]}),
                "list[1].no",
                "appears twice in list",
            ),
        ];
        for (body, field, issue) in cases {
            let (f, i) = refusal(check(RULES, body.clone()));
            assert_eq!((f.as_str(), i.as_str()), (field, issue), "{body}");
        }
    }

    #[test]
    fn query_rules_are_located_in_the_query() {
        const RULES: &[Rule] = &[Rule::query("mchid", &[Check::Signer])];
        let reply = apply(&[RULES], &request(&[("mchid", "1")]), &Map::new()).unwrap_err();
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body["detail"]["location"], "query");
        assert_eq!(body["detail"]["field"], "mchid");
        apply(&[RULES], &request(&[("mchid", "1900000109")]), &Map::new()).unwrap();
    }

    #[test]
    fn a_checked_body_reads_by_path() {
        let body = json!({"a": {"b": 1, "s": "x"}, "l": [1, 2], "n": null});
        let body = body.as_object().unwrap();
        assert_eq!(body.int("a.b"), 1);
        assert_eq!(body.str("a.s"), "x");
        assert_eq!(body.str("a.missing"), "");
        assert_eq!(body.opt_str("n"), None);
        assert_eq!(body.items("l").len(), 2);
        assert!(body.items("a").is_empty());
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
    fn refund_numbers() {
        assert!(is_refund_no("R@1|2*3-4_5"));
        assert!(!is_refund_no(""));
        assert!(!is_refund_no("R 1"));
        assert!(!is_refund_no(&"x".repeat(65)));
    }
}
