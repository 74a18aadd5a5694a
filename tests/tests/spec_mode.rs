//! The sandbox's spec mode refuses what the platform would: the catalogue
//! test (`catalogue.rs`) only proves that well-formed requests pass, these
//! prove that its checks can fail. Requests that the typed client cannot
//! even build (a missing required field) are sent with `request_json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::{Method, StatusCode};
use serde_json::{Value, json};
use wxpay::v3::marketing::partnerships::{Build, build};
use wxpay_sandbox::Sandbox;

async fn spec_sandbox() -> Sandbox {
    Sandbox::builder().spec_mode(true).start().await.unwrap()
}

/// A JSAPI order with every required field.
fn jsapi_order() -> Value {
    json!({
        "appid": "wxd678efh567hg6787",
        "mchid": "1900000109",
        "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": "1217752501201407033233368018",
        "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
        "amount": { "total": 100, "currency": "CNY" },
        "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }
    })
}

/// The refusal's status, code and `detail.field`.
fn refusal(e: &wxpay_core::Error) -> (Option<StatusCode>, Option<&str>, Option<&str>) {
    let field = e.as_api().and_then(|a| a.detail_field());
    (e.status(), e.code(), field)
}

#[tokio::test]
async fn a_well_formed_request_is_answered_with_the_spec_example() {
    let sandbox = spec_sandbox().await;
    let client = sandbox.client().unwrap();
    let answer = client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/jsapi",
            &[],
            Some(&jsapi_order()),
        )
        .await
        .unwrap();
    assert_eq!(answer["prepay_id"], "wx201410272009395522657a690389285100");
    assert_eq!(sandbox.hits("POST /v3/pay/transactions/jsapi"), 1);
}

#[tokio::test]
async fn missing_and_mistyped_body_fields_are_refused() {
    let sandbox = spec_sandbox().await;
    let client = sandbox.client().unwrap();
    let send = |body: Value| {
        let client = client.clone();
        async move {
            client
                .request_json(Method::POST, "/v3/pay/transactions/jsapi", &[], Some(&body))
                .await
                .unwrap_err()
        }
    };
    let mut no_total = jsapi_order();
    no_total["amount"].as_object_mut().unwrap().remove("total");
    let e = send(no_total).await;
    assert_eq!(
        refusal(&e),
        (
            Some(StatusCode::BAD_REQUEST),
            Some("PARAM_ERROR"),
            Some("amount.total")
        ),
        "{e}"
    );
    let mut text_total = jsapi_order();
    text_total["amount"]["total"] = json!("100");
    let e = send(text_total).await;
    assert_eq!(refusal(&e).2, Some("amount.total"), "{e}");
    assert_eq!(
        e.as_api().and_then(|a| a.detail_issue()),
        Some("must be an integer")
    );
    let mut no_payer = jsapi_order();
    no_payer.as_object_mut().unwrap().remove("payer");
    assert_eq!(refusal(&send(no_payer).await).2, Some("payer"));
    let e = send(json!([1, 2])).await;
    assert_eq!(e.code(), Some("PARAM_ERROR"), "{e}");
}

#[tokio::test]
async fn required_query_parameters_and_headers_are_checked() {
    let sandbox = spec_sandbox().await;
    let client = sandbox.client().unwrap();
    let e = client
        .request_json(Method::GET, "/v3/pay/transactions/id/4200000000", &[], None)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            Some(StatusCode::BAD_REQUEST),
            Some("PARAM_ERROR"),
            Some("mchid")
        ),
        "{e}"
    );
    let e = client
        .request_json(
            Method::GET,
            "/v3/marketing/favor/stocks",
            &[
                ("offset", "first"),
                ("limit", "10"),
                ("stock_creator_mchid", "1900000109"),
            ],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("offset"), "{e}");

    // `Idempotency-Key` is a required header: without it, refused; the
    // typed endpoint sends it from its `#[header]` field.
    let body = json!({
        "partner": { "type": "APPID", "appid": "wx4e1916a585d1f4e9" },
        "authorized_data": { "business_type": "FAVOR_STOCK", "stock_id": "2433405" }
    });
    let e = client
        .request_json(
            Method::POST,
            "/v3/marketing/partnerships/build",
            &[],
            Some(&body),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("Idempotency-Key"), "{e}");
    let built = client
        .call(Build {
            idempotency_key: "12345".into(),
            partner: build::Partner {
                r#type: build::Type::from("APPID"),
                appid: Some("wx4e1916a585d1f4e9".into()),
                merchant_id: None,
            },
            authorized_data: build::AuthorizedData {
                business_type: build::BusinessType::from("FAVOR_STOCK"),
                stock_id: Some("2433405".into()),
            },
        })
        .await;
    assert!(built.is_ok(), "{built:?}");
}

