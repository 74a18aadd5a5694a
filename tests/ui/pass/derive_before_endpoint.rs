// `#[derive]` above `#[endpoint]`: the derive runs first and must not trip
// over the `#[query]` and `#[sensitive]` markers.
use wxpay_core::endpoint;
use wxpay_core::endpoint::{Endpoint, RequestBody};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[endpoint(POST, "/v3/marketing/partnerships/build", method_name = build_partnership)]
pub struct BuildPartnership {
    #[query]
    pub idempotency: String,
    pub partner_type: String,
    pub remark: Option<String>,
    #[sensitive]
    pub contact_name: Option<String>,
}

fn main() {
    let mut req = BuildPartnership {
        idempotency: "k1".into(),
        partner_type: "APPID".into(),
        remark: None,
        contact_name: Some("张三".into()),
    };
    assert_eq!(req.clone(), req);
    assert!(BuildPartnership::HAS_SENSITIVE);
    req.encrypt_sensitive(&mut |plain| Ok(format!("enc({plain})"))).unwrap();
    assert_eq!(req.contact_name.as_deref(), Some("enc(张三)"));
    let mut path = String::new();
    req.write_path_and_query(&mut path).unwrap();
    assert_eq!(path, "/v3/marketing/partnerships/build?idempotency=k1");
    assert_eq!(
        req.body().unwrap(),
        RequestBody::Json(r#"{"partner_type":"APPID","contact_name":"enc(张三)"}"#.as_bytes().to_vec())
    );
}
