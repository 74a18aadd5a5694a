// Everything a struct carries besides the markers passes through
// untouched: doc comments (as `///` and as `#[doc]`, also under
// `cfg_attr`), and attributes other macros and the compiler read, on the
// struct and on its fields, in any order around the markers. No warning.
#![deny(warnings)]

use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};

/// Lists a shop's items.
///
/// ```text
/// kept as written
/// ```
#[doc = "More documentation, as an attribute."]
#[derive(Debug, Clone, PartialEq)]
#[endpoint(POST, "/v3/shops/{shop_id}/items")]
#[must_use]
#[non_exhaustive]
#[repr(C)]
pub struct AddItem {
    /// The shop: the path parameter `{shop_id}`.
    #[doc(alias = "shop")]
    pub shop_id: u64,
    /// An idempotency key, sent in the query.
    #[allow(clippy::doc_markdown)]
    #[query]
    #[doc(alias = "key")]
    pub request_no: String,
    #[cfg_attr(all(), doc = "The item's name.")]
    #[allow(unused)]
    pub name: String,
}

fn main() {
    let item = AddItem { shop_id: 7, request_no: "R1".into(), name: "tea".into() };
    assert_eq!(item.clone(), item);
    assert!(format!("{item:?}").starts_with("AddItem { shop_id: 7"));
    let mut path = String::new();
    item.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/shops/7/items?request_no=R1");
    assert_eq!(item.body().unwrap(), RequestBody::Json(br#"{"name":"tea"}"#.to_vec()));
}
