//! The attribute's arguments: `#[endpoint(METHOD, "/path", option = value, flag, …)]`.
//!
//! Two steps. Syntax: a comma-separated list of [`Arg`]s (a word, a string,
//! `name = value`, or anything else up to the next comma), parsed by syn.
//! Meaning: [`Attr`], which word is the method, which string the path,
//! what each option and flag says. Mistakes of meaning are recorded and
//! reading goes on, so one build reports them all; how the arguments fit
//! together (a `download` with a `response`, …) is for `check`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token, Type};

use crate::errors::Errors;

/// The HTTP methods an endpoint may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The name as written in the attribute and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Whether the request has a JSON body; otherwise every field that is
    /// not a path parameter goes to the query.
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }

    /// "GET, POST, PUT, PATCH, DELETE", for messages.
    fn listing() -> String {
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
        names.join(", ")
    }
}

/// The options after the method and path.
const OPTIONS: [&str; 3] = ["response", "crate", "method_name"];

/// The flags (bare words) after the method and path.
const FLAGS: [&str; 2] = ["upload", "download"];

/// The options of an APIv2 endpoint (`#[endpoint(v2, …)]`).
const V2_OPTIONS: [&str; 4] = ["response", "crate", "method_name", "sign_types"];

/// The flags of an APIv2 endpoint (`download` is both versions' flag).
const V2_FLAGS: [&str; 3] = ["mutual_tls", "unsigned_answer", "download"];

/// The values `sign_types` may list.
pub const SIGN_TYPES: [&str; 2] = ["MD5", "HMAC-SHA256"];

/// What the attribute said, as far as it could be understood.
#[derive(Default)]
pub struct Attr {
    /// The first word as written, also when it is no method: a broken
    /// declaration still names its client method after it.
    pub word: Option<Ident>,
    /// The HTTP method, when the first word is one.
    pub method: Option<Method>,
    /// The path literal.
    pub path: Option<LitStr>,
    /// `response = T`.
    pub response: Option<Type>,
    /// `crate = "path"`.
    pub krate: Option<syn::Path>,
    /// `method_name = ident`.
    pub method_name: Option<Ident>,
    /// The `upload` flag: a multipart media upload.
    pub upload: Option<Span>,
    /// The `download` flag: the answer is an unsigned file (APIv2: a bill,
    /// CSV or GZIP, or an `<xml>` refusal).
    pub download: Option<Span>,
    /// `v2` before the method: an APIv2 endpoint.
    pub v2: Option<Span>,
    /// APIv2 `mutual_tls`: the API certificate goes on the connection.
    pub mutual_tls: Option<Span>,
    /// APIv2 `unsigned_answer`: the platform does not sign the answer.
    pub unsigned_answer: Option<Span>,
    /// APIv2 `sign_types = "MD5, HMAC-SHA256"`, as read (valid names only).
    pub sign_types: Option<(LitStr, Vec<String>)>,
}

impl Attr {
    /// The path of the core crate in generated code.
    pub fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(path) => path.to_token_stream(),
            None => quote!(::wxpay_core),
        }
    }

    /// The core crate's path as rustdoc links write it.
    pub fn krate_for_docs(&self) -> String {
        match &self.krate {
            Some(path) => path.to_token_stream().to_string().replace(' ', ""),
            None => "wxpay_core".to_owned(),
        }
    }

    /// The type a 2xx answer decodes into: `response`, or `()` (APIv2:
    /// serde's `IgnoredAny`, which takes any fields).
    pub fn response(&self) -> TokenStream {
        match &self.response {
            Some(ty) => ty.to_token_stream(),
            None if self.v2.is_some() => {
                let krate = self.krate();
                quote!(#krate::__private::serde::de::IgnoredAny)
            }
            None => quote!(()),
        }
    }
}

/// One comma-separated argument, before interpretation.
enum Arg {
    Word(Ident),
    Str(LitStr),
    Pair { name: Ident, value: Value },
    Other(TokenStream),
}

