//! Binding the template's `{params}` and the field markers to the struct's fields.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::Errors;
use crate::template::Template;

/// Where a field's value goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Body,
    /// `#[header("Name")]`: sent as a request header (the name is in [`Field::header`]).
    Header,
    /// The `UploadFile` of an `upload` endpoint: the part named after the field.
    File,
    /// `#[form]` on an `upload` endpoint: a text part of its own, not in `meta`.
    Form,
}

/// The flags of the attribute that change how fields bind.
#[derive(Default)]
pub struct Flags {
    /// `upload` was given (its span).
    pub upload: Option<Span>,
    /// `download` was given (its span).
    pub download: Option<Span>,
}

/// One field of the request struct, classified.
pub struct Field {
    pub ident: Ident,
    /// The name on the wire: `#[serde(rename = "…")]` or the field name without `r#`.
    pub key: String,
    pub is_option: bool,
    pub place: Place,
    pub sensitive: bool,
    /// The header name of a [`Place::Header`] field, as written.
    pub header: Option<String>,
}

/// The struct, checked and classified.
pub struct Bound {
    pub ident: Ident,
    pub fields: Vec<Field>,
}

/// Whether this HTTP method sends a body (otherwise every non-path field is query).
pub fn has_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

/// Checks the struct's shape, strips the field markers (`#[query]`,
/// `#[sensitive]`) from `input` and binds the fields. Problems go to `errors`;
/// the stripped `input` is usable either way.
pub fn bind(
    input: &mut DeriveInput,
    template: Option<&Template>,
    path_lit: Option<&LitStr>,
    method: Option<&str>,
    flags: &Flags,
    errors: &mut Errors,
) -> Option<Bound> {
    let ident = input.ident.clone();
    if let (Some(span), Some(m)) = (flags.upload, method) {
        if m != "POST" {
            errors.error(
                span,
                format!("`upload` needs a POST endpoint (media goes up as multipart/form-data); this one is {m}"),
            );
        }
    }
    if let (Some(span), Some(m), None) = (flags.download, method, flags.upload) {
        if m != "GET" {
            errors.error(
                span,
                format!("`download` needs a GET endpoint (a file is fetched); this one is {m}"),
            );
        }
    }
    if !input.generics.params.is_empty() {
        errors.error(
            input.generics.span(),
            format!(
                "#[endpoint] does not support generic parameters on `{ident}`; give its fields concrete types"
            ),
        );
    }
    let named = match &mut input.data {
        Data::Struct(s) => match &mut s.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(f) => {
                errors.error(
                    f.span(),
                    format!(
                        "#[endpoint] needs named fields: `{ident}` is a tuple struct; write `struct {ident} {{ field: Type, … }}`"
                    ),
                );
                None
            }
            Fields::Unit => {
                errors.error(
                    ident.span(),
                    format!(
                        "#[endpoint] needs named fields: `{ident}` is a unit struct; write `struct {ident} {{}}` for an endpoint without parameters"
                    ),
                );
                None
            }
        },
        Data::Enum(e) => {
            errors.error(
                e.enum_token.span,
                "#[endpoint] applies to a struct with named fields, not an enum",
            );
            None
        }
        Data::Union(u) => {
            errors.error(
                u.union_token.span,
                "#[endpoint] applies to a struct with named fields, not a union",
            );
            None
        }
    };
    let named = named?;
    let body_method = method.map(has_body);
    // `#[serde(rename)]` sets a field's wire name for this macro. When no
    // serde derive is left to run on the struct, nothing else would accept
    // the attribute, so it is removed after reading.
    let keep_serde_attrs = has_serde_derive(&input.attrs);

    let mut fields = Vec::new();
    for field in named.named.iter_mut() {
        let Some(field_ident) = field.ident.clone() else {
            continue;
        };
        let name = field_ident.unraw().to_string();
        let markers = take_markers(&mut field.attrs, &name, errors);
        let query_attr = markers.query;
        let sensitive_attr = markers.sensitive;
        let key = serde_rename(&field.attrs, errors).unwrap_or_else(|| name.clone());
        if !keep_serde_attrs {
            field.attrs.retain(|a| !a.path().is_ident("serde"));
        }
        let in_path = template.is_some_and(|t| t.params().any(|p| p == name));
        let file_type = upload_file_type(&field.ty);
        let place = if file_type != FileType::No {
            let span = field.ty.span();
            if file_type == FileType::Optional {
                errors.error(
                    span,
                    format!("the file of an upload is required: give `{name}` the type `UploadFile`, not `Option<UploadFile>`"),
                );
            } else if flags.upload.is_none() {
                errors.error(
                    span,
                    format!("`{name}` is an `UploadFile`: add the `upload` flag, e.g. `#[endpoint(POST, \"/v3/merchant/media/upload\", upload)]`"),
                );
            } else if in_path
                || query_attr.is_some()
                || markers.header.is_some()
                || markers.body.is_some()
                || markers.form.is_some()
            {
                errors.error(
                    span,
                    format!(
                        "`{name}` is the uploaded file (the part `{key}`); it cannot also be a path, query, header or form parameter"
                    ),
                );
            } else if key == "meta" {
                errors.error(
                    span,
                    "the uploaded file cannot be the part `meta`, which holds the signed JSON; name the field after its part (e.g. `file`)",
                );
            } else if let Some(first) = fields.iter().find(|f: &&Field| f.place == Place::File) {
                errors.error(
                    span,
                    format!(
                        "an upload sends one file: `{}` and `{name}` are both `UploadFile`; keep one",
                        first.ident.unraw()
                    ),
                );
            }
            Place::File
        } else if in_path {
            for (span, marker) in [
                (query_attr, "#[query]"),
                (markers.body, "#[body]"),
                (markers.form, "#[form]"),
                (markers.header.as_ref().map(|h| h.1), "#[header]"),
            ] {
                if let Some(span) = span {
                    errors.error(
                        span,
                        format!("`{name}` is the path parameter `{{{name}}}`; remove `{marker}`"),
                    );
                }
            }
            Place::Path
        } else if let Some((header, span)) = &markers.header {
            for (other, marker) in [
                (query_attr, "#[query]"),
                (markers.body, "#[body]"),
                (markers.form, "#[form]"),
            ] {
                if other.is_some() {
                    errors.error(
                        *span,
                        format!("`{name}` cannot be both `#[header]` and `{marker}`; keep one"),
                    );
                }
            }
            if flags.download.is_some() {
                errors.error(
                    *span,
                    format!(
                        "`#[header]` on `{name}`: a `download` endpoint sends no headers of its own"
                    ),
                );
            }
            if let Some(first) = fields.iter().find(|f: &&Field| {
                !header.is_empty()
                    && f.header
                        .as_deref()
                        .is_some_and(|h| h.eq_ignore_ascii_case(header))
            }) {
                errors.error(
                    *span,
                    format!(
                        "`{}` and `{name}` are both the header `{header}`; keep one",
                        first.ident.unraw()
                    ),
                );
            }
            Place::Header
        } else if let Some(span) = markers.form {
            for (other, marker) in [(query_attr, "#[query]"), (markers.body, "#[body]")] {
                if other.is_some() {
                    errors.error(
                        span,
                        format!("`{name}` cannot be both `#[form]` and `{marker}`; keep one"),
                    );
                }
            }
            if flags.upload.is_none() {
                errors.error(
                    span,
                    format!(
                        "`#[form]` on `{name}`: only an `upload` endpoint sends form parts; \
                         add the `upload` flag or remove `#[form]`"
                    ),
                );
            }
            Place::Form
        } else if let Some(span) = query_attr {
            if let Some(body) = markers.body {
                errors.error(
                    body,
                    format!("`{name}` cannot be both `#[query]` and `#[body]`; keep one"),
                );
            }
            if body_method == Some(false) && markers.body.is_none() {
                let m = method.unwrap_or("GET");
                errors.error(
                    span,
                    format!(
                        "`#[query]` on `{name}` is redundant: every non-path field of a {m} endpoint goes to the query; remove it"
                    ),
                );
            }
            Place::Query
        } else if let Some(span) = markers.body {
            match method {
                Some("DELETE") => {}
                Some(m) if has_body(m) => errors.error(
                    span,
                    format!(
                        "`#[body]` on `{name}` is redundant: every non-path field of a {m} endpoint goes to the JSON body; remove it"
                    ),
                ),
                Some(m) => errors.error(
                    span,
                    format!(
                        "`#[body]` on `{name}`: a {m} request has no body; only DELETE takes `#[body]` fields"
                    ),
                ),
                None => {}
            }
            Place::Body
        } else if body_method == Some(true) {
            Place::Body
        } else {
            Place::Query
        };
        if let Some(span) = sensitive_attr {
            let where_ = match place {
                Place::Body | Place::Query => None,
                Place::Path => Some("a path parameter"),
                Place::File => Some("the uploaded file"),
                Place::Form => Some("a form part (sent as plain text)"),
                Place::Header => Some("a header"),
            };
            if let Some(where_) = where_ {
                errors.error(
                    span,
                    format!(
                        "`#[sensitive]` applies to body and query fields; `{name}` is {where_}"
                    ),
                );
            } else if flags.download.is_some() {
                errors.error(
                    span,
                    format!(
                        "`#[sensitive]` on `{name}`: a `download` endpoint encrypts nothing, so it would go out in clear; remove it"
                    ),
                );
            }
        }
        fields.push(Field {
            ident: field_ident,
            key,
            is_option: is_option(&field.ty),
            place,
            sensitive: sensitive_attr.is_some(),
            header: markers.header.map(|(h, _)| h),
        });
    }

    if let Some(span) = flags.upload {
        let file = fields.iter().find(|f| f.place == Place::File);
        if file.is_none() {
            errors.error(
                span,
                format!("`upload` endpoint `{ident}` needs a field of type `UploadFile` (the file to send)"),
            );
        }
        // Names the multipart body would hold twice.
        let file_part = file.map(|f| f.key.as_str());
        for f in &fields {
            let clash = match f.place {
                Place::Body if matches!(f.key.as_str(), "filename" | "sha256") => Some(format!(
                    "`{}` would be the `meta` member `{}`, which the SDK computes from the file; remove the field",
                    f.ident.unraw(),
                    f.key
                )),
                Place::Form if f.key == "meta" || Some(f.key.as_str()) == file_part => {
                    Some(format!(
                        "the form part `{}` of `{}` has the name of the {} part; rename it",
                        f.key,
                        f.ident.unraw(),
                        if f.key == "meta" { "`meta`" } else { "file's" }
                    ))
                }
                _ => None,
            };
            if let Some(message) = clash {
                errors.error(f.ident.span(), message);
            }
        }
    }
    if let (Some(template), Some(lit)) = (template, path_lit) {
        for param in template.params() {
            if !fields.iter().any(|f| f.ident.unraw() == param) {
                let list: Vec<String> =
                    fields.iter().map(|f| f.ident.unraw().to_string()).collect();
                let list = if list.is_empty() {
                    "(none)".to_owned()
                } else {
                    list.join(", ")
                };
                errors.error(
                    lit.span(),
                    format!(
                        "path parameter `{{{param}}}` has no field of that name in `{ident}`; fields are: {list}"
                    ),
                );
            }
        }
    }
    Some(Bound { ident, fields })
}

