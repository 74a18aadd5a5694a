//! The struct as a field model: each field with its wire name, its markers
//! (`#[query]`, `#[body]`, `#[form]`, `#[header("…")]`, `#[sensitive]`),
//! its `#[cfg]`s and the place it goes ([`Place`]).
//!
//! Reading the struct also cleans it for re-emission: the markers, which
//! no other macro knows, are removed, and so is `#[serde(…)]` when no serde
//! derive is left to read it. Malformed markers are recorded here; whether
//! the markers make sense together is for `check`.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::attr::Method;
use crate::errors::Errors;
use crate::place::{Place, place};

/// The request struct.
pub struct Input {
    pub ident: Ident,
    pub vis: syn::Visibility,
    pub generics: syn::Generics,
    /// The named fields; `None` when the item is no struct with named
    /// fields (already reported).
    pub fields: Option<Vec<Field>>,
}

/// One field of the request struct.
pub struct Field {
    pub ident: Ident,
    /// The field's name without `r#`.
    pub name: String,
    /// The name on the wire: `#[serde(rename = "…")]`, or [`Field::name`].
    pub key: String,
    pub ty: Type,
    /// Written `Option<…>`: left out when `None`.
    pub optional: bool,
    /// Whether the type is the file of an upload.
    pub file: FileType,
    /// The field's `#[cfg(…)]` attributes: code touching the field is
    /// compiled under the same conditions as the field.
    pub cfgs: Vec<Attribute>,
    pub markers: Markers,
    /// Where the value goes on the wire.
    pub place: Place,
}

/// The markers on one field, each with the span of its attribute's name.
#[derive(Default)]
pub struct Markers {
    pub query: Option<Span>,
    pub body: Option<Span>,
    pub form: Option<Span>,
    pub sensitive: Option<Span>,
    pub header: Option<Header>,
}

/// `#[header("Name")]`.
pub struct Header {
    /// The span of `header`.
    pub span: Span,
    /// The name, when it is one (otherwise already reported).
    pub name: Option<HeaderName>,
}

/// A valid header name from `#[header("…")]`.
pub struct HeaderName {
    /// The literal as written.
    pub lit: LitStr,
    /// The name in lower case, as `http::HeaderName` holds it.
    pub lower: String,
}

/// Whether a field's type is the file of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    No,
    Required,
    Optional,
}

/// Reads `item`, strips what only this macro reads from it, and places
/// each field for `method` and the path's `params`.
pub fn read(
    item: &mut DeriveInput,
    method: Option<Method>,
    params: &[&str],
    errors: &mut Errors,
) -> Input {
    // `#[serde(rename)]` sets a field's wire name for this macro. When no
    // serde derive is left to run on the struct, nothing else would accept
    // the attribute, so it is removed after reading.
    let keep_serde = has_serde_derive(&item.attrs);
    let fields = named_fields(item, errors).map(|named| {
        named
            .iter_mut()
            .filter_map(|field| read_field(field, keep_serde, method, params, errors))
            .collect()
    });
    Input {
        ident: item.ident.clone(),
        vis: item.vis.clone(),
        generics: item.generics.clone(),
        fields,
    }
}

