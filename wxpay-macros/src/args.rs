//! Parsing `#[endpoint(METHOD, "/path", option = value, …)]`.
//!
//! Every mistake is collected; parsing goes on after one so a single build
//! reports them all.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token};

use crate::Errors;

/// The HTTP methods an endpoint may use.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The options after the method and path.
pub const OPTIONS: [&str; 3] = ["response", "crate", "method_name"];

/// The flags (bare words) after the method and path.
pub const FLAGS: [&str; 2] = ["upload", "download"];

/// "options are: …; flags are: …", for messages.
fn listing() -> String {
    format!(
        "options are: {}; flags are: {}",
        OPTIONS.join(", "),
        FLAGS.join(", ")
    )
}

/// What the attribute said, as far as it could be understood.
pub struct Args {
    /// Upper-case method name, when valid.
    pub method: Option<Ident>,
    /// The path literal.
    pub path: Option<LitStr>,
    pub response: Option<syn::Type>,
    pub krate: Option<syn::Path>,
    pub method_name: Option<Ident>,
    /// `upload`: a multipart media upload.
    pub upload: Option<Ident>,
    /// `download`: the answer is an unsigned file.
    pub download: Option<Ident>,
}

/// One comma-separated item, before interpretation.
enum Item {
    Ident(Ident),
    Str(LitStr),
    Option { name: Ident, value: TokenStream },
    Other(TokenStream),
}

struct Items(Vec<Item>);

impl Parse for Items {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            // Commas inside `<…>` (generic arguments of a response type) do
            // not end an item.
            let mut tokens = TokenStream::new();
            let mut angle_depth = 0usize;
            while !(input.is_empty() || angle_depth == 0 && input.peek(Token![,])) {
                let tree = input.parse::<TokenTree>()?;
                if let TokenTree::Punct(p) = &tree {
                    match p.as_char() {
                        '<' => angle_depth += 1,
                        '>' => angle_depth = angle_depth.saturating_sub(1),
                        _ => {}
                    }
                }
                tokens.extend(std::iter::once(tree));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            items.push(classify(tokens));
        }
        Ok(Items(items))
    }
}

fn classify(tokens: TokenStream) -> Item {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Ident(_)] => match syn::parse2::<Ident>(tokens.clone()) {
            Ok(ident) => Item::Ident(ident),
            Err(_) => Item::Other(tokens),
        },
        [TokenTree::Literal(_)] => match syn::parse2::<LitStr>(tokens.clone()) {
            Ok(s) => Item::Str(s),
            Err(_) => Item::Other(tokens),
        },
        [TokenTree::Ident(name), TokenTree::Punct(eq), rest @ ..] if eq.as_char() == '=' => {
            Item::Option {
                name: name.clone(),
                value: rest.iter().cloned().collect(),
            }
        }
        _ => Item::Other(tokens),
    }
}