/// The field markers found on one field (each the span of its attribute).
#[derive(Default)]
struct Markers {
    query: Option<Span>,
    sensitive: Option<Span>,
    body: Option<Span>,
    form: Option<Span>,
    /// `#[header("Name")]`: the name, and the span of the attribute.
    header: Option<(String, Span)>,
}

/// Headers the client writes itself: a field may not set them.
const RESERVED_HEADERS: [&str; 7] = [
    "Authorization",
    "Accept",
    "Content-Type",
    "Content-Length",
    "Host",
    "User-Agent",
    "Wechatpay-Serial",
];

/// Removes `#[query]`, `#[sensitive]`, `#[body]`, `#[form]` and `#[header("…")]` from
/// `attrs` and returns what they said; malformed ones go to `errors`.
fn take_markers(attrs: &mut Vec<syn::Attribute>, name: &str, errors: &mut Errors) -> Markers {
    let mut m = Markers::default();
    attrs.retain(|attr| {
        let path = attr.path();
        let span = path.span();
        let which = ["query", "sensitive", "body", "form", "header"]
            .into_iter()
            .find(|w| path.is_ident(w));
        let Some(which) = which else {
            return true;
        };
        if which == "header" {
            m.header = header_marker(attr, name, errors).map(|h| (h, span));
            if m.header.is_none() {
                // Reported; still a header field, so nothing else is said about it.
                m.header = Some((String::new(), span));
            }
            return false;
        }
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            errors.error(span, format!("`#[{which}]` takes no arguments"));
        }
        match which {
            "query" => m.query = Some(span),
            "sensitive" => m.sensitive = Some(span),
            "form" => m.form = Some(span),
            _ => m.body = Some(span),
        }
        false
    });
    m
}

