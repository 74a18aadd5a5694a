//! Names from URLs: ARCHITECTURE.md's "Naming endpoints", rules 1–4.
//!
//! 1. Module: `v3` and every literal segment but the last, snake_case;
//!    `{params}` skipped.
//! 2. Type: the last literal segment in PascalCase.
//! 3. Several operations on one `module::Type`: every one of them gets its
//!    HTTP method as prefix (`PostRefunds`, `GetRefunds`); where that still
//!    clashes, `By` and the PascalCase names of its path parameters are
//!    appended (`GetStoresByBrandId`).
//! 4. Client method: the type in snake_case; where several operations would
//!    get the same method, each is prefixed with its module segments that are
//!    not shared by all of them (`jsapi_with_contract`,
//!    `partner_jsapi_with_contract`). Where that still clashes (or the name is
//!    one of `Client`'s own methods), the whole module path but `v3` is the
//!    prefix.
//!
//! Rust keywords become raw identifiers (`r#return`); `self`, `super`,
//! `crate` and `Self`, which cannot be raw, get a `_` suffix (modules,
//! methods) or `Value` suffix (types).

use std::collections::{BTreeMap, BTreeSet};

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
pub use case::snake_case as snake_of_pascal;

fn type_ident(name: String) -> String {
    if name == "Self" {
        "SelfValue".into()
    } else {
        name
    }
}

/// How rule 4 prefixes client methods that several operations share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodPrefix {
    /// Every module segment not shared by all operations of the name
    /// (ARCHITECTURE.md's wording, applied to the whole catalogue).
    Literal,
    /// The nearest module segment that sets an operation apart from its
    /// closest namesakes, found recursively (the default; see [`nearest`]).
    Nearest,
}

/// The `Literal` prefixes of a clashing group: each operation's module
/// segments that not all of the group share, in URL order.
fn not_shared(members: &[usize], modules: &[Vec<String>]) -> Vec<(usize, Vec<String>)> {
    let mut shared: BTreeSet<&str> = BTreeSet::new();
    if let Some(first) = members.first() {
        shared = modules[*first].iter().map(String::as_str).collect();
    }
    for &i in members {
        let these: BTreeSet<&str> = modules[i].iter().map(String::as_str).collect();
        shared = shared.intersection(&these).copied().collect();
    }
    members
        .iter()
        .map(|&i| {
            let prefix = modules[i]
                .iter()
                .filter(|s| !shared.contains(s.as_str()))
                .map(|s| unraw(s).to_owned())
                .collect();
            (i, prefix)
        })
        .collect()
}

/// The `Nearest` prefixes: operations sharing a name are split by the
/// nearest module segment (walking from the type towards `v3`) that not all
/// of them share; an operation alone in its part takes that segment, a
/// part of several is split again the same way (its members' own nearest
/// segment replacing the shared one), and an operation whose module holds
/// nothing the others lack keeps the bare name. So
/// `/v3/pay/transactions/id/{…}` stays `id` and
/// `/v3/pay/partner/transactions/id/{…}` becomes `partner_id`, whatever
/// else in the catalogue is called `id`.
fn nearest(
    members: &[usize],
    modules: &[Vec<String>],
    chosen: &mut BTreeMap<usize, Option<String>>,
) {
    if members.len() < 2 {
        return;
    }
    let sets: Vec<BTreeSet<&str>> = members
        .iter()
        .map(|&i| modules[i].iter().map(String::as_str).collect())
        .collect();
    let mut shared = sets[0].clone();
    for s in &sets[1..] {
        shared = shared.intersection(s).copied().collect();
    }
    let mut parts: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for &i in members {
        let c = modules[i]
            .iter()
            .rev()
            .find(|s| !shared.contains(s.as_str()))
            .cloned();
        parts.entry(c).or_default().push(i);
    }
    if parts.len() == 1 {
        // Nothing tells them apart (the same segments): left to the fallback.
        return;
    }
    for (c, part) in parts {
        for &i in &part {
            chosen.insert(i, c.clone());
        }
        nearest(&part, modules, chosen);
    }
}

/// Names every operation with the default rule-4 prefixes (tests).
#[cfg(test)]
pub fn assign(ops: &[(&str, &str)]) -> Result<Vec<Names>, String> {
    assign_with(ops, MethodPrefix::Nearest)
}

