// `#[cfg(…)]` on a field gates that field's generated code too: an
// attribute macro sees the fields before they are configured. `any()` is
// never true and `all()` always, so each place is tried both ways; a place
// whose every field is compiled out leaves no warning behind.
#![deny(warnings)]

use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};
use wxpay_core::upload::UploadFile;

#[endpoint(POST, "/v3/things/{id}")]
pub struct Post {
    pub id: String,
    #[cfg(all())]
    pub kept: String,
    #[cfg(any())]
    pub gone: String,
    #[cfg(any())]
    #[query]
    pub gone_query: String,
    #[cfg(any())]
    #[header("X-Gone")]
    pub gone_header: String,
    #[cfg(any())]
    #[sensitive]
    pub gone_secret: Option<String>,
}

#[endpoint(GET, "/v3/things")]
pub struct Get {
    #[cfg(all())]
    pub a: u32,
    #[cfg(any())]
    pub b: u32,
    #[cfg(all())]
    #[cfg(not(any()))]
    #[header("X-Kept")]
    pub kept_header: Option<String>,
    #[cfg(all())]
    #[sensitive]
    pub secret: String,
}

#[endpoint(POST, "/v3/things/upload", upload)]
pub struct Upload {
    pub file: UploadFile,
    #[cfg(any())]
    pub gone_meta: String,
    #[cfg(any())]
    #[form]
    pub gone_part: String,
}

fn main() {
    let post = Post { id: "1".into(), kept: "k".into() };
    assert!(!<Post as Endpoint>::HAS_SENSITIVE);
    let mut path = String::new();
    post.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/things/1");
    assert_eq!(post.body().unwrap(), RequestBody::Json(br#"{"kept":"k"}"#.to_vec()));
    let mut headers = http::HeaderMap::new();
    post.write_headers(&mut headers).unwrap();
    assert!(headers.is_empty());

    let mut get = Get { a: 1, kept_header: Some("h".into()), secret: "s".into() };
    assert!(<Get as Endpoint>::HAS_SENSITIVE);
    get.encrypt_sensitive(&mut |plain| Ok(format!("enc({plain})"))).unwrap();
    let mut path = String::new();
    get.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/things?a=1&secret=enc%28s%29");
    let mut headers = http::HeaderMap::new();
    get.write_headers(&mut headers).unwrap();
    assert_eq!(headers["x-kept"], "h");

    let upload = Upload { file: UploadFile::from_bytes("a.txt", b"a".to_vec()) };
    let RequestBody::Multipart(body) = upload.body().unwrap() else { panic!("not multipart") };
    let meta = String::from_utf8(body.meta().to_vec()).unwrap();
    assert!(meta.starts_with(r#"{"filename":"a.txt","sha256":""#), "{meta}");
    assert!(!meta.contains("gone"), "{meta}");
}