/// What follows `name =`.
enum Value {
    Str(LitStr),
    Type(Box<Type>),
    /// Anything else up to the next comma; empty when nothing follows `=`.
    Other(TokenStream),
}

impl Value {
    fn span(&self) -> Span {
        match self {
            Value::Str(s) => s.span(),
            Value::Type(ty) => ty.span(),
            Value::Other(tokens) => tokens.span(),
        }
    }
}

fn at_item_end(input: ParseStream<'_>) -> bool {
    input.is_empty() || input.peek(Token![,])
}

/// The tokens up to the next comma, for what fits no other shape.
fn rest_of_item(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !at_item_end(input) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let fork = input.fork();
            let lit: LitStr = fork.parse()?;
            if at_item_end(&fork) {
                input.advance_to(&fork);
                return Ok(Arg::Str(lit));
            }
        } else if input.peek(Ident::peek_any) {
            let fork = input.fork();
            let name = fork.call(Ident::parse_any)?;
            if at_item_end(&fork) {
                input.advance_to(&fork);
                return Ok(Arg::Word(name));
            }
            if fork.peek(Token![=]) {
                fork.parse::<Token![=]>()?;
                let value = fork.parse()?;
                input.advance_to(&fork);
                return Ok(Arg::Pair { name, value });
            }
        }
        rest_of_item(input).map(Arg::Other)
    }
}

impl Parse for Value {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let fork = input.fork();
        if let Ok(lit) = fork.parse::<LitStr>() {
            if at_item_end(&fork) {
                input.advance_to(&fork);
                return Ok(Value::Str(lit));
            }
        }
        // A type may hold commas (`Map<K, V>`), so it is tried whole first.
        let fork = input.fork();
        if let Ok(ty) = fork.parse::<Type>() {
            if at_item_end(&fork) {
                input.advance_to(&fork);
                return Ok(Value::Type(Box::new(ty)));
            }
        }
        rest_of_item(input).map(Value::Other)
    }
}

fn arg_span(arg: &Arg) -> Span {
    match arg {
        Arg::Word(word) => word.span(),
        Arg::Str(lit) => lit.span(),
        Arg::Pair { name, .. } => name.span(),
        Arg::Other(tokens) => tokens.span(),
    }
}

/// Reads the attribute's arguments, recording every mistake in `errors`.
pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Attr {
    let mut attr = Attr::default();
    let args = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(args) => args,
        Err(e) => {
            errors.push(e);
            return attr;
        }
    };
    let mut args = args.into_iter().peekable();
    if let Some(Arg::Word(word)) = args.peek() {
        if word == "v2" {
            attr.v2 = Some(word.span());
            args.next();
        }
    }
    let Some(first) = args.next() else {
        errors.error(
            Span::call_site(),
            "expected the HTTP method and path, e.g. `#[endpoint(POST, \"/v3/pay/transactions/jsapi\")]`",
        );
        return attr;
    };
    attr.read_method(first, errors);
    if attr.path.is_none() {
        attr.read_path(args.next(), errors);
    }
    let mut seen = Vec::new();
    for arg in args {
        match arg {
            Arg::Word(flag) => attr.read_flag(&flag, &mut seen, errors),
            Arg::Pair { name, value } => attr.read_option(&name, &value, &mut seen, errors),
            other => errors.error(
                arg_span(&other),
                format!(
                    "expected `option = value` or a flag here; {}",
                    listing(attr.v2.is_some())
                ),
            ),
        }
    }
    attr
}

