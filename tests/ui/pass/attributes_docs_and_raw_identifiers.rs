// Everything a struct may carry besides the markers passes through
// untouched: doc comments, foreign attributes on the struct and its fields,
// raw identifiers (as fields, path parameters, query keys and the method's
// name). No warning either.
#![deny(warnings)]

use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};

/// A query with keyword-named fields.
///
/// ```text
/// documentation is kept as written
/// ```
#[endpoint(GET, "/v3/things/{type}/items", method_name = r#try)]
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub struct Items {
    /// The kind of thing: the path parameter `{type}`.
    #[doc(alias = "kind")]
    pub r#type: String,
    /// A query parameter named `match`.
    #[allow(clippy::struct_field_names)]
    pub r#match: Option<String>,
    #[cfg_attr(all(), doc = "Kept whichever way the cfg goes.")]
    pub r#ref: u32,
}

/// A body with a keyword-named field and a header.
#[endpoint(POST, "/v3/things/{in}/move")]
#[repr(C)]
pub struct Move {
    pub r#in: String,
    /// Sent as `loop` in the JSON body.
    #[allow(unused)]
    pub r#loop: bool,
    #[header("X-Trace")]
    pub r#trace: String,
}

#[allow(dead_code)]
async fn use_them(client: &wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    client.r#try(Items { r#type: "t".into(), r#match: None, r#ref: 1 }).await?;
    client
        .post_things_in_move(Move { r#in: "a".into(), r#loop: true, r#trace: "x".into() })
        .await
}

fn main() {
    let items = Items { r#type: "fruit/veg".into(), r#match: Some("a b".into()), r#ref: 7 };
    assert_eq!(format!("{:?}", items.clone()), format!("{items:?}"));
    let mut path = String::new();
    items.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/things/fruit%2Fveg/items?match=a%20b&ref=7");

    let m = Move { r#in: "box".into(), r#loop: false, r#trace: "T1".into() };
    let mut path = String::new();
    m.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/things/box/move");
    assert_eq!(m.body().unwrap(), RequestBody::Json(br#"{"loop":false}"#.to_vec()));
    let mut headers = http::HeaderMap::new();
    m.write_headers(&mut headers).unwrap();
    assert_eq!(headers["x-trace"], "T1");
}
