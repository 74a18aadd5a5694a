//! Sensitive request fields end to end: encrypted by the client with the
//! preferred platform key, named in `Wechatpay-Serial`, decrypted and
//! checked by the sandbox.

mod common;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use wxpay::prelude::*;
use wxpay::v3::refund::domestic::refunds::{AbnormalRefundType, ApplyAbnormalRefund, BankType};
use wxpay_core::crypto::{PrivateKey, base64_decode};
use wxpay_core::protocol::Nonce;
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_sandbox::Sandbox;

use common::{abnormal_refund, trade_no, transfer_batch};
use wxpay::v3::refund::domestic::{GetRefunds, RefundChannel, RefundStatus};

const APPLY_ROUTE: &str = "POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund";

fn apply_path(refund_id: &str) -> String {
    format!("/v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund")
}

fn to_user_card((refund_id, out_refund_no): &(String, String)) -> ApplyAbnormalRefund {
    ApplyAbnormalRefund {
        refund_id: refund_id.clone(),
        out_refund_no: out_refund_no.clone(),
        r#type: AbnormalRefundType::UserBankCard,
        bank_type: Some(BankType::CmbDebit),
        bank_account: Some("6214830000001234".into()),
        real_name: Some("张三".into()),
        ..Default::default()
    }
}

/// The sandbox's private half of the platform key with this serial.
fn platform_private_key(sandbox: &Sandbox, serial: &str) -> PrivateKey {
    sandbox
        .platform_keys()
        .into_iter()
        .find(|k| k.serial == serial)
        .unwrap_or_else(|| panic!("no platform key {serial}"))
        .private_key
}

/// Checks that `field` of a body as received is a ciphertext for the
/// platform key `serial` and decrypts to `plain`.
fn assert_encrypted(sandbox: &Sandbox, serial: &str, field: &Value, plain: &str) {
    let text = field.as_str().expect("a string");
    assert_ne!(text, plain);
    assert_eq!(base64_decode(text).unwrap().len(), 256, "RSA-2048 OAEP");
    let decrypted = platform_private_key(sandbox, serial)
        .decrypt_oaep(text)
        .unwrap();
    assert_eq!(String::from_utf8(decrypted).unwrap(), plain);
}