/// The named fields of a struct; anything else is reported. Markers are
/// stripped from the fields of any struct, so they cause no second error.
fn named_fields<'a>(
    item: &'a mut DeriveInput,
    errors: &mut Errors,
) -> Option<&'a mut syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    let ident = &item.ident;
    match &mut item.data {
        Data::Struct(s) => match &mut s.fields {
            Fields::Named(named) => Some(&mut named.named),
            Fields::Unnamed(unnamed) => {
                errors.error(
                    unnamed.span(),
                    format!(
                        "#[endpoint] needs named fields: `{ident}` is a tuple struct; write `struct {ident} {{ field: Type, … }}`"
                    ),
                );
                for field in unnamed.unnamed.iter_mut() {
                    field.attrs.retain(|a| marker_name(a).is_none());
                }
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
    }
}

fn read_field(
    field: &mut syn::Field,
    keep_serde: bool,
    method: Option<Method>,
    params: &[&str],
    errors: &mut Errors,
) -> Option<Field> {
    let ident = field.ident.clone()?;
    let name = ident.unraw().to_string();
    let markers = take_markers(&mut field.attrs, &name, errors);
    let key = serde_rename(&field.attrs, errors).unwrap_or_else(|| name.clone());
    if !keep_serde {
        field.attrs.retain(|a| !a.path().is_ident("serde"));
    }
    let file = file_type(&field.ty);
    let in_path = params.contains(&name.as_str());
    Some(Field {
        place: place(&markers, file != FileType::No, in_path, method),
        cfgs: field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect(),
        optional: is_option(&field.ty),
        ty: field.ty.clone(),
        ident,
        name,
        key,
        file,
        markers,
    })
}

/// Which marker an attribute is, if any.
fn marker_name(attr: &Attribute) -> Option<&'static str> {
    ["query", "body", "form", "sensitive", "header"]
        .into_iter()
        .find(|m| attr.path().is_ident(m))
}

/// Removes the markers from `attrs` and returns what they said; malformed
/// ones are recorded.
fn take_markers(attrs: &mut Vec<Attribute>, field: &str, errors: &mut Errors) -> Markers {
    let mut markers = Markers::default();
    attrs.retain(|attr| {
        let Some(which) = marker_name(attr) else {
            return true;
        };
        let span = attr.path().span();
        if which == "header" {
            markers.header = Some(Header {
                span,
                name: header_name(attr, field, errors),
            });
            return false;
        }
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            errors.error(span, format!("`#[{which}]` takes no arguments"));
        }
        let slot = match which {
            "query" => &mut markers.query,
            "body" => &mut markers.body,
            "form" => &mut markers.form,
            _ => &mut markers.sensitive,
        };
        *slot = Some(span);
        false
    });
    markers
}

/// The name in `#[header("Name")]`, checked: an HTTP field name (RFC 9110
/// `token`). Whether the client writes that header itself is checked when
/// the crate compiles, against the runtime's one list.
fn header_name(attr: &Attribute, field: &str, errors: &mut Errors) -> Option<HeaderName> {
    let lit = match &attr.meta {
        syn::Meta::List(list) => syn::parse2::<LitStr>(list.tokens.clone()).ok(),
        _ => None,
    };
    let Some(lit) = lit else {
        errors.error(
            attr.path().span(),
            format!(
                "`#[header]` takes the header's name: `#[header(\"Idempotency-Key\")]` on `{field}`"
            ),
        );
        return None;
    };
    let name = lit.value();
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        errors.error(
            lit.span(),
            format!("`{name}` is not an HTTP header name (letters, digits and `-`, e.g. \"Idempotency-Key\")"),
        );
        return None;
    }
    Some(HeaderName {
        lower: name.to_ascii_lowercase(),
        lit,
    })
}

