// `#[serde(rename)]` names a field on the wire whether or not the struct
// also derives serde traits, in either attribute order.
use serde::{Deserialize, Serialize};
use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};

#[endpoint(POST, "/v3/a")]
pub struct NoDerive {
    #[serde(rename = "type")]
    pub kind: String,
}

#[endpoint(POST, "/v3/b")]
#[derive(Serialize, Deserialize)]
pub struct DeriveAfter {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize, Debug)]
#[endpoint(POST, "/v3/c")]
pub struct DeriveBefore {
    #[serde(rename = "type")]
    pub kind: String,
    pub r#match: Option<bool>,
}

fn body(e: &impl Endpoint) -> String {
    match e.body().unwrap() {
        RequestBody::Json(b) => String::from_utf8(b).unwrap(),
        other => panic!("{other:?}"),
    }
}

fn main() {
    assert_eq!(body(&NoDerive { kind: "A".into() }), r#"{"type":"A"}"#);
    let d: DeriveAfter = serde_json::from_str(r#"{"type":"B"}"#).unwrap();
    assert_eq!(body(&d), r#"{"type":"B"}"#);
    assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"type":"B","note":null}"#);
    let c = DeriveBefore { kind: "C".into(), r#match: Some(true) };
    assert_eq!(body(&c), r#"{"type":"C","match":true}"#);
    assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"type":"C","match":true}"#);
}
