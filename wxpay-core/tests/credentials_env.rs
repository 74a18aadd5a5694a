//! Credentials as a deployment provides them: environment variables, the
//! merchant certificate beside the key, and the APIv3 key required when a
//! feature needs it, all refused at start-up rather than on first use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use wxpay_core::crypto::{Certificate, PrivateKey};
use wxpay_core::notify::Notifications;
use wxpay_core::{Client, Credentials, Error};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
const MCHID: &str = "1900000109";
const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn vars(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    move |name| map.get(name).cloned()
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

fn build_message(e: Error) -> String {
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    e.to_string()
}

#[test]
fn the_serial_is_read_from_the_merchant_certificate() {
    let c = Credentials::from_certificate_files(
        MCHID,
        fixture("merchant_cert.pem"),
        fixture("merchant_key.pem"),
    )
    .unwrap();
    assert_eq!(c.serial(), MERCHANT_SERIAL);
    assert_eq!(c.mchid(), MCHID);
    // Upper-case hex, as the merchant platform shows it.
    assert!(
        c.serial()
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    );
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let other = PrivateKey::generate().unwrap();
    let cert = std::fs::read(fixture("merchant_cert.pem")).unwrap();
    let e = Credentials::from_certificate_pem(MCHID, &cert, &other.to_pem().unwrap()).unwrap_err();
    let text = build_message(e);
    assert!(text.contains("not for this private key"), "{text}");
    assert!(text.contains(MERCHANT_SERIAL), "{text}");

    // The platform's certificate is a valid certificate, but not ours.
    let e = Credentials::from_certificate_files(
        MCHID,
        fixture("platform_cert.pem"),
        fixture("merchant_key.pem"),
    )
    .unwrap_err();
    assert!(build_message(e).contains("not for this private key"));

    let e = Credentials::from_certificate_files(
        MCHID,
        "/nonexistent/cert.pem",
        fixture("merchant_key.pem"),
    )
    .unwrap_err();
    assert!(build_message(e).contains("/nonexistent/cert.pem"));
}

#[test]
fn variables_give_the_key_as_a_file_or_as_text() {
    let pem = std::fs::read_to_string(fixture("merchant_key.pem")).unwrap();
    for key in [
        ("WXPAY_MERCHANT_KEY_FILE", path("merchant_key.pem")),
        ("WXPAY_MERCHANT_KEY", pem.clone()),
    ] {
        for serial in [
            ("WXPAY_MERCHANT_SERIAL", MERCHANT_SERIAL.to_owned()),
            ("WXPAY_MERCHANT_CERT_FILE", path("merchant_cert.pem")),
        ] {
            let c = Credentials::from_vars(vars(&[
                ("WXPAY_MCHID", MCHID.to_owned()),
                key.clone(),
                serial,
            ]))
            .unwrap();
            assert_eq!((c.mchid(), c.serial()), (MCHID, MERCHANT_SERIAL));
        }
    }
}

#[test]
fn missing_or_doubled_variables_are_named_without_their_values() {
    let pem = std::fs::read_to_string(fixture("merchant_key.pem")).unwrap();
    let secret_line = pem.lines().nth(1).unwrap().to_owned();
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (vec![], "WXPAY_MCHID"),
        (
            vec![
                ("WXPAY_MCHID", MCHID.into()),
                ("WXPAY_MERCHANT_SERIAL", "S".into()),
            ],
            "WXPAY_MERCHANT_KEY_FILE or WXPAY_MERCHANT_KEY",
        ),
        (
            vec![
                ("WXPAY_MCHID", MCHID.into()),
                ("WXPAY_MERCHANT_KEY", pem.clone()),
                ("WXPAY_MERCHANT_KEY_FILE", path("merchant_key.pem")),
                ("WXPAY_MERCHANT_SERIAL", "S".into()),
            ],
            "both WXPAY_MERCHANT_KEY and WXPAY_MERCHANT_KEY_FILE",
        ),
        (
            vec![
                ("WXPAY_MCHID", MCHID.into()),
                ("WXPAY_MERCHANT_KEY", pem.clone()),
            ],
            "WXPAY_MERCHANT_SERIAL or WXPAY_MERCHANT_CERT_FILE",
        ),
        (
            vec![
                ("WXPAY_MCHID", MCHID.into()),
                ("WXPAY_MERCHANT_KEY", pem.clone()),
                ("WXPAY_MERCHANT_SERIAL", "S".into()),
                ("WXPAY_MERCHANT_CERT_FILE", path("merchant_cert.pem")),
            ],
            "both WXPAY_MERCHANT_SERIAL and WXPAY_MERCHANT_CERT_FILE",
        ),
        (
            vec![
                ("WXPAY_MCHID", MCHID.into()),
                (
                    "WXPAY_MERCHANT_KEY",
                    "-----BEGIN PRIVATE KEY-----\nbroken".into(),
                ),
                ("WXPAY_MERCHANT_SERIAL", "S".into()),
            ],
            "private key could not be read",
        ),
    ];
    for (pairs, expected) in cases {
        let e = Credentials::from_vars(vars(&pairs)).unwrap_err();
        let text = build_message(e);
        assert!(text.contains(expected), "{text:?} lacks {expected:?}");
        assert!(!text.contains(&secret_line));
    }
}

