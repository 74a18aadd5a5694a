//! Properties of the generated endpoints that the catalogue test does not
//! show: encrypted fields stay out of `Debug`, in requests and in the
//! models nested in them, before and after encryption.
#![allow(clippy::unwrap_used)]

use wxpay::v3::realname::Verify;
use wxpay_core::Endpoint;

#[test]
fn encrypted_fields_are_redacted_in_debug() {
    let mut verify = Verify {
        credential_type: 1,
        encrypted_credential_id: "11010119900307000X".into(),
        encrypted_name: "张三".into(),
        wxp_trade_no: "4200000000".into(),
    };
    let shown = format!("{verify:?}");
    assert!(
        !shown.contains("11010119900307000X") && !shown.contains("张三"),
        "{shown}"
    );
    assert!(
        shown.contains("<redacted>") && shown.contains("4200000000"),
        "{shown}"
    );
    verify
        .encrypt_sensitive(&mut |_| Ok("CIPHERTEXT".into()))
        .unwrap();
    assert!(!format!("{verify:?}").contains("CIPHERTEXT"));
    // The query carries the ciphertext.
    let mut path = String::new();
    verify.write_path_and_query(&mut path).unwrap();
    assert!(path.contains("encrypted_name=CIPHERTEXT"), "{path}");

    let identity = wxpay::v3::pay::transactions::jsapi::Identity {
        r#type: "IDCARD".into(),
        number: "11010119900307000X".into(),
        name: "张三".into(),
    };
    let shown = format!("{identity:?}");
    assert!(
        !shown.contains("11010119900307000X") && !shown.contains("张三"),
        "{shown}"
    );
    assert!(shown.contains("type: Idcard"), "{shown}");
}