/// Names every operation; `ops` are `(METHOD, path)`. Fails when the rules
/// leave two operations with one `module::Type` or one client method.
pub fn assign_with(ops: &[(&str, &str)], style: MethodPrefix) -> Result<Vec<Names>, String> {
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

    // Rule 4: client methods unique across the catalogue.
    let modules: Vec<Vec<String>> = drafts.iter().map(|d| d.module.clone()).collect();
    let bases: Vec<String> = types.iter().map(|t| snake_of_pascal(t)).collect();
    let mut methods = bases.clone();
    let mut by_method: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, m) in bases.iter().enumerate() {
        by_method.entry(m.clone()).or_default().push(i);
    }
    for members in by_method.values().filter(|m| m.len() > 1) {
        match style {
            MethodPrefix::Literal => {
                for (i, prefix) in not_shared(members, &modules) {
                    methods[i] = join_method(&prefix, &bases[i]);
                }
            }
            MethodPrefix::Nearest => {
                let mut chosen: BTreeMap<usize, Option<String>> = BTreeMap::new();
                nearest(members, &modules, &mut chosen);
                for (i, c) in chosen {
                    let prefix: Vec<&str> = c.iter().map(|s| unraw(s)).collect();
                    methods[i] = join_method(&prefix, &bases[i]);
                }
            }
        }
    }
    // Still clashing: those take the segments not shared by all of them.
    if style == MethodPrefix::Nearest {
        let mut clash: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, m) in methods.iter().enumerate() {
            clash.entry(m.clone()).or_default().push(i);
        }
        for members in clash.values().filter(|m| m.len() > 1) {
            for (i, prefix) in not_shared(members, &modules) {
                methods[i] = join_method(&prefix, &bases[i]);
            }
        }
    }
    // Fallback: still clashing, or shadowed by one of `Client`'s own methods.
    for _ in 0..2 {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for m in &methods {
            *count.entry(m.as_str()).or_default() += 1;
        }
        let redo: Vec<usize> = (0..methods.len())
            .filter(|&i| {
                count.get(methods[i].as_str()).copied().unwrap_or(0) > 1
                    || CLIENT_METHODS.contains(&methods[i].as_str())
            })
            .collect();
        if redo.is_empty() {
            break;
        }
        for i in redo {
            let prefix: Vec<&str> = drafts[i].module.iter().skip(1).map(|s| unraw(s)).collect();
            methods[i] = join_method(&prefix, &bases[i]);
        }
    }
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
            method: ident(&m),
        })
        .collect())
}

fn join_method<S: AsRef<str>>(prefix: &[S], base: &str) -> String {
    let mut parts: Vec<&str> = prefix.iter().map(AsRef::as_ref).collect();
    parts.push(base);
    parts.join("_")
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
                    "jsapi_with_contract".into()
                ),
                (
                    "v3::pay::partner::transactions::JsapiWithContract".into(),
                    "partner_jsapi_with_contract".into()
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
        assert_eq!(n[1].method, "close");
    }

    #[test]
    fn refunds_get_method_prefixes() {
        let got = names(&[
            ("POST", "/v3/refund/domestic/refunds"),
            ("GET", "/v3/refund/domestic/refunds/{out_refund_no}"),
        ]);
        assert_eq!(got[0].0, "v3::refund::domestic::PostRefunds");
        assert_eq!(got[0].1, "post_refunds");
        assert_eq!(got[1].0, "v3::refund::domestic::GetRefunds");
        assert_eq!(got[1].1, "get_refunds");
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
            ["close", "partner_close", "combine_transactions_close"]
        );
    }

    #[test]
    fn nearest_prefixes_stay_short_in_large_families() {
        let ops = [
            (
                "POST",
                "/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program",
            ),
            (
                "POST",
                "/v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program",
            ),
            (
                "POST",
                "/v3/papay/sign/contracts/pre-entrust-sign/mini-program",
            ),
            ("GET", "/v3/pay/transactions/id/{transaction_id}"),
            ("GET", "/v3/pay/partner/transactions/id/{transaction_id}"),
            ("GET", "/v3/combine-transactions/id/{id}"),
        ];
        let methods: Vec<String> = assign(&ops)
            .unwrap()
            .into_iter()
            .map(|n| n.method)
            .collect();
        assert_eq!(
            methods,
            [
                "qs_mini_program",
                "normal_mini_program",
                "sign_mini_program",
                "id",
                "partner_id",
                "combine_transactions_id"
            ]
        );
        // The literal wording of rule 4 over the same catalogue.
        let methods: Vec<String> = assign_with(&ops, MethodPrefix::Literal)
            .unwrap()
            .into_iter()
            .map(|n| n.method)
            .collect();
        assert_eq!(
            methods,
            [
                "password_exempt_contract_qs_mini_program",
                "password_exempt_contract_normal_mini_program",
                "papay_sign_mini_program",
                "pay_transactions_id",
                "pay_partner_transactions_id",
                "combine_transactions_id"
            ]
        );
    }

    #[test]
    fn bare_names_that_meet_again_take_the_literal_prefix() {
        // Both are the bare `close` of their family: they clash again.
        let ops = [
            ("POST", "/v3/a/x/close"),
            ("POST", "/v3/a/y/x/close"),
            ("POST", "/v3/b/z/close"),
            ("POST", "/v3/b/w/z/close"),
        ];
        let methods: Vec<String> = assign(&ops)
            .unwrap()
            .into_iter()
            .map(|n| n.method)
            .collect();
        assert_eq!(methods, ["a_x_close", "y_close", "b_z_close", "w_close"]);
    }

    #[test]
    fn a_prefix_that_still_clashes_falls_back_to_the_whole_module() {
        // `pp_x` (prefixed twin of `q_x`) is also the base name of `PpX`.
        let got = names(&[
            ("GET", "/v3/pp/x"),
            ("GET", "/v3/q/x"),
            ("GET", "/v3/z/pp-x"),
        ]);
        let methods: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(methods, ["pp_x", "q_x", "z_pp_x"]);
    }

    #[test]
    fn client_methods_are_not_shadowed() {
        let got = names(&[("POST", "/v3/tools/call")]);
        assert_eq!(got[0].1, "tools_call");
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
        assert_eq!(n[0].method, "r#use");
        assert_eq!(n[0].models, "r#use");
        assert_eq!(n[1].full_type(), "v3::merchant::media::VideoUpload");
        assert_eq!(n[1].method, "video_upload");
        assert_eq!(n[2].module, ["v3", "x", "r#try"]);
        assert_eq!(n[2].type_name, "SelfValue");
        assert_eq!(n[2].method, "self_value");
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