#[tokio::test]
async fn encrypted_fields_must_decrypt_with_the_named_key() {
    let sandbox = spec_sandbox().await;
    let client = sandbox.client().unwrap();
    // A field the platform expects encrypted, sent in clear.
    let mut order = jsapi_order();
    order["payer"]["identity"] =
        json!({ "type": "IDCARD", "number": "11010119900307000X", "name": "张三" });
    let e = client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/jsapi",
            &[],
            Some(&order),
        )
        .await
        .unwrap_err();
    let field = refusal(&e).2.unwrap_or_default().to_owned();
    assert!(field.starts_with("payer.identity."), "{e}");
    // The same for a query parameter the platform expects encrypted.
    let e = client
        .request_json(
            Method::GET,
            "/v3/realname/verify",
            &[
                ("credential_type", "1"),
                ("encrypted_credential_id", "11010119900307000X"),
                ("encrypted_name", "张三"),
                ("wxp_trade_no", "4200000000"),
            ],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("encrypted_credential_id"), "{e}");

    // The right key under an id the platform does not know.
    let key = sandbox.platform_keys()[0].private_key.public_key().unwrap();
    let wrong_id = sandbox
        .merchant_client_builder()
        .unwrap()
        .platform_public_key("PUB_KEY_ID_0000000000000000000000000000000042", key)
        .build()
        .unwrap();
    let e = wrong_id
        .request_json(
            Method::POST,
            "/v3/pay/transactions/jsapi",
            &[],
            Some(&jsapi_order()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"), "{e}");
    assert!(e.to_string().contains("PUB_KEY_ID_0000"), "{e}");
}

#[tokio::test]
async fn without_spec_mode_the_catalogue_is_unknown() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // Plain orders are stateful routes now; exposure is not one.
    let e = client
        .request_json(
            Method::POST,
            "/v3/pay/transactions/exposure",
            &[],
            Some(&jsapi_order()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND), "{e}");
}

/// The same upload declared three wrong ways: the file as the part `file`,
/// the form parts inside `meta`, and a number part that is not a number.
mod misdeclared {
    use wxpay_core::endpoint;
    use wxpay_core::upload::UploadFile;

    #[endpoint(POST, "/v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", upload, response = serde_json::Value)]
    pub struct FileAsFile {
        pub sub_mchid: String,
        pub file: UploadFile,
        #[form]
        pub item_id: i64,
        #[form]
        pub manage_record_id: String,
    }

    #[endpoint(POST, "/v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", upload, response = serde_json::Value)]
    pub struct PartsInMeta {
        pub sub_mchid: String,
        pub submission_file: UploadFile,
        pub item_id: i64,
        pub manage_record_id: String,
    }

    #[endpoint(POST, "/v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", upload, response = serde_json::Value)]
    pub struct TextItem {
        pub sub_mchid: String,
        pub submission_file: UploadFile,
        #[form]
        pub item_id: String,
        #[form]
        pub manage_record_id: String,
    }
}

#[tokio::test]
async fn upload_parts_are_checked_by_name() {
    use wxpay::v3::mch_manage::submission_files::sub_mchid::Upload;
    use wxpay_core::upload::UploadFile;

    let sandbox = spec_sandbox().await;
    let client = sandbox.client().unwrap();
    let pdf = || UploadFile::from_bytes("a.pdf", b"%PDF-1.4".to_vec());

    let answer = client
        .call(Upload {
            sub_mchid: "1900000109".into(),
            submission_file: pdf(),
            file_name: None,
            file_digest: None,
            item_id: 56,
            manage_record_id: "M1".into(),
        })
        .await
        .unwrap();
    assert_eq!(answer.file_id, "V1_E1W7MchDBewmOMGmKSMCgh5");

    let e = client
        .call(misdeclared::FileAsFile {
            sub_mchid: "1900000109".into(),
            file: pdf(),
            item_id: 56,
            manage_record_id: "M1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("submission_file"), "{e}");

    let e = client
        .call(misdeclared::PartsInMeta {
            sub_mchid: "1900000109".into(),
            submission_file: pdf(),
            item_id: 56,
            manage_record_id: "M1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("item_id"), "{e}");

    let e = client
        .call(misdeclared::TextItem {
            sub_mchid: "1900000109".into(),
            submission_file: pdf(),
            item_id: "fifty-six".into(),
            manage_record_id: "M1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(&e).2, Some("item_id"), "{e}");
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn a_merchant_id_must_be_the_signers_in_query_and_body() {
    let sandbox = Sandbox::builder().spec_mode(true).start().await.unwrap();
    let client = sandbox.client().unwrap();
    let callbacks = "/v3/marketing/busifavor/callbacks";
    client
        .request_json(Method::GET, callbacks, &[("mchid", client.mchid())], None)
        .await
        .unwrap();
    let e = client
        .request_json(Method::GET, callbacks, &[("mchid", "1230000109")], None)
        .await
        .unwrap_err();
    let api = e.as_api().expect("an API error");
    assert_eq!(api.code.as_deref(), Some("PARAM_ERROR"), "{e}");
    assert_eq!(api.detail_field(), Some("mchid"));
    assert_eq!(api.detail.as_ref().unwrap()["location"], "query");

    let close = "/v3/global/transactions/out-trade-no/T20261203/close";
    let e = client
        .request_json(
            Method::POST,
            close,
            &[],
            Some(&serde_json::json!({ "mchid": "1230000109" })),
        )
        .await
        .unwrap_err();
    let api = e.as_api().expect("an API error");
    assert_eq!(api.detail_field(), Some("mchid"), "{e}");
    assert_eq!(api.detail.as_ref().unwrap()["location"], "body");
    client
        .request_json(
            Method::POST,
            close,
            &[],
            Some(&serde_json::json!({ "mchid": client.mchid() })),
        )
        .await
        .unwrap();
}