/// The header name of `#[header("Name")]`, checked: a valid HTTP field
/// name that the client does not write itself.
fn header_marker(attr: &syn::Attribute, field: &str, errors: &mut Errors) -> Option<String> {
    let span = attr.path().span();
    let usage = format!(
        "`#[header]` takes the header's name: `#[header(\"Idempotency-Key\")]` on `{field}`"
    );
    let lit = match &attr.meta {
        syn::Meta::List(list) => match syn::parse2::<LitStr>(list.tokens.clone()) {
            Ok(lit) => lit,
            Err(_) => {
                errors.error(span, usage);
                return None;
            }
        },
        _ => {
            errors.error(span, usage);
            return None;
        }
    };
    let header = lit.value();
    if header.is_empty() || !header.bytes().all(is_token_byte) {
        errors.error(
            lit.span(),
            format!("`{header}` is not an HTTP header name (letters, digits and `-`, e.g. \"Idempotency-Key\")"),
        );
        return None;
    }
    if let Some(reserved) = RESERVED_HEADERS
        .iter()
        .find(|r| r.eq_ignore_ascii_case(&header))
    {
        errors.error(
            lit.span(),
            format!("the client writes `{reserved}` itself; `{field}` cannot set it"),
        );
        return None;
    }
    Some(header)
}

