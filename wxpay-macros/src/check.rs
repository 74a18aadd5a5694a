//! The rules a declaration must follow, one small function each. Every
//! rule runs, so one build reports every mistake; a field's conflicting
//! markers are reported by the rule of the place it was given
//! ([`crate::place`]), once.

use syn::spanned::Spanned;

use crate::ast::{Field, FileType};
use crate::attr::Method;
use crate::errors::Errors;
use crate::model::{Model, type_span};
use crate::place::Place;

type Rule = fn(&Model, &mut Errors);

/// The rules, in the order their mistakes are reported.
const RULES: [Rule; 25] = [
    download_has_no_response,
    upload_excludes_download,
    upload_is_a_post,
    download_is_a_get,
    no_generic_parameters,
    file_is_required,
    file_needs_upload,
    file_has_one_role,
    file_is_not_meta,
    one_file,
    path_parameter_has_no_marker,
    always_sent_fields_have_no_cfg,
    header_has_one_role,
    download_sends_no_header,
    headers_are_distinct,
    form_has_one_role,
    form_needs_upload,
    query_excludes_body,
    query_marker_is_needed,
    body_marker_fits_the_method,
    sensitive_in_body_or_query,
    download_encrypts_nothing,
    upload_has_a_file,
    upload_parts_are_distinct,
    parameters_have_fields,
];

/// Runs every rule over `model`, recording each mistake in `errors`.
pub fn check(model: &Model, errors: &mut Errors) {
    for rule in RULES {
        rule(model, errors);
    }
}

/// A `download` answers a file, not JSON (APIv2: not XML): no `response`.
/// Also an APIv2 rule.
pub fn download_has_no_response(m: &Model, errors: &mut Errors) {
    if let (Some(_), Some(response)) = (m.attr.download, &m.attr.response) {
        let format = if m.attr.v2.is_some() { "XML" } else { "JSON" };
        errors.error(
            response.span(),
            format!(
                "a `download` endpoint answers a file, not {format}: remove `response = {}`",
                quote::ToTokens::to_token_stream(response)
            ),
        );
    }
}

fn upload_excludes_download(m: &Model, errors: &mut Errors) {
    if let (Some(_), Some(download)) = (m.attr.upload, m.attr.download) {
        errors.error(
            download,
            "`upload` and `download` exclude each other: an endpoint either sends a file or answers one",
        );
    }
}

fn upload_is_a_post(m: &Model, errors: &mut Errors) {
    if let (Some(upload), Some(method)) = (m.attr.upload, m.attr.method) {
        if method != Method::Post {
            errors.error(
                upload,
                format!(
                    "`upload` needs a POST endpoint (media goes up as multipart/form-data); this one is {}",
                    method.as_str()
                ),
            );
        }
    }
}

fn download_is_a_get(m: &Model, errors: &mut Errors) {
    // With `upload` too, `upload_excludes_download` has said what to fix.
    if let (Some(download), Some(method), None) = (m.attr.download, m.attr.method, m.attr.upload) {
        if method != Method::Get {
            errors.error(
                download,
                format!(
                    "`download` needs a GET endpoint (a file is fetched); this one is {}",
                    method.as_str()
                ),
            );
        }
    }
}

pub(crate) fn no_generic_parameters(m: &Model, errors: &mut Errors) {
    if !m.input.generics.params.is_empty() {
        errors.error(
            m.input.generics.span(),
            format!(
                "#[endpoint] does not support generic parameters on `{}`; give its fields concrete types",
                m.input.ident
            ),
        );
    }
}

fn file_is_required(m: &Model, errors: &mut Errors) {
    for f in m.fields().iter().filter(|f| f.file == FileType::Optional) {
        errors.error(
            type_span(f),
            format!(
                "the file of an upload is required: give `{}` the type `UploadFile`, not `Option<UploadFile>`",
                f.name
            ),
        );
    }
}

fn file_needs_upload(m: &Model, errors: &mut Errors) {
    if m.attr.upload.is_some() {
        return;
    }
    for f in m.fields_in(Place::File) {
        errors.error(
            type_span(f),
            format!(
                "`{}` is an `UploadFile`: add the `upload` flag, e.g. `#[endpoint(POST, \"/v3/merchant/media/upload\", upload)]`",
                f.name
            ),
        );
    }
}

