//! `#[derive(SensitiveFields)]` for structs nested in a request.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::errors::Errors;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let mut krate = quote!(::wxpay_core);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("wxpay")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let s: LitStr = meta.value()?.parse()?;
                let path: syn::Path = s.parse()?;
                krate = quote!(#path);
                Ok(())
            } else {
                Err(meta.error("unknown option; expected `crate = \"path\"`"))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let ident = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .filter(|f| f.attrs.iter().any(|a| a.path().is_ident("sensitive")))
                .filter_map(|f| f.ident.clone())
                .collect::<Vec<_>>(),
            other => {
                errors.error(
                    other.span(),
                    "#[derive(SensitiveFields)] needs a struct with named fields",
                );
                Vec::new()
            }
        },
        _ => {
            errors.error(
                ident.span(),
                "#[derive(SensitiveFields)] needs a struct with named fields",
            );
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return errors.to_compile_errors();
    }
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::SensitiveFields for #ident #ty_generics #where_clause {
            fn encrypt_sensitive_fields(
                &mut self,
                encrypt: &mut dyn ::core::ops::FnMut(&str) -> ::core::result::Result<#krate::__private::String, #krate::__private::Error>,
            ) -> ::core::result::Result<(), #krate::__private::Error> {
                #( #krate::__private::SensitiveFields::encrypt_sensitive_fields(&mut self.#fields, encrypt)?; )*
                ::core::result::Result::Ok(())
            }
        }
    }
}