impl Attr {
    /// The first argument: the method (a path there is taken, and reported).
    fn read_method(&mut self, first: Arg, errors: &mut Errors) {
        match first {
            Arg::Word(word) => {
                let name = word.to_string();
                match Method::from_name(&name) {
                    Some(method) => self.method = Some(method),
                    None if Method::from_name(&name.to_ascii_uppercase()).is_some() => {
                        errors.error(
                            word.span(),
                            format!(
                                "write the HTTP method in upper case: `{}`",
                                name.to_ascii_uppercase()
                            ),
                        );
                    }
                    None => errors.error(
                        word.span(),
                        format!(
                            "unknown HTTP method `{name}`; expected one of {}",
                            Method::listing()
                        ),
                    ),
                }
                self.word = Some(word);
            }
            Arg::Str(lit) => {
                errors.error(
                    lit.span(),
                    format!(
                        "expected the HTTP method first, e.g. `#[endpoint(POST, {:?})]`",
                        lit.value()
                    ),
                );
                self.path = Some(lit);
            }
            other => errors.error(
                arg_span(&other),
                format!(
                    "expected the HTTP method first: one of {}",
                    Method::listing()
                ),
            ),
        }
    }

    /// The second argument: the path literal.
    fn read_path(&mut self, second: Option<Arg>, errors: &mut Errors) {
        match second {
            Some(Arg::Str(lit)) => self.path = Some(lit),
            Some(other) => errors.error(
                arg_span(&other),
                "expected the path as a string literal after the method, e.g. \"/v3/pay/transactions/jsapi\"",
            ),
            None => errors.error(
                Span::call_site(),
                "expected the path after the method, e.g. `#[endpoint(GET, \"/v3/certificates\")]`",
            ),
        }
    }

    /// A bare word after the path: one of [`FLAGS`].
    fn read_flag(&mut self, flag: &Ident, seen: &mut Vec<String>, errors: &mut Errors) {
        let key = flag.to_string();
        let v2 = self.v2.is_some();
        if let Some(message) = other_version(&key, v2) {
            errors.error(flag.span(), message);
        } else if !flags(v2).contains(&key.as_str()) {
            errors.error(
                flag.span(),
                format!("unknown flag `{key}`{}; {}", hint(&key, v2), listing(v2)),
            );
        } else if seen.contains(&key) {
            errors.error(
                flag.span(),
                format!("flag `{key}` is given twice; keep one"),
            );
        } else {
            match key.as_str() {
                "upload" => self.upload = Some(flag.span()),
                "download" => self.download = Some(flag.span()),
                "mutual_tls" => self.mutual_tls = Some(flag.span()),
                _ => self.unsigned_answer = Some(flag.span()),
            }
            seen.push(key);
        }
    }

    /// `name = value` after the path: one of [`OPTIONS`].
    fn read_option(
        &mut self,
        name: &Ident,
        value: &Value,
        seen: &mut Vec<String>,
        errors: &mut Errors,
    ) {
        let key = name.to_string();
        let v2 = self.v2.is_some();
        if FLAGS.contains(&key.as_str()) || V2_FLAGS.contains(&key.as_str()) {
            errors.error(
                name.span(),
                format!("`{key}` is a flag and takes no value: write `{key}` alone"),
            );
            // Taken as given, so the fields are not also reported.
            self.read_flag(name, seen, errors);
            return;
        }
        if let Some(message) = other_version(&key, v2) {
            errors.error(name.span(), message);
            return;
        }
        if !options(v2).contains(&key.as_str()) {
            errors.error(
                name.span(),
                format!("unknown option `{key}`{}; {}", hint(&key, v2), listing(v2)),
            );
            return;
        }
        if seen.contains(&key) {
            errors.error(
                name.span(),
                format!("option `{key}` is given twice; keep one"),
            );
            return;
        }
        seen.push(key.clone());
        if let Value::Other(tokens) = value {
            if tokens.is_empty() {
                errors.error(
                    name.span(),
                    format!("option `{key}` needs a value after `=`"),
                );
                return;
            }
        }
        match key.as_str() {
            "response" => self.read_response(value, errors),
            "crate" => self.read_crate(value, errors),
            "sign_types" => self.read_sign_types(value, errors),
            _ => self.read_method_name(value, errors),
        }
    }