/// RFC 9110 `tchar`: what an HTTP field name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether a `#[derive(…)]` still to run names `Serialize` or `Deserialize`.
fn has_serde_derive(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                if meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Serialize" || s.ident == "Deserialize")
                {
                    found = true;
                }
                Ok(())
            });
            found
        })
}

/// Whether a field's type is the file of an upload.
#[derive(Debug, PartialEq, Eq)]
enum FileType {
    No,
    Required,
    Optional,
}

/// `UploadFile` (any path ending in it), or `Option<UploadFile>`; aliases are not seen through.
fn upload_file_type(ty: &Type) -> FileType {
    let last = |ty: &Type| match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().cloned(),
        _ => None,
    };
    match last(ty) {
        Some(s) if s.ident == "UploadFile" => FileType::Required,
        Some(s) if s.ident == "Option" => match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => match a.args.first() {
                Some(syn::GenericArgument::Type(inner))
                    if last(inner).is_some_and(|s| s.ident == "UploadFile") =>
                {
                    FileType::Optional
                }
                _ => FileType::No,
            },
            _ => FileType::No,
        },
        _ => FileType::No,
    }
}

/// `Option<…>` as written (also `std::option::Option<…>`); aliases are not seen through.
pub fn is_option(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    if p.qself.is_some() {
        return false;
    }
    p.path.segments.last().is_some_and(|s| {
        s.ident == "Option"
            && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 1)
    })
}

/// The serialised name from `#[serde(rename = "…")]` or `#[serde(rename(serialize = "…"))]`.
fn serde_rename(attrs: &[syn::Attribute], errors: &mut Errors) -> Option<String> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if meta.input.peek(syn::Token![=]) {
                    let s: LitStr = meta.value()?.parse()?;
                    out = Some(s.value());
                } else {
                    meta.parse_nested_meta(|inner| {
                        if inner.path.is_ident("serialize") {
                            let s: LitStr = inner.value()?.parse()?;
                            out = Some(s.value());
                        } else {
                            skip_value(&inner)?;
                        }
                        Ok(())
                    })?;
                }
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

