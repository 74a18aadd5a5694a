// What phase 2 of the catalogue needs from the macro: a path ending in `/`
// (kept on the wire), a field sent as a request header, a DELETE carrying a
// JSON body field, a struct whose snake_case name is a keyword, and an
// encrypted query parameter.
use wxpay_core::{Endpoint, RequestBody, endpoint};

#[endpoint(POST, "/v3/applyment4sub/applyment/")]
pub struct Applyment {
    pub business_code: String,
}

#[endpoint(POST, "/v3/marketing/partnerships/build")]
pub struct Build {
    #[header("Idempotency-Key")]
    pub idempotency_key: String,
    #[header("X-Trace")]
    pub trace: Option<u64>,
    pub partner_mchid: String,
}

#[endpoint(DELETE, "/v3/brand/stores/{store_id}")]
pub struct DeleteStore {
    pub store_id: String,
    #[body]
    pub brand_id: String,
    pub note: Option<String>,
}

#[endpoint(POST, "/v3/gov/subsidy/try")]
pub struct Try {
    pub amount: i64,
}

#[endpoint(GET, "/v3/realname/verify")]
pub struct Verify {
    pub openid: String,
    #[sensitive]
    pub encrypted_name: String,
}

#[allow(dead_code)]
async fn use_it(client: &wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    use TryExt as _;
    client.post_gov_subsidy_try(Try { amount: 1 }).await
}

fn main() {
    let mut path = String::new();
    Applyment { business_code: "B1".into() }
        .write_path_and_query(&mut path)
        .unwrap();
    assert_eq!(path, "/v3/applyment4sub/applyment/");

    let build = Build {
        idempotency_key: "K-1".into(),
        trace: None,
        partner_mchid: "1900000109".into(),
    };
    let mut headers = http::HeaderMap::new();
    build.write_headers(&mut headers).unwrap();
    assert_eq!(headers.len(), 1);
    assert_eq!(headers["idempotency-key"], "K-1");
    assert_eq!(
        build.body().unwrap(),
        RequestBody::Json(br#"{"partner_mchid":"1900000109"}"#.to_vec())
    );
    let traced = Build { trace: Some(7), ..build };
    let mut headers = http::HeaderMap::new();
    traced.write_headers(&mut headers).unwrap();
    assert_eq!(headers["x-trace"], "7");
    let bad = Build { idempotency_key: "a\nb".into(), ..traced };
    assert!(bad.write_headers(&mut http::HeaderMap::new()).is_err());

    let mut verify = Verify {
        openid: "o1".into(),
        encrypted_name: "张三".into(),
    };
    assert!(<Verify as Endpoint>::HAS_SENSITIVE);
    verify
        .encrypt_sensitive(&mut |plain: &str| Ok(format!("enc/{}", plain.len())))
        .unwrap();
    let mut path = String::new();
    verify.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/realname/verify?openid=o1&encrypted_name=enc%2F6");

    let delete = DeleteStore {
        store_id: "S 1".into(),
        brand_id: "B1".into(),
        note: Some("n".into()),
    };
    let mut path = String::new();
    delete.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/brand/stores/S%201?note=n");
    assert_eq!(
        delete.body().unwrap(),
        RequestBody::Json(br#"{"brand_id":"B1"}"#.to_vec())
    );
}