    fn read_response(&mut self, value: &Value, errors: &mut Errors) {
        match value {
            Value::Type(ty) => self.response = Some(Type::clone(ty)),
            Value::Str(lit) => errors.error(
                lit.span(),
                format!(
                    "`response` takes a type, not a string: write `response = {}`",
                    lit.value()
                ),
            ),
            Value::Other(tokens) => errors.error(
                tokens.span(),
                format!(
                    "`response` must be a type, e.g. `response = PrepayResponse`; found `{tokens}`"
                ),
            ),
        }
    }

    fn read_crate(&mut self, value: &Value, errors: &mut Errors) {
        match value {
            Value::Str(lit) if lit.parse::<syn::Path>().is_ok() => {
                self.krate = lit.parse::<syn::Path>().ok();
            }
            _ => errors.error(
                value.span(),
                "`crate` takes the path of the core crate as a string, e.g. `crate = \"::my_wxpay\"`",
            ),
        }
    }

    /// `sign_types = "MD5, HMAC-SHA256"`: known names, each once, at least one.
    fn read_sign_types(&mut self, value: &Value, errors: &mut Errors) {
        let Value::Str(lit) = value else {
            errors.error(
                value.span(),
                "`sign_types` takes a string listing sign types, e.g. `sign_types = \"MD5\"` or `sign_types = \"HMAC-SHA256, MD5\"`",
            );
            return;
        };
        let mut names: Vec<String> = Vec::new();
        for name in lit.value().split(',').map(str::trim) {
            if !SIGN_TYPES.contains(&name) {
                let close = SIGN_TYPES
                    .iter()
                    .find(|t| t.eq_ignore_ascii_case(name) || edit_distance(t, name) <= 2);
                let hint = close.map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
                errors.error(
                    lit.span(),
                    format!(
                        "unknown sign type `{name}` in `sign_types`{hint}; sign types are: {}",
                        SIGN_TYPES.join(", ")
                    ),
                );
            } else if names.iter().any(|n| n == name) {
                errors.error(
                    lit.span(),
                    format!("sign type `{name}` is listed twice in `sign_types`; keep one"),
                );
            } else {
                names.push(name.to_owned());
            }
        }
        self.sign_types = Some((lit.clone(), names));
    }

    fn read_method_name(&mut self, value: &Value, errors: &mut Errors) {
        match value {
            Value::Type(ty) if ident_of(ty).is_some() => self.method_name = ident_of(ty),
            _ => errors.error(
                value.span(),
                "`method_name` takes an identifier, e.g. `method_name = close_partner_order`",
            ),
        }
    }
}

/// The identifier a type is, when it is a lone one (`close_partner_order`).
fn ident_of(ty: &Type) -> Option<Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        _ => None,
    }
}

fn options(v2: bool) -> &'static [&'static str] {
    if v2 { &V2_OPTIONS } else { &OPTIONS }
}

fn flags(v2: bool) -> &'static [&'static str] {
    if v2 { &V2_FLAGS } else { &FLAGS }
}

/// The message for an option or flag of the other protocol version (`v2`
/// says which this endpoint is), or for a `v2` that is not first.
fn other_version(key: &str, v2: bool) -> Option<String> {
    if key == "v2" {
        return Some(if v2 {
            "`v2` is given twice; keep the first".to_owned()
        } else {
            "`v2` comes first, before the method: `#[endpoint(v2, POST, \"/pay/micropay\")]`"
                .to_owned()
        });
    }
    let both = FLAGS.contains(&key) && V2_FLAGS.contains(&key);
    if !v2 && !both && (V2_FLAGS.contains(&key) || key == "sign_types") {
        return Some(format!(
            "`{key}` is for APIv2 endpoints: start the attribute with `v2`, \
             e.g. `#[endpoint(v2, POST, \"/secapi/pay/refund\", {key})]`"
        ));
    }
    if v2 && !both && FLAGS.contains(&key) {
        return Some(format!(
            "`{key}` is for APIv3 endpoints; an APIv2 request is the XML fields of its struct"
        ));
    }
    None
}