#[tokio::test]
async fn abnormal_refund_fields_arrive_encrypted_under_the_named_serial() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let serial = client.preferred_platform_serial().unwrap();
    assert!(serial.starts_with("PUB_KEY_ID_"));
    let refund = abnormal_refund(&sandbox, &client).await;

    let answer = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&refund))
        .await
        .unwrap();
    assert_eq!(answer.refund_id, refund.0);
    assert_eq!(answer.status, RefundStatus::Processing);
    assert_eq!(answer.channel, RefundChannel::OtherBankcard);
    // The sandbox could read the card number: it shows its last digits.
    assert_eq!(answer.user_received_account, "CMB_DEBIT 1234");
    // The refund itself moved on.
    let queried = client
        .get_refund_domestic_refunds_out_refund_no(GetRefunds {
            out_refund_no: refund.1.clone(),
            sub_mchid: None,
        })
        .await
        .unwrap();
    assert_eq!(queried.status, RefundStatus::Processing);
    assert_eq!(queried.user_received_account, "CMB_DEBIT 1234");

    let stored = sandbox.abnormal_refund(client.mchid(), &refund.0).unwrap();
    assert_eq!(stored.wechatpay_serial.as_deref(), Some(serial.as_str()));
    assert_encrypted(
        &sandbox,
        &serial,
        &stored.request["bank_account"],
        "6214830000001234",
    );
    assert_encrypted(&sandbox, &serial, &stored.request["real_name"], "张三");
    assert_eq!(stored.bank_account.as_deref(), Some("6214830000001234"));
    assert_eq!(stored.real_name.as_deref(), Some("张三"));
    assert_eq!(stored.request["type"], "USER_BANK_CARD");

    // Repeating the application gives the same answer (new ciphertexts,
    // same content).
    let again = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&refund))
        .await
        .unwrap();
    assert_eq!(again, answer);

    // A refund the platform does not have.
    let unknown = (
        "50000000382019052709732670009".to_owned(),
        "R-none".to_owned(),
    );
    let e = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&unknown))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RESOURCE_NOT_EXISTS"), "{e}");
    // The same refund_id with other parameters.
    let e = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(ApplyAbnormalRefund {
            out_refund_no: "R-other".into(),
            ..to_user_card(&refund)
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");

    // To the merchant's card: nothing sensitive, no decryption needed.
    let (refund_id, out_refund_no) = abnormal_refund(&sandbox, &client).await;
    let merchant = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(ApplyAbnormalRefund {
            refund_id,
            out_refund_no,
            r#type: AbnormalRefundType::MerchantBankCard,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(merchant.user_received_account, "merchant bank account");
}

#[tokio::test]
async fn nested_transfer_fields_are_encrypted_with_a_downloaded_certificate() {
    let sandbox = Sandbox::builder()
        .generated_certificate()
        .unwrap()
        .start()
        .await
        .unwrap();
    let certificate = sandbox.info().platform_serials[0].clone();
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .build()
        .unwrap();

    // The first request needs the key to encrypt with: it waits for the
    // certificate download, then sends.
    let no = trade_no("B");
    let answer = client.call(transfer_batch(&no)).await.unwrap();
    assert_eq!(answer.out_batch_no, no);
    assert_eq!(sandbox.hits("GET /v3/certificates"), 1);

    let stored = sandbox.transfer_batch(client.mchid(), &no).unwrap();
    assert_eq!(stored.wechatpay_serial, certificate);
    assert_eq!(stored.batch_id, answer.batch_id);
    let list = stored.request["transfer_detail_list"].as_array().unwrap();
    assert_encrypted(&sandbox, &certificate, &list[0]["user_name"], "张1");
    assert_encrypted(
        &sandbox,
        &certificate,
        &list[0]["user_id_card"],
        "11010119900307000X",
    );
    assert_encrypted(&sandbox, &certificate, &list[1]["user_name"], "张2");
    assert!(list[1].get("user_id_card").is_none());
    assert_eq!(stored.details[1].user_name, "张2");
    assert_eq!(stored.total_amount, 450);

    // Same batch again: same batch id, although the ciphertexts differ.
    let again = client.call(transfer_batch(&no)).await.unwrap();
    assert_eq!(again.batch_id, answer.batch_id);
    // Same number, different content: refused.
    let mut changed = transfer_batch(&no);
    changed.transfer_detail_list[1].user_name = "李四".into();
    let e = client.call(changed).await.unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
}

#[tokio::test]
async fn a_sensitive_request_without_a_platform_key_fails_before_sending() {
    // A public-key merchant, but a client set up for certificates only:
    // there is no key to encrypt with, and the request is never sent.
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .build()
        .unwrap();
    let never_sent = ("50000000382019052709732678859".to_owned(), "R1".to_owned());
    let e = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&never_sent))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    assert!(e.to_string().contains("platform_public_key"), "{e}");
    assert!(!format!("{e:?}").contains("6214830000001234"));
    assert_eq!(sandbox.hits(APPLY_ROUTE), 0);

    // A preferred serial that never arrives: the same, with its name.
    let client = sandbox
        .merchant_client_builder()
        .unwrap()
        .download_platform_certificates(true)
        .platform_public_key(
            "PUB_KEY_ID_0000000000000000000000000000000042",
            PrivateKey::generate().unwrap().public_key().unwrap(),
        )
        .preferred_platform_serial("7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52")
        .build()
        .unwrap();
    let e = client
        .call(transfer_batch(&trade_no("B")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("7132D72A03E93CDDF8C03BBD1F37EEDF0EA2AC52"),
        "{e}"
    );
    assert_eq!(sandbox.hits("POST /v3/transfer/batches"), 0);
}

/// Sends a signed POST as is, with or without `Wechatpay-Serial`.
async fn raw_post(
    sandbox: &Sandbox,
    path: &str,
    body: &Value,
    serial: Option<&str>,
) -> (StatusCode, Value) {
    let merchant = sandbox.merchant().unwrap();
    let credentials = Credentials::new(
        &merchant.mchid,
        &merchant.serial,
        merchant.private_key.clone().unwrap(),
    )
    .unwrap();
    let body = serde_json::to_vec(body).unwrap();
    let authorization = credentials
        .authorization(
            "POST",
            path,
            &body,
            wxpay_sandbox::time::now_unix(),
            &Nonce::generate().unwrap(),
        )
        .unwrap();
    let mut request = http::Request::builder()
        .method(Method::POST)
        .uri(format!("{}{path}", sandbox.base_url()))
        .header("authorization", authorization)
        .header("user-agent", "raw-test")
        .header("accept", "application/json")
        .header("content-type", "application/json");
    if let Some(serial) = serial {
        request = request.header("wechatpay-serial", serial);
    }
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let answer = transport
        .send(request.body(bytes::Bytes::from(body)).unwrap())
        .await
        .unwrap();
    let json = serde_json::from_slice(answer.body()).unwrap();
    (answer.status(), json)
}

#[tokio::test]
async fn a_missing_or_wrong_serial_gets_the_platforms_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let (refund_id, out_refund_no) = abnormal_refund(&sandbox, &sandbox.client().unwrap()).await;
    let apply = apply_path(&refund_id);
    let serial = sandbox.default_serial();
    let key = platform_private_key(&sandbox, &serial)
        .public_key()
        .unwrap();
    let body = |account: &str| {
        json!({
            "out_refund_no": out_refund_no,
            "type": "USER_BANK_CARD",
            "bank_type": "ICBC_DEBIT",
            "bank_account": account,
            "real_name": key.encrypt_oaep("张三".as_bytes()).unwrap(),
        })
    };
    let good = key.encrypt_oaep(b"6214830000001234").unwrap();

    // No Wechatpay-Serial.
    let (status, e) = raw_post(&sandbox, &apply, &body(&good), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], "PARAM_ERROR");
    assert!(
        e["message"].as_str().unwrap().contains("Wechatpay-Serial"),
        "{e}"
    );
    // A serial the platform does not have.
    let (status, e) = raw_post(&sandbox, &apply, &body(&good), Some("0ABC")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], "PARAM_ERROR");
    assert!(e["message"].as_str().unwrap().contains("0ABC"), "{e}");
    // The right serial, but a field encrypted to another key.
    let stranger = PrivateKey::generate().unwrap().public_key().unwrap();
    let foreign = stranger.encrypt_oaep(b"6214830000001234").unwrap();
    let (status, e) = raw_post(&sandbox, &apply, &body(&foreign), Some(&serial)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["detail"]["field"], "bank_account", "{e}");
    // A plaintext where a ciphertext belongs.
    let (status, e) = raw_post(&sandbox, &apply, &body("6214830000001234"), Some(&serial)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["detail"]["field"], "bank_account", "{e}");
    assert!(
        sandbox
            .abnormal_refund(&sandbox.info().mchid, &refund_id)
            .is_none()
    );
    // All of it right.
    let (status, answer) = raw_post(&sandbox, &apply, &body(&good), Some(&serial)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["user_received_account"], "ICBC_DEBIT 1234");

    // Through the client: a client naming a serial the platform does not
    // know (the right key under the wrong id) gets the same refusal.
    let wrong_id = sandbox
        .merchant_client_builder()
        .unwrap()
        .platform_public_key("PUB_KEY_ID_0000000000000000000000000000000042", key.clone())
        .build()
        .unwrap();
    let other = abnormal_refund(&sandbox, &sandbox.client().unwrap()).await;
    let e = wrong_id
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&other))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{e}");
    assert_eq!(e.code(), Some("PARAM_ERROR"));
    assert!(e.to_string().contains("PUB_KEY_ID_0000"), "{e}");
}

