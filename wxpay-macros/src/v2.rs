//! `#[endpoint(v2, METHOD, "/path", …)]`: an APIv2 operation. The struct's
//! fields are the XML body's (a `GET`'s: the query's), so there are no
//! places to work out: the rules below say what an APIv2 declaration may
//! not hold, and the expansion is constants of `V2Endpoint` plus the
//! client method. A declaration with mistakes expands the same way, with
//! what could be read, so its call sites still type-check.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ast::FileType;
use crate::attr::Method;
use crate::errors::Errors;
use crate::expand::client_method;
use crate::model::{Model, type_span};

type Rule = fn(&Model, &mut Errors);

/// The rules of an APIv2 declaration, in the order their mistakes are reported.
const RULES: [Rule; 9] = [
    crate::check::no_generic_parameters,
    crate::check::download_has_no_response,
    download_is_a_post_with_no_signature,
    method_is_get_or_post,
    path_is_not_v3,
    path_has_no_parameters,
    client_fields_are_not_fields,
    no_markers,
    no_file,
];

/// The fields the client writes into every APIv2 request, and why.
const CLIENT_FIELDS: [(&str, &str); 2] = [
    ("nonce_str", "draws a fresh `nonce_str` for every request"),
    ("sign", "signs the body into `sign` with the v2 key"),
];

/// Runs every APIv2 rule over `model`.
pub fn check(model: &Model, errors: &mut Errors) {
    for rule in RULES {
        rule(model, errors);
    }
}

fn method_is_get_or_post(m: &Model, errors: &mut Errors) {
    if let (Some(method), Some(word)) = (m.attr.method, &m.attr.word) {
        if !matches!(method, Method::Get | Method::Post) {
            errors.error(
                word.span(),
                format!(
                    "APIv2 operations are POST (a few are GET); `{}` is not one",
                    method.as_str()
                ),
            );
        }
    }
}

/// An APIv2 `download` (a bill) is asked for with a signed XML body, and
/// its answer is never signed, so `unsigned_answer` would say nothing.
fn download_is_a_post_with_no_signature(m: &Model, errors: &mut Errors) {
    let Some(download) = m.attr.download else {
        return;
    };
    if let Some(method) = m.attr.method.filter(|&m| m != Method::Post) {
        errors.error(
            download,
            format!(
                "an APIv2 `download` is a POST (the bill is asked for with a signed XML body); \
                 this one is {}",
                method.as_str()
            ),
        );
    }
    if let Some(unsigned) = m.attr.unsigned_answer {
        errors.error(
            unsigned,
            "`unsigned_answer` goes without saying with `download`: a bill is never signed; remove it",
        );
    }
}

fn path_is_not_v3(m: &Model, errors: &mut Errors) {
    if let Some(lit) = &m.attr.path {
        let path = lit.value();
        if path == "/v3" || path.starts_with("/v3/") {
            errors.error(
                lit.span(),
                format!(
                    "an APIv2 path does not start with `/v3/`: `{path}` is an APIv3 path; \
                     remove `v2` to declare an APIv3 endpoint"
                ),
            );
        }
    }
}

fn path_has_no_parameters(m: &Model, errors: &mut Errors) {
    let (Some(lit), Some(template)) = (&m.attr.path, &m.template) else {
        return;
    };
    for name in template.params() {
        errors.error(
            lit.span(),
            format!(
                "APIv2 paths have no parameters: remove `{{{name}}}` from the path \
                 and send `{name}` as a field"
            ),
        );
    }
}

fn client_fields_are_not_fields(m: &Model, errors: &mut Errors) {
    for f in m.fields() {
        if let Some((name, why)) = CLIENT_FIELDS.iter().find(|(n, _)| *n == f.key) {
            errors.error(
                f.ident.span(),
                format!(
                    "field `{name}` is the client's (it {why}); remove the field from `{}`",
                    m.input.ident
                ),
            );
        }
    }
}

fn no_markers(m: &Model, errors: &mut Errors) {
    for f in m.fields() {
        let k = &f.markers;
        let found = [
            (k.query, "query"),
            (k.body, "body"),
            (k.form, "form"),
            (k.sensitive, "sensitive"),
            (k.header.as_ref().map(|h| h.span), "header"),
        ];
        for (span, marker) in found {
            if let Some(span) = span {
                errors.error(
                    span,
                    format!(
                        "`#[{marker}]` is for APIv3 endpoints: every field of an APIv2 request \
                         is a field of its XML body (of a GET: of its query); remove it from `{}`",
                        f.name
                    ),
                );
            }
        }
    }
}

fn no_file(m: &Model, errors: &mut Errors) {
    for f in m.fields().iter().filter(|f| f.file != FileType::No) {
        errors.error(
            type_span(f),
            format!(
                "`{}`: an APIv2 request sends no `UploadFile`; its fields are XML text",
                f.name
            ),
        );
    }
}

