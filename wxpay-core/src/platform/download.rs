//! One certificate download: decrypt, parse, and verify the answer with
//! what it carries before trusting any of it.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use super::certificates::{Certificates, CertificatesResponse};
use crate::client::Client;
use crate::crypto::{ApiV3Key, Certificate};
use crate::endpoint::{Endpoint, RequestBody};
use crate::error::{ApiError, BuildError, Error, VerifyError, VerifyReason};
use crate::protocol::SignatureHeaders;
use crate::verify::{KeyStore, PlatformKey};

use super::RefreshReport;

/// The only algorithm certificates are encrypted with.
const AEAD_AES_256_GCM: &str = "AEAD_AES_256_GCM";

/// Checks a `GET /v3/certificates` answer and returns the certificates it
/// proves, valid at `now`.
///
/// The answer is trusted only when all of this holds: every listed
/// certificate decrypts with `apiv3_key` (AES-256-GCM authenticates it) and
/// parses, with the serial announced for it; and the answer's signature
/// verifies, within `max_skew`, with either one of those certificates (the
/// self-verifying bootstrap) or a key already in `trusted` (for instance the
/// WeChat Pay public key a migrating merchant named in `Wechatpay-Serial`).
/// Certificates that have already expired are left out of the result.
///
/// ```no_run
/// # fn run(headers: &http::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::SystemTime;
/// use wxpay_core::crypto::ApiV3Key;
/// use wxpay_core::platform::verify_certificate_download;
/// use wxpay_core::verify::{DEFAULT_MAX_SKEW, KeyStore};
///
/// let key = ApiV3Key::new("sandboxApiV3Key0123456789abcdefX")?;
/// let certificates =
///     verify_certificate_download(headers, body, &key, &KeyStore::new(), SystemTime::now(), DEFAULT_MAX_SKEW)?;
/// for c in &certificates {
///     println!("{} valid until {:?}", c.serial(), c.not_after());
/// }
/// # Ok(()) }
/// ```
pub fn verify_certificate_download(
    headers: &HeaderMap,
    body: &[u8],
    apiv3_key: &ApiV3Key,
    trusted: &KeyStore,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Vec<Certificate>, VerifyReason> {
    let signed = SignatureHeaders::from_headers(headers)?;
    let refuse = |why: String| VerifyReason::CertificateDownload(why);
    let list: CertificatesResponse = serde_json::from_slice(body)
        .map_err(|e| refuse(format!("the certificate list is not readable: {e}")))?;

    let mut certificates = Vec::with_capacity(list.data.len());
    for info in &list.data {
        let serial: String = info.serial_no.chars().take(64).collect();
        let sealed = &info.encrypt_certificate;
        if sealed.algorithm != AEAD_AES_256_GCM {
            return Err(refuse(format!(
                "certificate {serial} is encrypted with {:?}, not {AEAD_AES_256_GCM}",
                sealed.algorithm.chars().take(32).collect::<String>()
            )));
        }
        let pem = apiv3_key
            .decrypt(
                sealed.nonce.as_bytes(),
                sealed.associated_data.as_bytes(),
                &sealed.ciphertext,
            )
            .map_err(|_| {
                refuse(format!(
                    "certificate {serial} does not decrypt with the APIv3 key (wrong key, or altered in transit)"
                ))
            })?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| refuse(format!("certificate {serial} does not parse: {e}")))?;
        if !certificate.serial().eq_ignore_ascii_case(&info.serial_no) {
            return Err(refuse(format!(
                "the certificate listed as {serial} has serial {}",
                certificate.serial()
            )));
        }
        certificates.push(certificate);
    }

    // Verify the answer with what it carries, plus what was already trusted.
    let candidates = KeyStore::new();
    for key in trusted.keys() {
        candidates.insert(PlatformKey::clone(&key));
    }
    for certificate in &certificates {
        candidates.insert(PlatformKey::certificate(certificate));
    }
    candidates.verify(&signed, body, now, max_skew)?;

    certificates.retain(|c| now <= c.not_after());
    Ok(certificates)
}

/// What one download brought.
pub(crate) enum Fetched {
    /// A verified list: the answer as received and the certificates it proves.
    List {
        headers: HeaderMap,
        body: Bytes,
        certificates: Vec<Certificate>,
    },
    /// Nothing to trust, and that is not an error (a public-key merchant's
    /// `404 RESOURCE_NOT_EXISTS`): the report as it stands.
    Final(RefreshReport),
}

/// Downloads the certificate list, verifies it and adds what it proves to
/// the client's key store; drops expired certificates.
pub(crate) async fn direct(client: &Client) -> Result<RefreshReport, Error> {
    match fetch(client).await? {
        Fetched::List { certificates, .. } => Ok(trust(
            &client.inner.platform.store,
            &certificates,
            SystemTime::now(),
        )),
        Fetched::Final(report) => Ok(report),
    }
}

