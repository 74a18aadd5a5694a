//! Procedural macros of [wxpay](https://docs.rs/wxpay-core): `#[endpoint]`
//! and `#[derive(SensitiveFields)]`. Use them through `wxpay_core`, which
//! re-exports both; this crate is an implementation detail.
//!
//! `#[endpoint]` is staged, one file per stage:
//!
//! 1. read: `attr` (the attribute's arguments), `template` (the path, a
//!    pure `&str` parser), `ast` (the struct as a field model, markers
//!    removed from it), `place` (where each field goes); together a
//!    `model::Model`;
//! 2. `check`: one small function per rule, every rule run;
//! 3. `expand` the checked model, or, when anything was wrong, emit the
//!    `fallback`: the struct, the client method and a stand-in impl next
//!    to the errors, so that a mistake is reported once, at the declaration.
//!
//! Every stage records its mistakes in `errors::Errors` and goes on, so one
//! build reports all of them.

mod ast;
mod attr;
mod case;
mod check;
mod errors;
mod expand;
mod fallback;
mod model;
mod place;
mod sensitive;
mod template;
mod v2;

use proc_macro::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::errors::Errors;
use crate::model::Model;

/// Declares a WeChat Pay APIv3 operation as a request struct.
///
/// ```text
/// #[endpoint(METHOD, "/v3/path/{param}/…"[, upload | download][, response = Type][, crate = "path"][, method_name = ident])]
/// struct Name {
///     [#[query] | #[body] | #[form] | #[header("Name")] | #[sensitive]] field: Type,
///     …
/// }
/// ```
///
/// - `METHOD`: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
/// - The path, exactly as in WeChat Pay's documentation. `{name}` segments
///   bind to the field of that name: its value (any `Display` type) is
///   percent-encoded (unreserved characters kept) and the field appears
///   nowhere else. A path may end with `/` (a few are documented that
///   way): the slash is sent and signed; an empty segment elsewhere (`//`)
///   is an error.
/// - For `GET` and `DELETE`, the other fields form the query string in
///   declaration order. For `POST`, `PUT` and `PATCH` they form the JSON
///   body; mark a field `#[query]` to send it in the query string instead.
///   Mark a field of a `DELETE` `#[body]` to send it in a JSON body (a few
///   operations take one).
/// - A query field's type implements `QueryValue`
///   (`wxpay_core::endpoint::QueryValue`): strings, numbers, `bool`,
///   `char`, `open_enum!` enums, an `Option` of one (`None` leaves the pair
///   out) or a `Vec` of them (joined with `,`). Any other type is a compile
///   error at the field; a type of your own qualifies by implementing
///   `QueryScalar` (a `Display` type).
/// - Mark a field `#[header("Idempotency-Key")]` to send it as that request
///   header (its `Display` text; an `Option` is left out when `None`). The
///   header is not signed (the protocol signs method, path, time, nonce and
///   body). The name is checked when the crate compiles: it must be an
///   HTTP field name, and not one the client writes itself
///   (`wxpay_core::protocol::header::RESERVED_HEADERS`: `Authorization`, `Accept`,
///   `Content-Type`, `Content-Length`, `Host`, `User-Agent`,
///   `Wechatpay-Serial`).
/// - Fields of type `Option<…>` are left out of the body and the query when
///   `None`. `#[serde(rename = "…")]` on a field sets its name on the wire.
/// - Mark a body or query field `#[sensitive]` to have the client encrypt
///   it with the platform key before signing (RSA-OAEP, base64; in the
///   query, percent-encoded like any value) and send the key's serial in
///   `Wechatpay-Serial`. It works on `String`, `Option<String>`, `Vec` of
///   those, and nested structs deriving `SensitiveFields`.
/// - `response = T`: the type a 2xx answer decodes into (`T:
///   DeserializeOwned`). Without it the response is `()` and any body,
///   usually none (204), is accepted.
/// - `crate = "path"`: where the core crate is, when it is renamed in
///   `Cargo.toml` (default `::wxpay_core`).
/// - `method_name = ident`: the client method's name. The default follows
///   the URL: the HTTP method in lower case, then every segment after
///   `/v3/` in snake_case, joined with `_`; a `{parameter}` is written as
///   its name, and left out where it repeats the segment before it.
///   `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` gets
///   `post_pay_transactions_out_trade_no_close`.
/// - `upload` (a flag, `POST` only): a media upload sent as
///   `multipart/form-data`. Exactly one field has the type
///   `UploadFile` (`wxpay_core::upload::UploadFile`, made from bytes or a
///   file path; its SHA-256 is computed by the SDK when it is made). The
///   body is then a `meta` part, the JSON
///   `{"filename":…,"sha256":…}` plus the endpoint's other body fields
///   (`None` left out), then one text part per field marked `#[form]`
///   (a few operations take parts beside `meta`: a string as it is, a
///   number as written), then the file, streamed from its source, in the
///   part named after its field (`file: UploadFile` is the part `file`;
///   `#[serde(rename = "…")]` names it otherwise). The request signature
///   covers exactly the `meta` bytes sent.
/// - `download` (a flag, `GET` only, no `response`): the answer is a file
///   the platform does not sign (bills and other downloads). The struct
///   implements `DownloadEndpoint` instead of `Endpoint`, and the client
///   method returns a `wxpay_core::Download`: the file as it arrives,
///   unverified, to be checked against its digest. The request itself is
///   signed like any other.
///
/// The struct must have named fields and no generic parameters. Everything
/// else it carries is kept: doc comments, other attributes (derives,
/// `#[serde(…)]` when a serde derive reads it, lints), raw identifiers
/// (`r#type` is the field and the wire name `type`). A field under
/// `#[cfg(…)]` is sent only when it is compiled in; a path parameter or an
/// upload's file cannot be, as every request needs it.
///
/// ```ignore
/// #[endpoint(POST, "/v3/merchant/media/upload", upload, response = UploadResponse)]
/// pub struct Upload {
///     pub file: UploadFile,
/// }
///
/// #[endpoint(GET, "/v3/billdownload/file", download)]
/// pub struct File {
///     pub token: String,
/// }
/// ```
///
/// # Calling it
///
/// The client method belongs to the trait `{Name}Ext`, generated next to
/// the struct and implemented for `Client`: it can be called where that
/// trait is in scope. Code beside the declaration has it; another module or
/// crate imports it (`use my_api::CloseOrderExt as _;`), or a prelude of
/// the declaring crate that re-exports every `…Ext as _` (the catalogue's
/// `wxpay::prelude` does). `client.call(request)` needs no import and works
/// for every endpoint (`client.download(request)` for a `download`); these
/// two are the only ways in, so request structs get no methods of their
/// own.
///
/// # What it generates
///
/// For
///
/// ```ignore
/// #[endpoint(POST, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close")]
/// pub struct CloseOrder {
///     pub out_trade_no: String,
///     pub mchid: String,
/// }
/// ```
///
/// it writes, next to the struct, code equivalent to:
///
/// ```ignore
/// /// Adds `post_pay_transactions_out_trade_no_close` to the client.
/// pub trait CloseOrderExt {
///     fn post_pay_transactions_out_trade_no_close(&self, request: CloseOrder)
///         -> impl Future<Output = Result<(), wxpay_core::Error>> + Send;
/// }
/// impl CloseOrderExt for wxpay_core::Client {
///     fn post_pay_transactions_out_trade_no_close(&self, request: CloseOrder)
///         -> impl Future<Output = Result<(), wxpay_core::Error>> + Send {
///         self.call(request)
///     }
/// }
/// impl wxpay_core::Endpoint for CloseOrder {
///     type Response = ();
///     const METHOD: http::Method = http::Method::POST;
///     const PATH: &'static str = "/v3/pay/transactions/out-trade-no/{out_trade_no}/close";
///     fn write_path_and_query(&self, out: &mut String) -> Result<(), wxpay_core::Error> {
///         out.push_str("/v3/pay/transactions/out-trade-no/");
///         push_path_param(out, "out_trade_no", &self.out_trade_no)?; // percent-encoded
///         out.push_str("/close");
///         // then, for query fields: QueryWriter::new(out).pair("name", &self.field)?; …
///         Ok(())
///     }
///     fn body(&self) -> Result<RequestBody, wxpay_core::Error> {
///         // serialises {"mchid": …}: every field but the path parameter
///     }
///     fn decode_response(body: &[u8]) -> Result<(), serde_json::Error> { Ok(()) }
/// }
/// ```
///
/// A `#[header("X-Name")]` field adds `write_headers`, which calls
/// `push_header(headers, HeaderName::from_static("x-name"), &self.field)`,
/// and a constant that fails to compile if `x-name` is a header the client
/// writes itself. `#[sensitive]` fields add `HAS_SENSITIVE = true` and
/// `encrypt_sensitive`. For an `upload`, `body()` is instead
/// `RequestBody::upload_parts("file", &self.file, &Body(self), &Form(self))`:
/// the `meta` JSON is built once from the file's name and digest and the
/// other body fields, the `#[form]` fields become text parts, and the
/// client signs and sends those very bytes. For a `download`, the
/// generated code implements `DownloadEndpoint` (`PATH`,
/// `write_path_and_query`, written by the same code as `Endpoint`'s), and
/// the client method calls `client.download(request)`.
///
/// # APIv2
///
/// ```text
/// #[endpoint(v2, POST | GET, "/path"[, mutual_tls][, unsigned_answer | download][, sign_types = "HMAC-SHA256, MD5"][, response = Type][, crate = "path"][, method_name = ident])]
/// ```
///
/// `v2` first declares an operation of the older XML protocol: the
/// struct implements `wxpay_core::v2::V2Endpoint`, every field is a field
/// of the `<xml>` body (of a `GET`: of the query), and the client writes
/// `nonce_str` and `sign` itself. The client method of a `POST` calls
/// `client.call_v2(request)` and returns `response` (decoded from the
/// answer's fields; none given: nothing is decoded); of a `GET` (a page
/// the payer's browser opens), `client.v2_signed_url(&request)`.
///
/// - `mutual_tls`: the request goes over the connection that presents the
///   merchant's API certificate.
/// - `unsigned_answer`: the platform does not sign the answer, so no `sign`
///   is checked.
/// - `download` (`POST`, no `response`): the answer is a bill; the method
///   calls `client.download_v2_bill(request)` and returns its CSV bytes.
/// - `sign_types`: the sign types the operation accepts, preferred first
///   (the default is both, HMAC-SHA256 first).
///
/// Mistakes particular to APIv2: a method other than `GET`/`POST`, a
/// `/v3/` path, a `{param}` in the path, a `nonce_str` or `sign` field,
/// field markers, an `UploadFile`, APIv3 flags, an unknown sign type, and
/// `download` on a `GET`, with a `response` or with `unsigned_answer`.
///
/// # Mistakes
///
/// Mistakes are compile errors that name what to fix: an unknown method, a
/// malformed path, a `{param}` without a field of that name, `#[query]` on a
/// `GET`, `#[body]` on anything but a `DELETE`, `#[form]` on anything but
/// an `upload`'s text fields, a `#[header]` without a
/// valid name or naming a header the client writes, a field with two
/// places, a query field whose type cannot be written into a query
/// string, a `#[cfg]` on a path parameter or the uploaded file, a tuple,
/// unit or generic struct, an unknown or repeated option or
/// flag, `upload` on anything but a `POST` or without exactly one
/// `UploadFile`, an `UploadFile` without `upload` or named `meta`, upload fields
/// whose names the multipart body already uses (`filename`, `sha256`, `meta`,
/// the file's part), `#[sensitive]` on a `download`, `download` on anything
/// but a `GET` or with a `response`. All of them are reported in one build.
/// With any of them, the struct, its client method and a stand-in impl of
/// the trait are still emitted, so code that uses the endpoint compiles:
/// each mistake is reported once, at the declaration.
#[proc_macro_attribute]
pub fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut input: DeriveInput = match syn::parse(item.clone()) {
        Ok(input) => input,
        Err(e) => {
            let mut out: TokenStream = e.to_compile_error().into();
            out.extend(item);
            return out;
        }
    };
    let mut errors = Errors::default();
    let model = Model::read(args.into(), &mut input, &mut errors);
    let generated = if model.attr.v2.is_some() {
        v2::check(&model, &mut errors);
        v2::expand(&model)
    } else {
        check::check(&model, &mut errors);
        match model.checked() {
            Some(checked) if errors.is_empty() => expand::expand(&checked),
            _ => fallback::fallback(&model),
        }
    };
    let errors = errors.to_compile_errors();
    quote!(#input #generated #errors).into()
}

/// Implements `SensitiveFields` for a nested request struct: every field
/// marked `#[sensitive]` is encrypted when the enclosing endpoint is sent.
///
/// ```ignore
/// #[derive(Serialize, SensitiveFields)]
/// pub struct Payee {
///     #[sensitive]
///     pub name: String,
///     pub openid: String,
/// }
/// ```
///
/// `#[wxpay(crate = "path")]` on the struct names a renamed core crate.
#[proc_macro_derive(SensitiveFields, attributes(sensitive, wxpay))]
pub fn derive_sensitive_fields(item: TokenStream) -> TokenStream {
    match syn::parse::<DeriveInput>(item) {
        Ok(input) => sensitive::derive(&input).into(),
        Err(e) => e.to_compile_error().into(),
    }
}