/// The impl of `V2Endpoint` and the client method, from what was read.
pub fn expand(m: &Model) -> TokenStream {
    if !m.input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let krate = m.attr.krate();
    let private = quote!(#krate::__private);
    let ident = &m.input.ident;
    let method = m.attr.method.unwrap_or(Method::Post);
    let path = m
        .attr
        .path
        .as_ref()
        .map_or_else(String::new, syn::LitStr::value);
    let line = format!("`{} {path}`", method.as_str());
    let client_method = m.fn_name().map(|name| client_method(m, &name, &line));
    let response = m.attr.response();
    let method = syn::Ident::new(method.as_str(), Span::call_site());
    let mutual_tls = m.attr.mutual_tls.is_some();
    let signed = m.attr.unsigned_answer.is_none() && m.attr.download.is_none();
    let sign_types = m.attr.sign_types.as_ref().map(|(lit, names)| {
        let variants = names.iter().map(|n| {
            let v = if n == "MD5" { "Md5" } else { "HmacSha256" };
            syn::Ident::new(v, lit.span())
        });
        quote! {
            const SIGN_TYPES: &'static [#krate::v2::SignType] = &[#(#krate::v2::SignType::#variants),*];
        }
    });
    quote! {
        #client_method
        const _: () = {
            #[automatically_derived]
            impl #krate::v2::V2Endpoint for #ident {
                type Response = #response;
                const METHOD: #private::Method = #private::Method::#method;
                const PATH: &'static str = #path;
                const MUTUAL_TLS: bool = #mutual_tls;
                const SIGNED_ANSWER: bool = #signed;
                #sign_types
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::errors::Errors;
    use crate::model::Model;

    fn mistakes(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let mut input = syn::parse2(item).unwrap();
        let model = Model::read(args, &mut input, &mut errors);
        super::check(&model, &mut errors);
        errors.messages()
    }

    #[test]
    fn a_good_declaration_has_no_mistake() {
        let found = mistakes(
            quote!(
                v2,
                POST,
                "/secapi/pay/refund",
                mutual_tls,
                sign_types = "HMAC-SHA256, MD5"
            ),
            quote!(
                struct Refund {
                    out_refund_no: String,
                    mch_id: Option<String>,
                }
            ),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_download_is_a_post_without_answer_type_or_waived_signature() {
        let bill = || {
            quote!(
                struct Bill {
                    bill_date: String,
                }
            )
        };
        let good = mistakes(quote!(v2, POST, "/pay/downloadbill", download), bill());
        assert!(good.is_empty(), "{good:?}");
        let found = mistakes(
            quote!(
                v2,
                GET,
                "/pay/downloadbill",
                download,
                unsigned_answer,
                response = X
            ),
            bill(),
        );
        assert_eq!(
            found,
            [
                "a `download` endpoint answers a file, not XML: remove `response = X`",
                "an APIv2 `download` is a POST (the bill is asked for with a signed XML body); this one is GET",
                "`unsigned_answer` goes without saying with `download`: a bill is never signed; remove it",
            ]
        );
    }

    #[test]
    fn every_v2_mistake_is_reported() {
        let found = mistakes(
            quote!(v2, PUT, "/v3/pay/{id}", sign_types = "md5, SHA256", upload),
            quote!(
                struct X {
                    id: String,
                    nonce_str: String,
                    #[query]
                    sign: String,
                }
            ),
        );
        assert_eq!(
            found,
            [
                "unknown sign type `md5` in `sign_types` (did you mean `MD5`?); sign types are: MD5, HMAC-SHA256",
                "unknown sign type `SHA256` in `sign_types`; sign types are: MD5, HMAC-SHA256",
                "`upload` is for APIv3 endpoints; an APIv2 request is the XML fields of its struct",
                "APIv2 operations are POST (a few are GET); `PUT` is not one",
                "an APIv2 path does not start with `/v3/`: `/v3/pay/{id}` is an APIv3 path; remove `v2` to declare an APIv3 endpoint",
                "APIv2 paths have no parameters: remove `{id}` from the path and send `id` as a field",
                "field `nonce_str` is the client's (it draws a fresh `nonce_str` for every request); remove the field from `X`",
                "field `sign` is the client's (it signs the body into `sign` with the v2 key); remove the field from `X`",
                "`#[query]` is for APIv3 endpoints: every field of an APIv2 request is a field of its XML body (of a GET: of its query); remove it from `sign`",
            ]
        );
    }

    #[test]
    fn v2_options_outside_v2_say_so() {
        let found = mistakes(
            quote!(POST, "/v3/x", mutual_tls, unsigned_answr),
            quote!(
                struct X {
                    a: String,
                }
            ),
        );
        assert_eq!(
            found[0],
            "`mutual_tls` is for APIv2 endpoints: start the attribute with `v2`, e.g. `#[endpoint(v2, POST, \"/secapi/pay/refund\", mutual_tls)]`"
        );
        let found = mistakes(
            quote!(v2, POST, "/pay/x", mutal_tls, v2),
            quote!(
                struct X {
                    a: String,
                }
            ),
        );
        assert_eq!(
            found,
            [
                "unknown flag `mutal_tls` (did you mean `mutual_tls`?); options are: response, crate, method_name, sign_types; flags are: mutual_tls, unsigned_answer, download",
                "`v2` is given twice; keep the first",
            ]
        );
    }
}