#[tokio::test]
async fn the_sandbox_checks_the_rest_of_the_bodies() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let refund = abnormal_refund(&sandbox, &client).await;

    let mut no_bank = to_user_card(&refund);
    no_bank.bank_type = None;
    let e = client.call(no_bank).await.unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("bank_type"), "{e}");

    let mut no_name = to_user_card(&refund);
    no_name.real_name = None;
    let e = client.call(no_name).await.unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("real_name"), "{e}");

    let mut letters = to_user_card(&refund);
    letters.bank_account = Some("not a card".into());
    let e = client.call(letters).await.unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("bank_account"),
        "{e}"
    );

    let e = client
        .call(to_user_card(&("R-12".to_owned(), refund.1.clone())))
        .await
        .unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!(api.detail_field(), Some("refund_id"), "{e}");
    assert_eq!(api.detail.as_ref().unwrap()["location"], "path");

    let mut other_bank = to_user_card(&refund);
    other_bank.bank_type = Some(BankType::Other("MOON_DEBIT".into()));
    let e = client.call(other_bank).await.unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("bank_type"));

    let mut wrong_total = transfer_batch(&trade_no("B"));
    wrong_total.total_amount = 1;
    let e = client.call(wrong_total).await.unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("total_amount"),
        "{e}"
    );
    let mut wrong_count = transfer_batch(&trade_no("B"));
    wrong_count.total_num = 3;
    let e = client.call(wrong_count).await.unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("total_num"));
    let mut bad_card = transfer_batch(&trade_no("B"));
    bad_card.transfer_detail_list[0].user_id_card = Some("123".into());
    let e = client.call(bad_card).await.unwrap_err();
    assert_eq!(
        e.as_api().unwrap().detail_field(),
        Some("transfer_detail_list[0].user_id_card")
    );
    // A well-formed refund_id that is not this refund's.
    let e = client
        .call(to_user_card(&(
            "50000000382019052709732670009".to_owned(),
            refund.1.clone(),
        )))
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("refund_id"), "{e}");
    assert_eq!(sandbox.hits(APPLY_ROUTE), 6);
    // None of it changed the refund.
    let refund_now = sandbox.refund(client.mchid(), &refund.1).unwrap();
    assert_eq!(refund_now.status, wxpay_sandbox::RefundStatus::Abnormal);
}