/// Downloads the certificate list and verifies it, trusting nothing yet.
pub(crate) async fn fetch(client: &Client) -> Result<Fetched, Error> {
    let inner = &*client.inner;
    let platform = &inner.platform;
    let Some(apiv3_key) = inner.apiv3_key.as_ref() else {
        return Err(Error::build(
            "downloading platform certificates needs the APIv3 key: call ClientBuilder::apiv3_key",
        ));
    };
    let mut path = String::with_capacity(32);
    Certificates::default().write_path_and_query(&mut path)?;
    let serial = platform.preferred_serial();
    // One attempt, no retry: a failed download is retried by the next
    // refresh (periodic or on demand), never inside a request's wait.
    let exchange = crate::client::Exchange {
        method: Method::GET,
        template: <Certificates as Endpoint>::PATH,
        path_and_query: &path,
        body: &RequestBody::Empty,
        headers: &http::HeaderMap::new(),
        serial: serial.as_deref(),
        may_refresh: false,
    };
    let answer = client
        .exchange(&exchange, client.base_url(), inner.timeout)
        .await?;
    let store = &platform.store;
    let now = SystemTime::now();

    if !answer.status.is_success() {
        let api = client.error_answer(answer.status, &answer.headers, &answer.body);
        return no_certificates(client, api, now).map(Fetched::Final);
    }

    let certificates = verify_certificate_download(
        &answer.headers,
        &answer.body,
        apiv3_key,
        store,
        now,
        inner.max_skew,
    )
    .map_err(|reason| VerifyError {
        status: answer.status,
        request_id: answer.request_id.clone(),
        reason,
    })?;
    Ok(Fetched::List {
        headers: answer.headers,
        body: answer.body,
        certificates,
    })
}

/// A refused download: `404 RESOURCE_NOT_EXISTS` is a success for a client
/// holding a public key (the merchant has no certificate, as merchants
/// registered since late 2024), and is explained otherwise.
fn no_certificates(
    client: &Client,
    api: ApiError,
    now: SystemTime,
) -> Result<RefreshReport, Error> {
    let store = &client.inner.platform.store;
    if api.status != StatusCode::NOT_FOUND || api.code.as_deref() != Some("RESOURCE_NOT_EXISTS") {
        return Err(api.into());
    }
    if store.has_public_key() {
        // A public-key merchant, or one whose migration has finished.
        return Ok(RefreshReport {
            expired_removed: store.remove_expired(now),
            no_certificates: true,
            ..RefreshReport::default()
        });
    }
    let message = format!(
        "the platform has no certificate for merchant {} ({api}); merchants registered since late 2024 \
         have only the WeChat Pay public key: configure it with ClientBuilder::platform_public_key",
        client.inner.credentials.mchid()
    );
    Err(BuildError::with_source(message, Error::from(api)).into())
}

