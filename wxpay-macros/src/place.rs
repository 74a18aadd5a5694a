//! Where a field's value goes on the wire: one rule, in order of
//! precedence. A field with conflicting markers is still given one place
//! (the first that applies), so that `check` reports the conflict once and
//! nothing else about the field.

use crate::ast::Markers;
use crate::attr::Method;

/// Where a field's value goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A `{param}` segment of the path.
    Path,
    /// A `name=value` pair of the query string.
    Query,
    /// A member of the JSON body (of an upload: of its `meta` part).
    Body,
    /// `#[header("Name")]`: a request header.
    Header,
    /// The `UploadFile` of an `upload` endpoint: the part named after the field.
    File,
    /// `#[form]` on an `upload` endpoint: a text part of its own, not in `meta`.
    Form,
}

/// The place of a field: its type (the file of an upload), then its name
/// (a path parameter), then its markers (`#[header]`, `#[form]`,
/// `#[query]`, `#[body]`), then the method (a body for `POST`, `PUT` and
/// `PATCH`, else the query).
pub fn place(markers: &Markers, is_file: bool, in_path: bool, method: Option<Method>) -> Place {
    if is_file {
        Place::File
    } else if in_path {
        Place::Path
    } else if markers.header.is_some() {
        Place::Header
    } else if markers.form.is_some() {
        Place::Form
    } else if markers.query.is_some() {
        Place::Query
    } else if markers.body.is_some() || method.is_some_and(Method::has_body) {
        Place::Body
    } else {
        Place::Query
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;
    use crate::ast::Header;

    #[test]
    fn precedence() {
        let span = Some(Span::call_site());
        let all = Markers {
            query: span,
            body: span,
            form: span,
            sensitive: span,
            header: Some(Header {
                span: Span::call_site(),
                name: None,
            }),
        };
        let none = Markers::default();
        let post = Some(Method::Post);
        assert_eq!(place(&all, true, true, post), Place::File);
        assert_eq!(place(&all, false, true, post), Place::Path);
        assert_eq!(place(&all, false, false, post), Place::Header);
        let form = Markers {
            header: None,
            ..all
        };
        assert_eq!(place(&form, false, false, post), Place::Form);
        let query = Markers { form: None, ..form };
        assert_eq!(place(&query, false, false, post), Place::Query);
        let body = Markers {
            query: None,
            ..query
        };
        assert_eq!(
            place(&body, false, false, Some(Method::Delete)),
            Place::Body
        );
        for (method, expected) in [
            (Some(Method::Get), Place::Query),
            (Some(Method::Delete), Place::Query),
            (Some(Method::Post), Place::Body),
            (Some(Method::Put), Place::Body),
            (Some(Method::Patch), Place::Body),
            (None, Place::Query),
        ] {
            assert_eq!(place(&none, false, false, method), expected, "{method:?}");
        }
    }
}
