//! Names from URLs: xtask/README.md, "Names", rules 1–4.
//!
//! 1. Module: `v3` and every literal segment but the last, snake_case;
//!    `{params}` skipped.
//! 2. Type: the last literal segment in PascalCase.
//! 3. Several operations on one `module::Type`: every one of them gets its
//!    HTTP method as prefix (`PostRefunds`, `GetRefunds`); where that still
//!    clashes, `By` and the PascalCase names of its path parameters are
//!    appended (`GetStoresByBrandId`).
//! 4. Client method: `#[endpoint]`'s own rule over the HTTP method and the
//!    URL (`wxpay-macros/src/case.rs`, compiled in here): the method in lower
//!    case, then every segment after `/v3/` in snake_case, joined with `_`;
//!    a `{parameter}` is written as its name, left out where it repeats the
//!    segment before it. No operation is named otherwise; two operations
//!    that the rule names alike are an error.
//!
//! Rust keywords become raw identifiers (`r#return`); `self`, `super`,
//! `crate` and `Self`, which cannot be raw, get a `_` suffix (modules,
//! methods) or `Value` suffix (types).

use std::collections::BTreeMap;

/// The names one operation gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Module path as Rust identifiers, starting with `v3` (`["v3", "pay", "transactions"]`).
    pub module: Vec<String>,
    /// The request type (`JsapiWithContract`).
    pub type_name: String,
    /// The client method (`jsapi_with_contract`, `partner_jsapi_with_contract`).
    pub method: String,
    /// The module, inside `module`, that holds the operation's nested models
    /// (`jsapi_with_contract`).
    pub models: String,
}

impl Names {
    /// `v3::pay::transactions::JsapiWithContract`
    pub fn full_type(&self) -> String {
        format!("{}::{}", self.module.join("::"), self.type_name)
    }
}

/// Methods of `Client` itself: an extension method of the same name would
/// be shadowed by them.
pub const CLIENT_METHODS: [&str; 28] = [
    "apiv3_key",
    "app_pay_params",
    "base_url",
    "builder",
    "call",
    "call_with",
    "clone",
    "credentials",
    "decrypt_sensitive",
    "download",
    "download_bill",
    "download_encrypted_bill",
    "download_url",
    "execute",
    "fmt",
    "jsapi_pay_params",
    "key_store",
    "mchid",
    "open_notification",
    "parse_notification",
    "parse_notification_request",
    "platform_key",
    "platform_keys_status",
    "preferred_platform_serial",
    "refresh_platform_certificates",
    "request_json",
    "send",
    "verify_signature",
];

const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

const NOT_RAW: [&str; 4] = ["self", "Self", "super", "crate"];

