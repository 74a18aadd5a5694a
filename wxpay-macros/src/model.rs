//! One declaration, read: the attribute, the path template and the field
//! model. `check` judges it, then `expand` (no mistakes) or `fallback`
//! (some) writes the code.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::{DeriveInput, Ident, LitStr};

use crate::ast::{self, Field, Input};
use crate::attr::{self, Attr, Method};
use crate::errors::Errors;
use crate::place::Place;
use crate::template::{self, Template};

/// Everything read from one `#[endpoint]` and its struct.
pub struct Model {
    pub attr: Attr,
    /// The path template, when the path parsed.
    pub template: Option<Template>,
    pub input: Input,
}

/// A model `check` found no mistake in: everything generation needs is there.
pub struct Checked<'a> {
    pub model: &'a Model,
    pub method: Method,
    pub path: &'a LitStr,
    pub template: &'a Template,
    pub fn_name: Ident,
}

impl Model {
    /// Reads the attribute's arguments and the struct (which loses the
    /// markers only this macro reads), recording every mistake found.
    pub fn read(args: TokenStream, item: &mut DeriveInput, errors: &mut Errors) -> Model {
        let attr = attr::parse(args, errors);
        let template = attr
            .path
            .as_ref()
            .and_then(|lit| parse_template(lit, errors));
        let params: Vec<&str> = template.iter().flat_map(Template::params).collect();
        let input = ast::read(item, attr.method, &params, errors);
        Model {
            attr,
            template,
            input,
        }
    }

    /// The struct's named fields (none when it has no named fields).
    pub fn fields(&self) -> &[Field] {
        self.input.fields.as_deref().unwrap_or_default()
    }

    /// The fields that go to `place`, in declaration order.
    pub fn fields_in(&self, place: Place) -> impl Iterator<Item = &Field> {
        self.fields().iter().filter(move |f| f.place == place)
    }

    /// Whether `name` is a `{parameter}` of the path.
    pub fn is_param(&self, name: &str) -> bool {
        self.template
            .as_ref()
            .is_some_and(|t| t.params().any(|p| p == name))
    }

    /// The client method's name: `method_name`, or the naming rule over
    /// the method (as written) and the path. `None` when neither is known.
    pub fn fn_name(&self) -> Option<Ident> {
        if let Some(name) = &self.attr.method_name {
            return Some(name.clone());
        }
        let (word, path) = (self.attr.word.as_ref()?, self.attr.path.as_ref()?);
        let name = crate::case::method_name(&word.unraw().to_string(), &path.value());
        // Not a keyword or empty, which only a broken declaration could give.
        let mut ident = syn::parse_str::<Ident>(&name).ok()?;
        ident.set_span(self.input.ident.span());
        Some(ident)
    }

    /// The model with what generation needs, when it is all there.
    pub fn checked(&self) -> Option<Checked<'_>> {
        Some(Checked {
            model: self,
            method: self.attr.method?,
            path: self.attr.path.as_ref()?,
            template: self.template.as_ref()?,
            fn_name: self.fn_name()?,
        })
    }
}

impl Checked<'_> {
    /// "`METHOD /path`", for documentation.
    pub fn line(&self) -> String {
        format!("`{} {}`", self.method.as_str(), self.path.value())
    }
}

/// The path template, its problems recorded at the literal (stable Rust
/// cannot point inside it; each message names the segment).
fn parse_template(lit: &LitStr, errors: &mut Errors) -> Option<Template> {
    match template::parse(&lit.value()) {
        Ok(template) => Some(template),
        Err(problems) => {
            for problem in problems {
                errors.error(lit.span(), problem);
            }
            None
        }
    }
}

/// The span to report a field-wide problem at: its type.
pub fn type_span(field: &Field) -> Span {
    syn::spanned::Spanned::span(&field.ty)
}