#[tokio::test]
async fn only_an_abnormal_refund_can_be_redirected() {
    use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mchid = client.mchid().to_owned();
    let no = trade_no("NA");
    client.call(common::order(&mchid, &no)).await.unwrap();
    sandbox.pay_order(&mchid, &no).unwrap();
    let out_refund_no = format!("R{no}");
    let refund = client
        .post_refund_domestic_refunds(PostRefunds {
            out_trade_no: Some(no),
            out_refund_no: out_refund_no.clone(),
            amount: PostRefundsAmount {
                refund: 100,
                from: None,
                total: 100,
                currency: "CNY".into(),
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let ids = (refund.refund_id, out_refund_no.clone());
    // Still processing.
    let e = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&ids))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("INVALID_REQUEST"), "{e}");
    assert!(e.to_string().contains("PROCESSING"), "{e}");
    // Succeeded.
    sandbox
        .settle_refund(&mchid, &out_refund_no, wxpay_sandbox::RefundStatus::Success)
        .unwrap();
    let e = client
        .post_refund_domestic_refunds_refund_id_apply_abnormal_refund(to_user_card(&ids))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("SUCCESS"), "{e}");
    assert_eq!(
        sandbox.refund(&mchid, &out_refund_no).unwrap().status,
        wxpay_sandbox::RefundStatus::Success
    );
    assert!(sandbox.abnormal_refund(&mchid, &ids.0).is_none());
}