/// A Rust identifier for `name` (already snake or Pascal case): keywords
/// become raw identifiers, those that cannot be raw get a `_` suffix.
pub fn ident(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) || name == "gen" {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// `r#type` → `type`.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// `jsapi-with-contract` / `video_upload` / `a.b` → `JsapiWithContract` / `VideoUpload` / `AB`.
/// Characters other than ASCII letters and digits separate words; a name
/// starting with a digit gets a `V` prefix.
pub fn pascal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `jsapi-with-contract` → `jsapi_with_contract` (no keyword handling).
pub fn snake(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The snake_case `#[endpoint]` derives from a type name: the macro's own
/// rule, compiled from its source (`QueryByID` → `query_by_id`, `Apply4Sub`
/// → `apply4_sub`).
#[path = "../../wxpay-macros/src/case.rs"]
mod case;
pub use case::method_name;
pub use case::snake_case as snake_of_pascal;

fn type_ident(name: String) -> String {
    if name == "Self" {
        "SelfValue".into()
    } else {
        name
    }
}

/// Names every operation; `ops` are `(METHOD, path)`. Fails when the rules
/// leave two operations with one `module::Type` or one client method.
///
/// Long by design: rules 1 to 4 (xtask/README.md, "Names") applied in
/// turn, each pass over all operations, so a rule reads as written.
pub fn assign(ops: &[(&str, &str)]) -> Result<Vec<Names>, String> {
    struct Draft {
        module: Vec<String>,
        base: String,
        params: Vec<String>,
        method: String,
    }
    let mut drafts = Vec::with_capacity(ops.len());
    for (method, path) in ops {
        let mut literals = Vec::new();
        let mut params = Vec::new();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => params.push(p.to_owned()),
                None => literals.push(seg.to_owned()),
            }
        }
        if literals.first().map(String::as_str) != Some("v3") || literals.len() < 2 {
            return Err(format!(
                "{method} {path}: expected `/v3/` and at least one more literal segment"
            ));
        }
        let last = literals.pop().unwrap_or_default();
        drafts.push(Draft {
            module: literals.iter().map(|s| ident(&snake(s))).collect(),
            base: type_ident(pascal(&last)),
            params,
            method: method.to_ascii_uppercase(),
        });
    }

    // Rule 3: method prefix for every member of a clashing group, then `By…`.
    let mut types: Vec<String> = drafts.iter().map(|d| d.base.clone()).collect();
    let mut groups: BTreeMap<(Vec<String>, String), Vec<usize>> = BTreeMap::new();
    for (i, d) in drafts.iter().enumerate() {
        groups
            .entry((d.module.clone(), d.base.clone()))
            .or_default()
            .push(i);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            let d = &drafts[i];
            types[i] = format!("{}{}", pascal(&d.method.to_ascii_lowercase()), d.base);
        }
        let mut sub: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in members {
            sub.entry(types[i].clone()).or_default().push(i);
        }
        for still in sub.values().filter(|m| m.len() > 1) {
            for &i in still {
                if !drafts[i].params.is_empty() {
                    let by: String = drafts[i].params.iter().map(|p| pascal(p)).collect();
                    types[i] = format!("{}By{by}", types[i]);
                }
            }
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, d) in drafts.iter().enumerate() {
        let full = format!("{}::{}", d.module.join("::"), types[i]);
        if let Some(&j) = seen.get(&full) {
            return Err(format!(
                "`{full}` names both {} {} and {} {}",
                ops[j].0, ops[j].1, ops[i].0, ops[i].1
            ));
        }
        seen.insert(full, i);
    }

    // Rule 4: the macro's rule, unique across the catalogue.
    let methods: Vec<String> = ops
        .iter()
        .map(|(method, path)| case::method_name(method, path))
        .collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, m) in methods.iter().enumerate() {
        if let Some(&j) = seen.get(m.as_str()) {
            return Err(format!(
                "client method `{m}` names both {} {} and {} {}",
                ops[j].0, ops[j].1, ops[i].0, ops[i].1
            ));
        }
        if CLIENT_METHODS.contains(&m.as_str()) {
            return Err(format!(
                "client method `{m}` ({} {}) is one of Client's own",
                ops[i].0, ops[i].1
            ));
        }
        seen.insert(m, i);
    }

    Ok(drafts
        .into_iter()
        .zip(types)
        .zip(methods)
        .map(|((d, t), m)| Names {
            module: d.module,
            models: ident(&snake_of_pascal(&t)),
            type_name: t,
            method: m,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ops: &[(&str, &str)]) -> Vec<(String, String)> {
        assign(ops)
            .unwrap()
            .into_iter()
            .map(|n| (n.full_type(), n.method))
            .collect()
    }

    #[test]
    fn the_seed_and_its_partner_twin() {
        let got = names(&[
            ("POST", "/v3/pay/transactions/jsapi-with-contract"),
            ("POST", "/v3/pay/partner/transactions/jsapi-with-contract"),
        ]);
        assert_eq!(
            got,
            [
                (
                    "v3::pay::transactions::JsapiWithContract".into(),
                    "post_pay_transactions_jsapi_with_contract".into()
                ),
                (
                    "v3::pay::partner::transactions::JsapiWithContract".into(),
                    "post_pay_partner_transactions_jsapi_with_contract".into()
                ),
            ]
        );
    }

    #[test]
    fn path_parameters_are_skipped_and_last_literal_is_the_type() {
        let n = assign(&[
            ("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}"),
            (
                "POST",
                "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            ),
        ])
        .unwrap();
        assert_eq!(n[0].full_type(), "v3::pay::transactions::OutTradeNo");
        assert_eq!(n[0].models, "out_trade_no");
        assert_eq!(
            n[1].full_type(),
            "v3::pay::transactions::out_trade_no::Close"
        );
        assert_eq!(n[0].method, "get_pay_transactions_out_trade_no");
        assert_eq!(n[1].method, "post_pay_transactions_out_trade_no_close");
    }

    #[test]
    fn refunds_get_method_prefixes() {
        let got = names(&[
            ("POST", "/v3/refund/domestic/refunds"),
            ("GET", "/v3/refund/domestic/refunds/{out_refund_no}"),
        ]);
        assert_eq!(got[0].0, "v3::refund::domestic::PostRefunds");
        assert_eq!(got[0].1, "post_refund_domestic_refunds");
        assert_eq!(got[1].0, "v3::refund::domestic::GetRefunds");
        assert_eq!(got[1].1, "get_refund_domestic_refunds_out_refund_no");
    }

    #[test]
    fn same_method_clash_appends_by_and_parameters() {
        let got = names(&[
            ("GET", "/v3/shops/{brand_id}/stores"),
            ("GET", "/v3/shops/stores"),
            ("POST", "/v3/shops/stores"),
        ]);
        assert_eq!(got[0].0, "v3::shops::GetStoresByBrandId");
        assert_eq!(got[1].0, "v3::shops::GetStores");
        assert_eq!(got[2].0, "v3::shops::PostStores");
    }

    #[test]
    fn unresolvable_clashes_fail_loudly() {
        let err = assign(&[("GET", "/v3/a/{x}/b"), ("GET", "/v3/a/{x}/b/")]).unwrap_err();
        assert!(err.contains("v3::a::GetBByX"), "{err}");
    }

    #[test]
    fn method_names_are_unique_across_the_catalogue() {
        let got = names(&[
            (
                "POST",
                "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            ),
            (
                "POST",
                "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
            ),
            (
                "POST",
                "/v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close",
            ),
        ]);
        let methods: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            methods,
            [
                "post_pay_transactions_out_trade_no_close",
                "post_pay_partner_transactions_out_trade_no_close",
                "post_combine_transactions_out_trade_no_combine_out_trade_no_close"
            ]
        );
    }

    #[test]
    fn two_operations_the_rule_names_alike_fail_loudly() {
        let err = assign(&[("GET", "/v3/a/b-c"), ("GET", "/v3/a/b/c")]).unwrap_err();
        assert!(err.contains("client method `get_a_b_c`"), "{err}");
    }

    #[test]
    fn client_methods_are_not_shadowed() {
        let got = names(&[("POST", "/v3/tools/call")]);
        assert_eq!(got[0].1, "post_tools_call");
    }

    #[test]
    fn keywords_and_odd_segments() {
        let n = assign(&[
            ("POST", "/v3/marketing/return/use"),
            ("GET", "/v3/merchant/media/video_upload"),
            ("POST", "/v3/x/try/self"),
            ("GET", "/v3/ecommerce/applyments/"),
        ])
        .unwrap();
        assert_eq!(n[0].module, ["v3", "marketing", "r#return"]);
        assert_eq!(n[0].type_name, "Use");
        assert_eq!(n[0].method, "post_marketing_return_use");
        assert_eq!(n[0].models, "r#use");
        assert_eq!(n[1].full_type(), "v3::merchant::media::VideoUpload");
        assert_eq!(n[1].method, "get_merchant_media_video_upload");
        assert_eq!(n[2].module, ["v3", "x", "r#try"]);
        assert_eq!(n[2].type_name, "SelfValue");
        assert_eq!(n[2].method, "post_x_try_self");
        assert_eq!(n[3].full_type(), "v3::ecommerce::Applyments");
    }

    #[test]
    fn case_helpers() {
        assert_eq!(pascal("jsapi-with-contract"), "JsapiWithContract");
        assert_eq!(pascal("h5"), "H5");
        assert_eq!(pascal("4k"), "V4k");
        assert_eq!(snake("fund-app"), "fund_app");
        assert_eq!(snake("subMchid"), "sub_mchid");
        assert_eq!(snake("Wechatpay-Serial"), "wechatpay_serial");
        assert_eq!(snake("1st"), "_1st");
        assert_eq!(snake_of_pascal("QueryByID"), "query_by_id");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
    }
}