fn file_has_one_role(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::File) {
        let k = &f.markers;
        let other_role = m.is_param(&f.name)
            || k.query.is_some()
            || k.header.is_some()
            || k.body.is_some()
            || k.form.is_some();
        if other_role {
            errors.error(
                type_span(f),
                format!(
                    "`{}` is the uploaded file (the part `{}`); it cannot also be a path, query, header or form parameter",
                    f.name, f.key
                ),
            );
        }
    }
}

fn file_is_not_meta(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::File).filter(|f| f.key == "meta") {
        errors.error(
            type_span(f),
            "the uploaded file cannot be the part `meta`, which holds the signed JSON; name the field after its part (e.g. `file`)",
        );
    }
}

fn one_file(m: &Model, errors: &mut Errors) {
    let mut files = m.fields_in(Place::File);
    let Some(first) = files.next() else { return };
    for f in files {
        errors.error(
            type_span(f),
            format!(
                "an upload sends one file: `{}` and `{}` are both `UploadFile`; keep one",
                first.name, f.name
            ),
        );
    }
}

/// The markers of a field other than `#[sensitive]`, with their spans:
/// `#[query]` and `#[body]`, then `#[form]`, then `#[header]`. By
/// [`crate::place`]'s precedence a `#[form]` field can also carry only the
/// first two, a `#[header]` field the first three.
fn role_markers(f: &Field) -> [(Option<proc_macro2::Span>, &'static str); 4] {
    let k = &f.markers;
    [
        (k.query, "#[query]"),
        (k.body, "#[body]"),
        (k.form, "#[form]"),
        (k.header.as_ref().map(|h| h.span), "#[header]"),
    ]
}

fn path_parameter_has_no_marker(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::Path) {
        for (span, marker) in role_markers(f) {
            if let Some(span) = span {
                errors.error(
                    span,
                    format!(
                        "`{}` is the path parameter `{{{}}}`; remove `{marker}`",
                        f.name, f.name
                    ),
                );
            }
        }
    }
}

fn always_sent_fields_have_no_cfg(m: &Model, errors: &mut Errors) {
    for f in m.fields() {
        let what = match f.place {
            Place::Path => format!("the path parameter `{{{}}}`", f.name),
            Place::File => "the uploaded file".to_owned(),
            _ => continue,
        };
        if let Some(cfg) = f.cfgs.first() {
            errors.error(
                cfg.span(),
                format!(
                    "`{}` is {what}, which every request needs; it cannot be behind `#[cfg]`",
                    f.name
                ),
            );
        }
    }
}

/// The span of a field's `#[header]`, which header rules report at.
fn header_span(f: &Field) -> proc_macro2::Span {
    f.markers
        .header
        .as_ref()
        .map_or_else(|| f.ident.span(), |h| h.span)
}

fn header_has_one_role(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::Header) {
        for (span, marker) in role_markers(f).into_iter().take(3) {
            if span.is_some() {
                errors.error(
                    header_span(f),
                    format!(
                        "`{}` cannot be both `#[header]` and `{marker}`; keep one",
                        f.name
                    ),
                );
            }
        }
    }
}

fn download_sends_no_header(m: &Model, errors: &mut Errors) {
    if m.attr.download.is_none() {
        return;
    }
    for f in m.fields_in(Place::Header) {
        errors.error(
            header_span(f),
            format!(
                "`#[header]` on `{}`: a `download` endpoint sends no headers of its own",
                f.name
            ),
        );
    }
}

fn headers_are_distinct(m: &Model, errors: &mut Errors) {
    let named: Vec<_> = m
        .fields_in(Place::Header)
        .filter_map(|f| Some((f, f.markers.header.as_ref()?.name.as_ref()?)))
        .collect();
    for (i, (f, name)) in named.iter().enumerate() {
        let first = named.iter().take(i).find(|(_, n)| n.lower == name.lower);
        if let Some((first, _)) = first {
            errors.error(
                header_span(f),
                format!(
                    "`{}` and `{}` are both the header `{}`; keep one",
                    first.name,
                    f.name,
                    name.lit.value()
                ),
            );
        }
    }
}

fn form_has_one_role(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::Form) {
        let form = f.markers.form.unwrap_or_else(|| f.ident.span());
        for (span, marker) in role_markers(f).into_iter().take(2) {
            if span.is_some() {
                errors.error(
                    form,
                    format!(
                        "`{}` cannot be both `#[form]` and `{marker}`; keep one",
                        f.name
                    ),
                );
            }
        }
    }
}