/// Adds the verified certificates to the store and drops expired ones.
pub(crate) fn trust(
    store: &KeyStore,
    certificates: &[Certificate],
    now: SystemTime,
) -> RefreshReport {
    let mut report = RefreshReport {
        listed: Vec::with_capacity(certificates.len()),
        ..RefreshReport::default()
    };
    for certificate in certificates {
        let serial = certificate.serial().to_owned();
        if !store.contains(&serial) {
            report.added.push(serial.clone());
        }
        store.insert(PlatformKey::certificate(certificate));
        report.listed.push(serial);
    }
    report.expired_removed = store.remove_expired(now);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;
    use http::HeaderValue;
    use std::time::UNIX_EPOCH;

    fn vector() -> (HeaderMap, Vec<u8>) {
        let v = tv::case("certificates_download");
        let mut map = HeaderMap::new();
        for (k, val) in v["headers"].as_object().unwrap() {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(val.as_str().unwrap()).unwrap(),
            );
        }
        (map, v["body"].as_str().unwrap().as_bytes().to_vec())
    }

    fn at_vector_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn key() -> ApiV3Key {
        ApiV3Key::new(tv::APIV3_KEY).unwrap()
    }

    #[test]
    fn the_vector_download_decrypts_and_verifies_itself() {
        let v = tv::case("certificates_download");
        let (headers, body) = vector();
        let certs = verify_certificate_download(
            &headers,
            &body,
            &key(),
            &KeyStore::new(),
            at_vector_time(),
            crate::verify::DEFAULT_MAX_SKEW,
        )
        .unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].serial(), tv::PLATFORM_SERIAL);
        assert_eq!(
            String::from_utf8(certs[0].to_pem().unwrap()).unwrap(),
            v["decrypted_certificate"].as_str().unwrap()
        );
        // The same certificate as the fixture.
        let fixture = Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap();
        assert_eq!(certs[0].not_after(), fixture.not_after());
    }

    #[test]
    fn a_tampered_or_foreign_download_is_refused() {
        let (headers, body) = vector();
        let now = at_vector_time();
        let skew = crate::verify::DEFAULT_MAX_SKEW;
        let check = |headers: &HeaderMap, body: &[u8], key: &ApiV3Key| {
            verify_certificate_download(headers, body, key, &KeyStore::new(), now, skew)
        };

        // Wrong APIv3 key: nothing decrypts.
        let wrong = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        assert!(matches!(
            check(&headers, &body, &wrong),
            Err(VerifyReason::CertificateDownload(m)) if m.contains("does not decrypt")
        ));

        // A byte of the ciphertext changed.
        let text = String::from_utf8(body.clone()).unwrap();
        let tampered = text.replacen("T5Bry", "T5Brz", 1);
        assert_ne!(tampered, text);
        assert!(matches!(
            check(&headers, tampered.as_bytes(), &key()),
            Err(VerifyReason::CertificateDownload(_))
        ));

        // The list intact but the answer re-ordered by a byte outside the
        // ciphertext: the signature no longer matches.
        let reordered = text.replacen("\"data\"", "\"data\" ", 1);
        assert_eq!(
            check(&headers, reordered.as_bytes(), &key()).unwrap_err(),
            VerifyReason::BadSignature
        );

        // A signature made by another key over the same body.
        let mut forged = headers.clone();
        let message = crate::protocol::response_message(
            "1700000000",
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &body,
        );
        let other = tv::merchant_key().sign(&message).unwrap();
        forged.insert(
            "wechatpay-signature",
            HeaderValue::from_str(&other).unwrap(),
        );
        assert_eq!(
            check(&forged, &body, &key()).unwrap_err(),
            VerifyReason::BadSignature
        );

        // Signed by a serial that is neither listed nor trusted.
        let mut unknown = headers.clone();
        unknown.insert("wechatpay-serial", HeaderValue::from_static("0ABC"));
        assert_eq!(
            check(&unknown, &body, &key()).unwrap_err(),
            VerifyReason::UnknownSerial("0ABC".into())
        );

        // Stale.
        assert!(matches!(
            verify_certificate_download(
                &headers,
                &body,
                &key(),
                &KeyStore::new(),
                now + Duration::from_secs(301),
                skew
            ),
            Err(VerifyReason::StaleTimestamp { .. })
        ));

        // Not JSON, and a missing header.
        assert!(matches!(
            check(&headers, b"<html>", &key()),
            Err(VerifyReason::CertificateDownload(_))
        ));
        let mut missing = headers.clone();
        missing.remove("wechatpay-signature");
        assert_eq!(
            check(&missing, &body, &key()).unwrap_err(),
            VerifyReason::MissingHeader("Wechatpay-Signature")
        );
    }

    #[test]
    fn a_listed_serial_must_match_the_certificate() {
        let (_, body) = vector();
        let text = String::from_utf8(body).unwrap();
        let relabelled = text.replacen(tv::PLATFORM_SERIAL, "0ABC", 1);
        // Re-sign with the platform key so only the serial label is wrong.
        let message = crate::protocol::response_message("1700000000", "n", relabelled.as_bytes());
        let signature = tv::platform_key().sign(&message).unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("wechatpay-timestamp", "1700000000".to_owned()),
            ("wechatpay-nonce", "n".to_owned()),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", tv::PLATFORM_SERIAL.to_owned()),
        ] {
            headers.insert(k, HeaderValue::from_str(&v).unwrap());
        }
        let e = verify_certificate_download(
            &headers,
            relabelled.as_bytes(),
            &key(),
            &KeyStore::new(),
            at_vector_time(),
            crate::verify::DEFAULT_MAX_SKEW,
        )
        .unwrap_err();
        assert!(
            matches!(&e, VerifyReason::CertificateDownload(m) if m.contains("has serial")),
            "{e}"
        );
    }

    #[test]
    fn a_download_may_be_signed_by_an_already_trusted_key() {
        // A migrating merchant names its public key: the platform signs the
        // certificate list with it.
        let (_, body) = vector();
        let message = crate::protocol::response_message("1700000000", "n", &body);
        let signer = crate::crypto::PrivateKey::from_pem(
            tv::file("wechatpay_pubkey_private.pem").as_bytes(),
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("wechatpay-timestamp", "1700000000".to_owned()),
            ("wechatpay-nonce", "n".to_owned()),
            ("wechatpay-signature", signer.sign(&message).unwrap()),
            ("wechatpay-serial", tv::PUBLIC_KEY_ID.to_owned()),
        ] {
            headers.insert(k, HeaderValue::from_str(&v).unwrap());
        }
        let now = at_vector_time();
        let skew = crate::verify::DEFAULT_MAX_SKEW;
        assert!(matches!(
            verify_certificate_download(&headers, &body, &key(), &KeyStore::new(), now, skew),
            Err(VerifyReason::UnknownSerial(_))
        ));
        let trusted = KeyStore::new();
        trusted.insert(PlatformKey::public_key(
            tv::PUBLIC_KEY_ID,
            tv::wechatpay_public_key(),
        ));
        let certs =
            verify_certificate_download(&headers, &body, &key(), &trusted, now, skew).unwrap();
        assert_eq!(certs[0].serial(), tv::PLATFORM_SERIAL);
    }
}
