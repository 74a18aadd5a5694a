// Raw identifiers work wherever a field name does: as a path parameter
// (`{type}` binds `r#type`), as query and body keys (written without
// `r#`), on a header field, and as the client method's name. No warning.
#![deny(warnings)]

use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};

#[endpoint(GET, "/v3/things/{type}/items", method_name = r#try)]
pub struct Items {
    pub r#type: String,
    pub r#match: Option<String>,
    pub r#ref: u32,
}

#[endpoint(POST, "/v3/things/{in}/move")]
pub struct Move {
    pub r#in: String,
    pub r#loop: bool,
    #[header("X-Trace")]
    pub r#trace: String,
}

#[allow(dead_code)]
async fn use_them(client: &wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    client.r#try(Items { r#type: "t".into(), r#match: None, r#ref: 1 }).await?;
    client.post_things_in_move(Move { r#in: "a".into(), r#loop: true, r#trace: "x".into() }).await
}

fn main() {
    let items = Items { r#type: "fruit/veg".into(), r#match: Some("a b".into()), r#ref: 7 };
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