/// RFC 9110 `tchar`: what an HTTP field name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether a `#[derive(…)]` still to run names `Serialize` or `Deserialize`.
fn has_serde_derive(attrs: &[Attribute]) -> bool {
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

/// The last segment of a plain path type (`a::b::C<…>` gives `C<…>`).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// The single type argument of `Option<T>` (also `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty).filter(|s| s.ident == "Option")?;
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match a.args.first() {
            Some(syn::GenericArgument::Type(inner)) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// `Option<…>` as written; aliases are not seen through.
fn is_option(ty: &Type) -> bool {
    option_inner(ty).is_some()
}

/// `UploadFile` (any path ending in it), or `Option<UploadFile>`; aliases
/// are not seen through.
fn file_type(ty: &Type) -> FileType {
    let is_file = |ty: &Type| last_segment(ty).is_some_and(|s| s.ident == "UploadFile");
    if is_file(ty) {
        FileType::Required
    } else if option_inner(ty).is_some_and(is_file) {
        FileType::Optional
    } else {
        FileType::No
    }
}

/// The serialised name from `#[serde(rename = "…")]` or `#[serde(rename(serialize = "…"))]`.
fn serde_rename(attrs: &[Attribute], errors: &mut Errors) -> Option<String> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("rename") {
                return skip_value(&meta);
            }
            if meta.input.peek(syn::Token![=]) {
                out = Some(meta.value()?.parse::<LitStr>()?.value());
                return Ok(());
            }
            meta.parse_nested_meta(|inner| {
                if inner.path.is_ident("serialize") {
                    out = Some(inner.value()?.parse::<LitStr>()?.value());
                    Ok(())
                } else {
                    skip_value(&inner)
                }
            })
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
    use quote::ToTokens;
    use syn::parse_quote;

    use super::*;

    #[test]
    fn fields_markers_and_names() {
        let mut item: DeriveInput = parse_quote! {
            struct Close {
                /// Kept.
                id: u64,
                #[query]
                #[cfg(feature = "x")]
                sub_mchid: Option<String>,
                #[serde(rename = "type")]
                r#kind: String,
                #[sensitive]
                #[allow(unused)]
                name: Option<String>,
                #[header("Idempotency-Key")]
                key: String,
                #[serde(rename(serialize = "f", deserialize = "g"), default)]
                file: Option<wxpay::upload::UploadFile>,
            }
        };
        let mut errors = Errors::default();
        let input = read(&mut item, Some(Method::Post), &["id"], &mut errors);
        assert!(errors.is_empty(), "{:?}", errors.messages());
        let fields = input.fields.unwrap_or_default();
        let summary: Vec<_> = fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.key.as_str(),
                    f.place,
                    f.optional,
                    f.cfgs.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("id", "id", Place::Path, false, 0),
                ("sub_mchid", "sub_mchid", Place::Query, true, 1),
                ("kind", "type", Place::Body, false, 0),
                ("name", "name", Place::Body, true, 0),
                ("key", "key", Place::Header, false, 0),
                ("file", "f", Place::File, true, 0),
            ]
        );
        assert!(fields.iter().any(|f| f.markers.sensitive.is_some()));
        let header = fields.iter().find_map(|f| f.markers.header.as_ref());
        assert_eq!(
            header
                .and_then(|h| h.name.as_ref())
                .map(|n| n.lower.as_str()),
            Some("idempotency-key")
        );
        assert_eq!(fields.last().map(|f| f.file), Some(FileType::Optional));
        // Markers and (without a serde derive) serde attributes are gone;
        // doc comments, cfg and foreign attributes stay.
        let shown = item.to_token_stream().to_string();
        for gone in ["query", "sensitive", "header", "serde"] {
            assert!(!shown.contains(gone), "{gone} in {shown}");
        }
        for kept in ["doc", "cfg", "allow"] {
            assert!(shown.contains(kept), "{kept} not in {shown}");
        }
    }

    #[test]
    fn malformed_markers_are_reported() {
        let mut item: DeriveInput = parse_quote! {
            struct Bad {
                #[body(x)]
                a: String,
                #[header]
                b: String,
                #[header("Idempotency Key")]
                c: String,
            }
        };
        let mut errors = Errors::default();
        let input = read(&mut item, Some(Method::Delete), &[], &mut errors);
        assert_eq!(
            errors.messages(),
            [
                "`#[body]` takes no arguments",
                "`#[header]` takes the header's name: `#[header(\"Idempotency-Key\")]` on `b`",
                "`Idempotency Key` is not an HTTP header name (letters, digits and `-`, e.g. \"Idempotency-Key\")",
            ]
        );
        // Still placed by their markers, so nothing else is said about them.
        let places: Vec<Place> = input
            .fields
            .unwrap_or_default()
            .iter()
            .map(|f| f.place)
            .collect();
        assert_eq!(places, [Place::Body, Place::Header, Place::Header]);
    }
}