fn form_needs_upload(m: &Model, errors: &mut Errors) {
    if m.attr.upload.is_some() {
        return;
    }
    for f in m.fields_in(Place::Form) {
        errors.error(
            f.markers.form.unwrap_or_else(|| f.ident.span()),
            format!(
                "`#[form]` on `{}`: only an `upload` endpoint sends form parts; \
                 add the `upload` flag or remove `#[form]`",
                f.name
            ),
        );
    }
}

fn query_excludes_body(m: &Model, errors: &mut Errors) {
    for f in m.fields_in(Place::Query) {
        if let (Some(_), Some(body)) = (f.markers.query, f.markers.body) {
            errors.error(
                body,
                format!(
                    "`{}` cannot be both `#[query]` and `#[body]`; keep one",
                    f.name
                ),
            );
        }
    }
}

fn query_marker_is_needed(m: &Model, errors: &mut Errors) {
    let Some(method) = m.attr.method.filter(|m| !m.has_body()) else {
        return;
    };
    for f in m.fields_in(Place::Query) {
        if let (Some(query), None) = (f.markers.query, f.markers.body) {
            errors.error(
                query,
                format!(
                    "`#[query]` on `{}` is redundant: every non-path field of a {} endpoint goes to the query; remove it",
                    f.name,
                    method.as_str()
                ),
            );
        }
    }
}

fn body_marker_fits_the_method(m: &Model, errors: &mut Errors) {
    let Some(method) = m.attr.method.filter(|m| *m != Method::Delete) else {
        return;
    };
    for f in m.fields_in(Place::Body) {
        let Some(body) = f.markers.body else { continue };
        let message = if method.has_body() {
            format!(
                "`#[body]` on `{}` is redundant: every non-path field of a {} endpoint goes to the JSON body; remove it",
                f.name,
                method.as_str()
            )
        } else {
            format!(
                "`#[body]` on `{}`: a {} request has no body; only DELETE takes `#[body]` fields",
                f.name,
                method.as_str()
            )
        };
        errors.error(body, message);
    }
}

fn sensitive_in_body_or_query(m: &Model, errors: &mut Errors) {
    for f in m.fields() {
        let Some(span) = f.markers.sensitive else {
            continue;
        };
        let what = match f.place {
            Place::Body | Place::Query => continue,
            Place::Path => "a path parameter",
            Place::File => "the uploaded file",
            Place::Form => "a form part (sent as plain text)",
            Place::Header => "a header",
        };
        errors.error(
            span,
            format!(
                "`#[sensitive]` applies to body and query fields; `{}` is {what}",
                f.name
            ),
        );
    }
}

fn download_encrypts_nothing(m: &Model, errors: &mut Errors) {
    if m.attr.download.is_none() {
        return;
    }
    for f in m.fields() {
        if let (Some(span), Place::Body | Place::Query) = (f.markers.sensitive, f.place) {
            errors.error(
                span,
                format!(
                    "`#[sensitive]` on `{}`: a `download` endpoint encrypts nothing, so it would go out in clear; remove it",
                    f.name
                ),
            );
        }
    }
}

fn upload_has_a_file(m: &Model, errors: &mut Errors) {
    if let (Some(upload), Some(_)) = (m.attr.upload, &m.input.fields) {
        if m.fields_in(Place::File).next().is_none() {
            errors.error(
                upload,
                format!(
                    "`upload` endpoint `{}` needs a field of type `UploadFile` (the file to send)",
                    m.input.ident
                ),
            );
        }
    }
}

/// The names the multipart body already uses: no other part or `meta`
/// member may take them.
fn upload_parts_are_distinct(m: &Model, errors: &mut Errors) {
    if m.attr.upload.is_none() {
        return;
    }
    let file_part = m.fields_in(Place::File).next().map(|f| f.key.as_str());
    for f in m.fields() {
        let message = match f.place {
            Place::Body if matches!(f.key.as_str(), "filename" | "sha256") => format!(
                "`{}` would be the `meta` member `{}`, which the SDK computes from the file; remove the field",
                f.name, f.key
            ),
            Place::Form if f.key == "meta" || Some(f.key.as_str()) == file_part => format!(
                "the form part `{}` of `{}` has the name of the {} part; rename it",
                f.key,
                f.name,
                if f.key == "meta" { "`meta`" } else { "file's" }
            ),
            _ => continue,
        };
        errors.error(f.ident.span(), message);
    }
}