/// "options are: …; flags are: …", for messages.
fn listing(v2: bool) -> String {
    format!(
        "options are: {}; flags are: {}",
        options(v2).join(", "),
        flags(v2).join(", ")
    )
}

/// " (did you mean `x`?)" for a near miss of an option or a flag.
fn hint(key: &str, v2: bool) -> String {
    match options(v2)
        .iter()
        .chain(flags(v2).iter())
        .find(|o| edit_distance(o, key) <= 2)
    {
        Some(close) => format!(" (did you mean `{close}`?)"),
        None => String::new(),
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (prev + usize::from(ca != *cb)).min(above + 1).min(left + 1);
            prev = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(tokens: TokenStream) -> (Attr, Vec<String>) {
        let mut errors = Errors::default();
        let attr = parse(tokens, &mut errors);
        (attr, errors.messages())
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("response", "respons"), 1);
        assert_eq!(edit_distance("crate", "crates"), 1);
        assert_eq!(edit_distance("method_name", "method"), 5);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn every_argument_is_read() {
        let (attr, errors) = read(quote! {
            GET, "/v3/x/{id}", download, response = Map<String, u8>,
            crate = "::pay", method_name = r#try
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(attr.method, Some(Method::Get));
        assert_eq!(attr.path.map(|p| p.value()).as_deref(), Some("/v3/x/{id}"));
        assert!(attr.download.is_some() && attr.upload.is_none());
        assert_eq!(
            attr.response.map(|t| t.to_token_stream().to_string()),
            Some("Map < String , u8 >".to_owned())
        );
        assert_eq!(
            attr.krate.map(|k| k.to_token_stream().to_string()),
            Some(":: pay".to_owned())
        );
        assert_eq!(
            attr.method_name.map(|m| m.to_string()),
            Some("r#try".to_owned())
        );
    }

    #[test]
    fn mistakes_are_all_reported() {
        let (attr, errors) = read(quote! {
            post, "/v3/x", colour = "blue", response = "X", response = 1 + 2,
            upload = yes, upload, crate = x, method_name = a::b, =>, downlaod
        });
        assert_eq!(attr.word.map(|w| w.to_string()).as_deref(), Some("post"));
        assert_eq!(attr.method, None);
        assert!(attr.upload.is_some());
        assert_eq!(
            errors,
            [
                "write the HTTP method in upper case: `POST`",
                "unknown option `colour`; options are: response, crate, method_name; flags are: upload, download",
                "`response` takes a type, not a string: write `response = X`",
                "option `response` is given twice; keep one",
                "`upload` is a flag and takes no value: write `upload` alone",
                "flag `upload` is given twice; keep one",
                "`crate` takes the path of the core crate as a string, e.g. `crate = \"::my_wxpay\"`",
                "`method_name` takes an identifier, e.g. `method_name = close_partner_order`",
                "expected `option = value` or a flag here; options are: response, crate, method_name; flags are: upload, download",
                "unknown flag `downlaod` (did you mean `download`?); options are: response, crate, method_name; flags are: upload, download",
            ]
        );
    }

    #[test]
    fn method_and_path_first() {
        let (attr, errors) = read(quote!("/v3/x"));
        assert!(attr.path.is_some());
        assert_eq!(
            errors,
            ["expected the HTTP method first, e.g. `#[endpoint(POST, \"/v3/x\")]`"]
        );
        let (_, errors) = read(quote!(FETCH, x));
        assert_eq!(
            errors,
            [
                "unknown HTTP method `FETCH`; expected one of GET, POST, PUT, PATCH, DELETE",
                "expected the path as a string literal after the method, e.g. \"/v3/pay/transactions/jsapi\"",
            ]
        );
        let (_, errors) = read(quote!(GET, "/v3/x", response =));
        assert_eq!(errors, ["option `response` needs a value after `=`"]);
    }
}