/// Run by [`from_env_reads_the_process_environment`] in a child process
/// with the variables set; does nothing otherwise.
#[test]
fn env_child() {
    if std::env::var_os("WXPAY_CREDENTIALS_TEST_CHILD").is_none() {
        return;
    }
    let c = Credentials::from_env().unwrap();
    assert_eq!((c.mchid(), c.serial()), (MCHID, MERCHANT_SERIAL));
}

#[test]
fn from_env_reads_the_process_environment() {
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "env_child", "--quiet"])
        .env("WXPAY_CREDENTIALS_TEST_CHILD", "1")
        .env("WXPAY_MCHID", MCHID)
        .env("WXPAY_MERCHANT_KEY_FILE", fixture("merchant_key.pem"))
        .env("WXPAY_MERCHANT_CERT_FILE", fixture("merchant_cert.pem"))
        .env_remove("WXPAY_MERCHANT_KEY")
        .env_remove("WXPAY_MERCHANT_SERIAL")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    // And the child does fail when a variable is missing.
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "env_child", "--quiet"])
        .env("WXPAY_CREDENTIALS_TEST_CHILD", "1")
        .env("WXPAY_MCHID", MCHID)
        .env_remove("WXPAY_MERCHANT_KEY_FILE")
        .env_remove("WXPAY_MERCHANT_KEY")
        .env("WXPAY_MERCHANT_CERT_FILE", fixture("merchant_cert.pem"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}

fn credentials() -> Credentials {
    Credentials::from_certificate_files(
        MCHID,
        fixture("merchant_cert.pem"),
        fixture("merchant_key.pem"),
    )
    .unwrap()
}

#[test]
fn certificate_mode_needs_the_apiv3_key_at_build_time() {
    let e = Client::builder()
        .credentials(credentials())
        .download_platform_certificates(true)
        .build()
        .unwrap_err();
    assert!(build_message(e).contains("APIv3 key"));
    Client::builder()
        .credentials(credentials())
        .download_platform_certificates(true)
        .apiv3_key("sandboxApiV3Key0123456789abcdefX")
        .build()
        .unwrap();
}

#[test]
fn the_notification_handler_needs_the_apiv3_key_at_start_up() {
    let platform =
        Certificate::from_pem(&std::fs::read(fixture("platform_cert.pem")).unwrap()).unwrap();
    let without = Client::builder()
        .credentials(credentials())
        .platform_certificate(&platform)
        .build()
        .unwrap();
    let e = Notifications::try_new(without).unwrap_err();
    assert!(build_message(e).contains("APIv3 key"));
    let with = Client::builder()
        .credentials(credentials())
        .platform_certificate(&platform)
        .apiv3_key("sandboxApiV3Key0123456789abcdefX")
        .build()
        .unwrap();
    assert!(Notifications::try_new(with).is_ok());
}
