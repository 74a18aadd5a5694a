//! What a declaration with mistakes expands to, next to its errors: the
//! client method and an impl of the trait whose bodies are never run (the
//! crate does not compile). Call sites then type-check, so a mistake is
//! reported once, at the declaration, not again wherever the endpoint is
//! used.
//!
//! The impl uses what could be read (the method, the path, the response
//! type) and stands in for the rest. A generic struct gets none: its
//! parameters cannot be guessed, and it is reported as a mistake anyway.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::expand::{client_method, header_checks, private};
use crate::model::Model;

pub fn fallback(m: &Model) -> TokenStream {
    if !m.input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let private = private(m);
    let ident = &m.input.ident;
    let line = match (&m.attr.word, &m.attr.path) {
        (Some(word), Some(path)) => format!("`{word} {}`", path.value()),
        _ => String::new(),
    };
    let client_method = m.fn_name().map(|name| client_method(m, &name, &line));
    let headers = header_checks(m, &private);
    let path = m
        .attr
        .path
        .as_ref()
        .map_or_else(String::new, syn::LitStr::value);
    let never = quote!(::core::unreachable!(
        "#[endpoint] reported a mistake in this declaration"
    ));
    let write_path_and_query = quote! {
        const PATH: &'static str = #path;

        fn write_path_and_query(
            &self,
            _: &mut #private::String,
        ) -> ::core::result::Result<(), #private::Error> {
            #never
        }
    };
    let implementation = if m.attr.download.is_some() {
        quote! {
            impl #private::DownloadEndpoint for #ident {
                #write_path_and_query
            }
        }
    } else {
        let response = m.attr.response();
        let method = syn::Ident::new(
            m.attr.method.map_or("GET", |method| method.as_str()),
            Span::call_site(),
        );
        quote! {
            impl #private::Endpoint for #ident {
                type Response = #response;
                const METHOD: #private::Method = #private::Method::#method;

                #write_path_and_query

                fn body(&self) -> ::core::result::Result<#private::RequestBody, #private::Error> {
                    #never
                }

                fn decode_response(
                    _: &[u8],
                ) -> ::core::result::Result<Self::Response, #private::serde_json::Error> {
                    #never
                }
            }
        }
    };
    quote! {
        #client_method
        const _: () = {
            #headers
            #implementation
        };
    }
}