/// Every `{parameter}` names a field (reported at the path literal).
fn parameters_have_fields(m: &Model, errors: &mut Errors) {
    let (Some(template), Some(lit), Some(fields)) = (&m.template, &m.attr.path, &m.input.fields)
    else {
        return;
    };
    for param in template.params() {
        if fields.iter().any(|f| f.name == param) {
            continue;
        }
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let list = if names.is_empty() {
            "(none)".to_owned()
        } else {
            names.join(", ")
        };
        errors.error(
            lit.span(),
            format!(
                "path parameter `{{{param}}}` has no field of that name in `{}`; fields are: {list}",
                m.input.ident
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::{DeriveInput, parse_quote};

    use super::*;

    /// The messages `check` records for a declaration.
    fn mistakes(args: proc_macro2::TokenStream, mut item: DeriveInput) -> Vec<String> {
        let mut errors = Errors::default();
        let model = Model::read(args, &mut item, &mut errors);
        check(&model, &mut errors);
        errors.messages()
    }

    #[test]
    fn a_sound_declaration_passes() {
        let errors = mistakes(
            quote!(POST, "/v3/x/{id}/upload", upload),
            parse_quote! {
                struct Upload {
                    id: String,
                    file: UploadFile,
                    #[sensitive]
                    name: Option<String>,
                    #[query]
                    q: String,
                    #[form]
                    part: i64,
                    #[header("Idempotency-Key")]
                    key: String,
                }
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn every_mistake_is_reported_once() {
        let errors = mistakes(
            quote!(GET, "/v3/x/{id}/{missing}"),
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
                    #[header("x-trace")]
                    h2: String,
                }
            },
        );
        assert_eq!(
            errors,
            [
                "`id` is the path parameter `{id}`; remove `#[query]`",
                "`h` and `h2` are both the header `x-trace`; keep one",
                "`#[form]` on `f`: only an `upload` endpoint sends form parts; add the `upload` flag or remove `#[form]`",
                "`#[query]` on `q` is redundant: every non-path field of a GET endpoint goes to the query; remove it",
                "`#[sensitive]` applies to body and query fields; `h` is a header",
                "path parameter `{missing}` has no field of that name in `Bad`; fields are: id, q, f, h, h2",
            ]
        );
    }

    #[test]
    fn conflicting_markers_are_one_mistake() {
        let errors = mistakes(
            quote!(DELETE, "/v3/x"),
            parse_quote! {
                struct Both {
                    #[query]
                    #[body]
                    a: String,
                    #[header("X-A")]
                    #[query]
                    b: String,
                }
            },
        );
        assert_eq!(
            errors,
            [
                "`b` cannot be both `#[header]` and `#[query]`; keep one",
                "`a` cannot be both `#[query]` and `#[body]`; keep one",
            ]
        );
    }

    #[test]
    fn files_and_always_sent_fields() {
        let errors = mistakes(
            quote!(POST, "/v3/x/{id}"),
            parse_quote! {
                struct Files {
                    #[cfg(feature = "x")]
                    id: String,
                    a: Option<UploadFile>,
                    #[serde(rename = "meta")]
                    b: UploadFile,
                }
            },
        );
        assert_eq!(
            errors,
            [
                "the file of an upload is required: give `a` the type `UploadFile`, not `Option<UploadFile>`",
                "`a` is an `UploadFile`: add the `upload` flag, e.g. `#[endpoint(POST, \"/v3/merchant/media/upload\", upload)]`",
                "`b` is an `UploadFile`: add the `upload` flag, e.g. `#[endpoint(POST, \"/v3/merchant/media/upload\", upload)]`",
                "the uploaded file cannot be the part `meta`, which holds the signed JSON; name the field after its part (e.g. `file`)",
                "an upload sends one file: `a` and `b` are both `UploadFile`; keep one",
                "`id` is the path parameter `{id}`, which every request needs; it cannot be behind `#[cfg]`",
            ]
        );
    }

    #[test]
    fn flags_fit_the_method() {
        let errors = mistakes(
            quote!(PUT, "/v3/x", download, response = R),
            parse_quote! { struct D { #[sensitive] a: String, #[header("X-A")] b: String } },
        );
        assert_eq!(
            errors,
            [
                "a `download` endpoint answers a file, not JSON: remove `response = R`",
                "`download` needs a GET endpoint (a file is fetched); this one is PUT",
                "`#[header]` on `b`: a `download` endpoint sends no headers of its own",
                "`#[sensitive]` on `a`: a `download` endpoint encrypts nothing, so it would go out in clear; remove it",
            ]
        );
    }
}