/// Consumes `= value` or `(…)` after a serde option this macro does not read.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let value = meta.value()?;
        while !value.is_empty() && !value.peek(syn::Token![,]) {
            value.parse::<proc_macro2::TokenTree>()?;
        }
    } else if meta.input.peek(syn::token::Paren) {
        let _group: proc_macro2::Group = meta.input.parse()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    /// Binds `input` for `method` and `path`; the fields as `(name, key,
    /// place, optional, sensitive)`, and the error messages.
    #[allow(clippy::type_complexity)]
    fn placed(
        method: &str,
        path: &str,
        upload: bool,
        mut input: DeriveInput,
    ) -> (Vec<(String, String, Place, bool, bool)>, Vec<String>) {
        let template = crate::template::parse(path).ok();
        let lit = LitStr::new(path, Span::call_site());
        let flags = Flags {
            upload: upload.then(Span::call_site),
            download: None,
        };
        let mut errors = Errors::default();
        let bound = bind(
            &mut input,
            template.as_ref(),
            Some(&lit),
            Some(method),
            &flags,
            &mut errors,
        );
        let fields = bound
            .map(|b| {
                b.fields
                    .into_iter()
                    .map(|f| {
                        (
                            f.ident.unraw().to_string(),
                            f.key,
                            f.place,
                            f.is_option,
                            f.sensitive,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let messages = errors
            .0
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (fields, messages)
    }

    #[test]
    fn post_fields_go_to_the_body_unless_marked() {
        let (fields, errors) = placed(
            "POST",
            "/v3/x/{id}/close",
            false,
            parse_quote! {
                struct Close {
                    id: u64,
                    mchid: String,
                    #[query]
                    sub_mchid: Option<String>,
                    #[serde(rename = "type")]
                    r#kind: String,
                    #[sensitive]
                    name: Option<String>,
                    #[header("Idempotency-Key")]
                    key: String,
                }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let s = |v: &str| v.to_owned();
        assert_eq!(
            fields,
            vec![
                (s("id"), s("id"), Place::Path, false, false),
                (s("mchid"), s("mchid"), Place::Body, false, false),
                (s("sub_mchid"), s("sub_mchid"), Place::Query, true, false),
                (s("kind"), s("type"), Place::Body, false, false),
                (s("name"), s("name"), Place::Body, true, true),
                (s("key"), s("key"), Place::Header, false, false),
            ]
        );
    }

    #[test]
    fn get_and_delete_fields_go_to_the_query() {
        for method in ["GET", "DELETE"] {
            let (fields, errors) = placed(
                method,
                "/v3/x/{id}",
                false,
                parse_quote! {
                    struct Get { id: String, offset: Option<i64>, limit: i64 }
                },
            );
            assert!(errors.is_empty(), "{errors:?}");
            let places: Vec<Place> = fields.iter().map(|f| f.2).collect();
            assert_eq!(
                places,
                [Place::Path, Place::Query, Place::Query],
                "{method}"
            );
        }
        // `#[body]` moves a DELETE field into a JSON body.
        let (fields, errors) = placed(
            "DELETE",
            "/v3/x",
            false,
            parse_quote! { struct Delete { #[body] reason: String, q: String } },
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(fields[0].2, Place::Body);
        assert_eq!(fields[1].2, Place::Query);
    }

    #[test]
    fn an_upload_has_its_file_meta_fields_and_form_parts() {
        let (fields, errors) = placed(
            "POST",
            "/v3/x/upload",
            true,
            parse_quote! {
                struct Upload {
                    submission_file: UploadFile,
                    file_name: Option<String>,
                    #[form]
                    item_id: i64,
                }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        let places: Vec<Place> = fields.iter().map(|f| f.2).collect();
        assert_eq!(places, [Place::File, Place::Body, Place::Form]);
    }

    #[test]
    fn every_mistake_is_reported_and_the_struct_still_binds() {
        let (fields, errors) = placed(
            "GET",
            "/v3/x/{id}/{missing}",
            false,
            parse_quote! {
                struct Bad {
                    #[query]
                    id: String,
                    #[query]
                    q: String,
                    #[form]
                    f: String,
                    #[sensitive]
                    #[header("X-Trace")]
                    h: String,
                }
            },
        );
        assert_eq!(fields.len(), 4);
        let all = errors.join("\n");
        for needle in [
            "`id` is the path parameter `{id}`; remove `#[query]`",
            "`#[query]` on `q` is redundant",
            "`#[form]` on `f`: only an `upload` endpoint",
            "`#[sensitive]` applies to body and query fields; `h` is a header",
            "path parameter `{missing}` has no field of that name in `Bad`; fields are: id, q, f, h",
        ] {
            assert!(all.contains(needle), "{needle} not in\n{all}");
        }
        assert_eq!(errors.len(), 5, "{all}");
    }
}