/// Parses the attribute's arguments, adding every problem to `errors`.
pub fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args {
        method: None,
        path: None,
        response: None,
        krate: None,
        method_name: None,
        upload: None,
        download: None,
    };
    let items = match syn::parse2::<Items>(attr.clone()) {
        Ok(items) => items.0,
        Err(e) => {
            errors.push(e);
            return args;
        }
    };
    let mut items = items.into_iter();

    match items.next() {
        Some(Item::Ident(m)) => {
            let upper = m.to_string();
            if METHODS.contains(&upper.as_str()) {
                args.method = Some(m);
            } else if METHODS.contains(&upper.to_ascii_uppercase().as_str()) {
                errors.error(
                    m.span(),
                    format!(
                        "write the HTTP method in upper case: `{}`",
                        upper.to_ascii_uppercase()
                    ),
                );
            } else {
                errors.error(
                    m.span(),
                    format!(
                        "unknown HTTP method `{upper}`; expected one of {}",
                        METHODS.join(", ")
                    ),
                );
            }
        }
        Some(Item::Str(s)) => {
            errors.error(
                s.span(),
                format!(
                    "expected the HTTP method first, e.g. `#[endpoint(POST, {:?})]`",
                    s.value()
                ),
            );
            args.path = Some(s);
        }
        Some(other) => errors.error(
            item_span(&other),
            format!(
                "expected the HTTP method first: one of {}",
                METHODS.join(", ")
            ),
        ),
        None => {
            errors.error(
                Span::call_site(),
                "expected the HTTP method and path, e.g. `#[endpoint(POST, \"/v3/pay/transactions/jsapi\")]`",
            );
            return args;
        }
    }

    if args.path.is_none() {
        match items.next() {
            Some(Item::Str(s)) => args.path = Some(s),
            Some(other) => errors.error(
                item_span(&other),
                "expected the path as a string literal after the method, e.g. \"/v3/pay/transactions/jsapi\"",
            ),
            None => errors.error(
                Span::call_site(),
                "expected the path after the method, e.g. `#[endpoint(GET, \"/v3/certificates\")]`",
            ),
        }
    }

    let mut seen: Vec<String> = Vec::new();
    for item in items {
        let (name, value) = match item {
            Item::Option { name, value } => (name, value),
            Item::Ident(flag) => {
                flag_item(&mut args, flag, &mut seen, errors);
                continue;
            }
            other => {
                errors.error(
                    item_span(&other),
                    format!("expected `option = value` or a flag here; {}", listing()),
                );
                continue;
            }
        };
        let key = name.to_string();
        if FLAGS.contains(&key.as_str()) {
            errors.error(
                name.span(),
                format!("`{key}` is a flag and takes no value: write `{key}` alone"),
            );
            // Taken as given, so the fields are not also reported.
            flag_item(&mut args, name, &mut seen, errors);
            continue;
        }
        if !OPTIONS.contains(&key.as_str()) {
            errors.error(
                name.span(),
                format!("unknown option `{key}`{}; {}", hint(&key), listing()),
            );
            continue;
        }
        if seen.contains(&key) {
            errors.error(
                name.span(),
                format!("option `{key}` is given twice; keep one"),
            );
            continue;
        }
        seen.push(key.clone());
        if value.is_empty() {
            errors.error(
                name.span(),
                format!("option `{key}` needs a value after `=`"),
            );
            continue;
        }
        match key.as_str() {
            "response" => match syn::parse2::<LitStr>(value.clone()) {
                Ok(s) => errors.error(
                    s.span(),
                    format!("`response` takes a type, not a string: write `response = {}`", s.value()),
                ),
                Err(_) => match syn::parse2::<syn::Type>(value.clone()) {
                    Ok(ty) => args.response = Some(ty),
                    Err(_) => errors.error(
                        value.span(),
                        format!("`response` must be a type, e.g. `response = PrepayResponse`; found `{value}`"),
                    ),
                },
            },
            "crate" => match syn::parse2::<LitStr>(value.clone()).and_then(|s| s.parse::<syn::Path>()) {
                Ok(path) => args.krate = Some(path),
                Err(_) => errors.error(
                    value.span(),
                    "`crate` takes the path of the core crate as a string, e.g. `crate = \"::my_wxpay\"`",
                ),
            },
            "method_name" => match syn::parse2::<Ident>(value.clone()) {
                Ok(ident) => args.method_name = Some(ident),
                Err(_) => errors.error(
                    value.span(),
                    "`method_name` takes an identifier, e.g. `method_name = close_partner_order`",
                ),
            },
            _ => {}
        }
    }
    if let (Some(download), Some(response)) = (&args.download, &args.response) {
        errors.error(
            response.span(),
            format!(
                "a `{download}` endpoint answers a file, not JSON: remove `response = {}`",
                response.to_token_stream()
            ),
        );
    }
    if let (Some(_), Some(download)) = (&args.upload, &args.download) {
        errors.error(
            download.span(),
            "`upload` and `download` exclude each other: an endpoint either sends a file or answers one",
        );
    }
    args
}

/// A bare word after the path: one of [`FLAGS`].
fn flag_item(args: &mut Args, flag: Ident, seen: &mut Vec<String>, errors: &mut Errors) {
    let key = flag.to_string();
    if !FLAGS.contains(&key.as_str()) {
        errors.error(
            flag.span(),
            format!("unknown flag `{key}`{}; {}", hint(&key), listing()),
        );
        return;
    }
    if seen.contains(&key) {
        errors.error(
            flag.span(),
            format!("flag `{key}` is given twice; keep one"),
        );
        return;
    }
    seen.push(key.clone());
    if key == "upload" {
        args.upload = Some(flag);
    } else {
        args.download = Some(flag);
    }
}

/// " (did you mean `x`?)" for a near miss of an option or a flag.
fn hint(key: &str) -> String {
    match OPTIONS
        .iter()
        .chain(FLAGS.iter())
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

fn item_span(item: &Item) -> Span {
    match item {
        Item::Ident(i) => i.span(),
        Item::Str(s) => s.span(),
        Item::Option { name, .. } => name.span(),
        Item::Other(t) => t.span(),
    }
}

impl Args {
    /// The path of the core crate in generated code.
    pub fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(path) => path.to_token_stream(),
            None => quote::quote!(::wxpay_core),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("response", "respons"), 1);
        assert_eq!(edit_distance("crate", "crates"), 1);
        assert_eq!(edit_distance("method_name", "method"), 5);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
