//! Verifying what WeChat Pay sends: responses and notifications.
//!
//! The platform signs `TIMESTAMP\nNONCE\nBODY\n` over the raw body bytes
//! ([`response_message`]) with the key named by `Wechatpay-Serial`. The
//! [`KeyStore`] maps those serials (opaque strings: hex for platform
//! certificates, `PUB_KEY_ID_…` for WeChat Pay public keys) to keys; both
//! kinds may live in one store at once, as during a migration.
//!
//! [`KeyStore::verify`] refuses a message when a header is missing, the
//! timestamp is further than the skew window from the local clock, the serial
//! is unknown or expired, or the signature does not match.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::client::Client;
use crate::crypto::{Certificate, CryptoError, PublicKey, base64_decode};
use crate::error::{ApiError, VerifyReason};
use crate::platform::Source;
use crate::protocol::{SCHEME, SignatureHeaders, request_id, response_message, unix_seconds};

/// The default tolerated distance between a signature's timestamp and the local clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

/// Which kind of platform key a [`PlatformKey`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformKeyKind {
    /// A WeChat Pay public key (`PUB_KEY_ID_…`); does not expire by itself.
    PublicKey,
    /// A platform certificate, valid within its dates.
    Certificate {
        /// Start of validity.
        not_before: SystemTime,
        /// End of validity; the key is refused afterwards.
        not_after: SystemTime,
    },
}

/// A key the platform signs with, named by its serial.
#[derive(Debug, Clone)]
pub struct PlatformKey {
    serial: String,
    key: PublicKey,
    kind: PlatformKeyKind,
}

impl PlatformKey {
    /// A WeChat Pay public key and its id (`PUB_KEY_ID_…`), as downloaded
    /// from the merchant platform.
    pub fn public_key(id: impl Into<String>, key: PublicKey) -> Self {
        PlatformKey {
            serial: id.into(),
            key,
            kind: PlatformKeyKind::PublicKey,
        }
    }

    /// A WeChat Pay public key from its PEM text.
    pub fn public_key_pem(id: impl Into<String>, pem: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self::public_key(id, PublicKey::from_pem(pem)?))
    }

    /// A platform certificate; the serial is read from it.
    pub fn certificate(cert: &Certificate) -> Self {
        PlatformKey {
            serial: cert.serial().to_owned(),
            key: cert.public_key().clone(),
            kind: PlatformKeyKind::Certificate {
                not_before: cert.not_before(),
                not_after: cert.not_after(),
            },
        }
    }

    /// The serial (`Wechatpay-Serial` value) naming this key.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// Public key or certificate.
    pub fn kind(&self) -> PlatformKeyKind {
        self.kind
    }

    /// Whether the key may still verify signatures at `now`: public keys
    /// always, certificates until they expire. (A certificate's start date
    /// is not enforced: the platform announces certificates before it signs
    /// with them, and refusing one on a slow local clock would fail payments.)
    pub fn is_valid_at(&self, now: SystemTime) -> bool {
        match self.kind {
            PlatformKeyKind::PublicKey => true,
            PlatformKeyKind::Certificate { not_after, .. } => now <= not_after,
        }
    }
}

/// Platform keys by serial, shared by every clone of a client.
///
/// Reads take a shared lock for one hash lookup; writes (configuration,
/// certificate refresh) are rare.
#[derive(Debug, Default)]
pub struct KeyStore {
    keys: RwLock<HashMap<String, Arc<PlatformKey>>>,
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key, replacing any key with the same serial.
    pub fn insert(&self, key: PlatformKey) {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        keys.insert(key.serial.clone(), Arc::new(key));
    }

    /// Removes a key by serial; returns whether it was present.
    pub fn remove(&self, serial: &str) -> bool {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        keys.remove(serial).is_some()
    }

    /// Drops certificates whose validity ended before `now`; returns how many.
    pub fn remove_expired(&self, now: SystemTime) -> usize {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        let before = keys.len();
        keys.retain(|_, k| match k.kind {
            PlatformKeyKind::PublicKey => true,
            PlatformKeyKind::Certificate { not_after, .. } => now <= not_after,
        });
        before - keys.len()
    }

    /// The key with this serial.
    pub fn get(&self, serial: &str) -> Option<Arc<PlatformKey>> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(serial)
            .cloned()
    }

    /// Whether a key with this serial is present.
    pub fn contains(&self, serial: &str) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(serial)
    }

    /// The serials present, sorted.
    pub fn serials(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Every key, in no particular order (a snapshot: later changes are not seen).
    pub fn keys(&self) -> Vec<Arc<PlatformKey>> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Whether a WeChat Pay public key is present.
    pub fn has_public_key(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .any(|k| k.kind == PlatformKeyKind::PublicKey)
    }

    /// Whether a key usable at `now` is present (a public key, or a
    /// certificate that has not expired).
    pub fn has_usable_key(&self, now: SystemTime) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .any(|k| k.is_valid_at(now))
    }

    /// The serial a client names by default: the WeChat Pay public key when
    /// there is one (the smallest id if several), otherwise the certificate
    /// valid at `now` that expires last. During a rotation the new
    /// certificate is listed before it takes effect: one whose validity has
    /// not begun is chosen only when no other is valid, since the platform
    /// cannot yet decrypt what is encrypted with it.
    pub fn default_serial(&self, now: SystemTime) -> Option<String> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = keys
            .values()
            .filter(|k| k.kind == PlatformKeyKind::PublicKey)
            .map(|k| &k.serial)
            .min()
        {
            return Some(id.clone());
        }
        keys.values()
            .filter(|k| k.is_valid_at(now))
            .filter_map(|k| match k.kind {
                PlatformKeyKind::Certificate {
                    not_before,
                    not_after,
                } => Some((not_before <= now, not_after, &k.serial)),
                PlatformKeyKind::PublicKey => None,
            })
            .max()
            .map(|(_, _, s)| s.clone())
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Verifies a signed message (response or notification) at time `now`.
    pub fn verify(
        &self,
        signed: &SignatureHeaders<'_>,
        body: &[u8],
        now: SystemTime,
        max_skew: Duration,
    ) -> Result<(), VerifyReason> {
        if let Some(kind) = signed.signature_type {
            if kind != SCHEME {
                return Err(VerifyReason::UnsupportedSignatureType(
                    kind.chars().take(64).collect(),
                ));
            }
        }
        check_skew(signed.timestamp, now, max_skew)?;
        let key = self
            .get(signed.serial)
            .filter(|k| k.is_valid_at(now))
            .ok_or_else(|| {
                VerifyReason::UnknownSerial(signed.serial.chars().take(128).collect())
            })?;
        let signature =
            base64_decode(signed.signature).map_err(|_| VerifyReason::MalformedSignature)?;
        if signature.len() != key.key.size() {
            return Err(VerifyReason::MalformedSignature);
        }
        let message = response_message(signed.timestamp, signed.nonce, body);
        if key.key.verify(&message, &signature) {
            Ok(())
        } else {
            Err(VerifyReason::BadSignature)
        }
    }
}

/// Verification with a client's keys, skew window and refresh rules: the
/// entry point for answers, error answers and notifications.
impl Client {
    /// Verifies a signed message from the platform (an answer, or a
    /// notification's raw body and headers) with this client's keys, skew
    /// window and refresh rules: an unknown serial leads to at most one
    /// on-demand download, after which the message is checked again.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_core::Client, headers: http::HeaderMap, body: bytes::Bytes) {
    /// use wxpay_core::protocol::SignatureHeaders;
    /// let verified = match SignatureHeaders::from_headers(&headers) {
    ///     Ok(signed) => client.verify_signature(&signed, &body).await.is_ok(),
    ///     Err(_) => false,
    /// };
    /// # }
    /// ```
    pub async fn verify_signature(
        &self,
        signed: &SignatureHeaders<'_>,
        body: &[u8],
    ) -> Result<(), VerifyReason> {
        self.verify_with_refresh(signed, body, Some(Source::Notification))
            .await
    }

    /// Verifies an answer's signature headers and body; an unknown serial
    /// may start a download on the answers' budget when `may_refresh`.
    pub(crate) async fn verify_answer(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        may_refresh: bool,
    ) -> Result<(), VerifyReason> {
        let signed = SignatureHeaders::from_headers(headers)?;
        let source = may_refresh.then_some(Source::Answer);
        self.verify_with_refresh(&signed, body, source).await
    }

    async fn verify_with_refresh(
        &self,
        signed: &SignatureHeaders<'_>,
        body: &[u8],
        refresh: Option<Source>,
    ) -> Result<(), VerifyReason> {
        let store = &self.inner.platform.store;
        let max_skew = self.inner.max_skew;
        match store.verify(signed, body, SystemTime::now(), max_skew) {
            Err(VerifyReason::UnknownSerial(_))
                if match refresh {
                    Some(source) => self.refresh_for_unknown_serial(signed.serial, source).await,
                    None => false,
                } =>
            {
                store.verify(signed, body, SystemTime::now(), max_skew)
            }
            other => other,
        }
    }

    /// The error a non-2xx answer stands for: its status, Request-ID and the
    /// platform's `code`, `message` and `detail`, marked verified only when
    /// the answer is signed and the signature checks out with the keys held
    /// now (an error answer never starts a certificate download).
    pub(crate) fn error_answer(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ApiError {
        let inner = &*self.inner;
        let verified = SignatureHeaders::from_headers(headers).is_ok_and(|signed| {
            inner
                .platform
                .store
                .verify(&signed, body, SystemTime::now(), inner.max_skew)
                .is_ok()
        });
        ApiError::from_answer(status, body, request_id(headers), verified)
    }
}

/// Checks that a `Wechatpay-Timestamp` is within `max_skew` of `now`.
pub fn check_skew(
    timestamp: &str,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), VerifyReason> {
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| VerifyReason::MalformedTimestamp)?;
    let now = unix_seconds(now);
    let skew = now.saturating_sub(ts);
    if skew.unsigned_abs() > max_skew.as_secs() {
        return Err(VerifyReason::StaleTimestamp {
            skew_secs: skew,
            allowed_secs: max_skew.as_secs(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;
    use http::HeaderValue;

    fn store() -> KeyStore {
        let s = KeyStore::new();
        s.insert(PlatformKey::public_key(
            tv::PUBLIC_KEY_ID,
            tv::wechatpay_public_key(),
        ));
        s.insert(PlatformKey::certificate(
            &Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap(),
        ));
        s
    }

    fn header_map(v: &serde_json::Value) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, val) in v["headers"].as_object().unwrap() {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(val.as_str().unwrap()).unwrap(),
            );
        }
        map
    }

    fn at(secs: u64) -> SystemTime {
        std::time::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn both_response_vectors_verify() {
        let s = store();
        for name in [
            "response_signed_by_platform_certificate",
            "response_signed_by_wechatpay_public_key",
        ] {
            let v = tv::case(name);
            let map = header_map(&v);
            let signed = SignatureHeaders::from_headers(&map).unwrap();
            let body = v["body"].as_str().unwrap().as_bytes();
            assert_eq!(
                response_message(signed.timestamp, signed.nonce, body),
                v["message"].as_str().unwrap().as_bytes()
            );
            s.verify(&signed, body, at(1_700_000_000), DEFAULT_MAX_SKEW)
                .unwrap();
            // A store holding only the other kind of key refuses it.
            let only = KeyStore::new();
            if signed.serial == tv::PUBLIC_KEY_ID {
                only.insert(PlatformKey::certificate(
                    &Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap(),
                ));
            } else {
                only.insert(PlatformKey::public_key(
                    tv::PUBLIC_KEY_ID,
                    tv::wechatpay_public_key(),
                ));
            }
            assert!(matches!(
                only.verify(&signed, body, at(1_700_000_000), DEFAULT_MAX_SKEW),
                Err(VerifyReason::UnknownSerial(_))
            ));
        }
    }

    #[test]
    fn tampering_and_staleness_are_refused() {
        let s = store();
        let v = tv::case("response_signed_by_wechatpay_public_key");
        let map = header_map(&v);
        let body = v["body"].as_str().unwrap().as_bytes();
        let now = at(1_700_000_000);
        let verify = |map: &HeaderMap, body: &[u8], now| {
            let signed = SignatureHeaders::from_headers(map)?;
            s.verify(&signed, body, now, DEFAULT_MAX_SKEW)
        };
        assert_eq!(verify(&map, body, now), Ok(()));

        // Tampered body.
        let mut tampered = body.to_vec();
        tampered[15] ^= 1;
        assert_eq!(
            verify(&map, &tampered, now),
            Err(VerifyReason::BadSignature)
        );
        // Tampered nonce header.
        let mut m = map.clone();
        m.insert(
            "wechatpay-nonce",
            HeaderValue::from_static("5K8264ILTKCH16CQ2502SI8ZNMTM67VT"),
        );
        assert_eq!(verify(&m, body, now), Err(VerifyReason::BadSignature));
        // Tampered timestamp header (still within skew).
        let mut m = map.clone();
        m.insert(
            "wechatpay-timestamp",
            HeaderValue::from_static("1700000001"),
        );
        assert_eq!(verify(&m, body, now), Err(VerifyReason::BadSignature));
        // Stale and future.
        assert!(matches!(
            verify(&map, body, at(1_700_000_301)),
            Err(VerifyReason::StaleTimestamp { skew_secs: 301, .. })
        ));
        assert!(matches!(
            verify(&map, body, at(1_699_999_699)),
            Err(VerifyReason::StaleTimestamp {
                skew_secs: -301,
                ..
            })
        ));
        assert_eq!(verify(&map, body, at(1_700_000_300)), Ok(()));
        // Unknown serial.
        let mut m = map.clone();
        m.insert(
            "wechatpay-serial",
            HeaderValue::from_static("PUB_KEY_ID_0000"),
        );
        assert_eq!(
            verify(&m, body, now),
            Err(VerifyReason::UnknownSerial("PUB_KEY_ID_0000".into()))
        );
        // Each header missing in turn.
        for (name, shown) in [
            ("wechatpay-timestamp", "Wechatpay-Timestamp"),
            ("wechatpay-nonce", "Wechatpay-Nonce"),
            ("wechatpay-signature", "Wechatpay-Signature"),
            ("wechatpay-serial", "Wechatpay-Serial"),
        ] {
            let mut m = map.clone();
            m.remove(name);
            assert_eq!(
                verify(&m, body, now),
                Err(VerifyReason::MissingHeader(shown))
            );
        }
        // Malformed signatures: not base64, wrong length, probe prefix.
        for bad in ["%%%", "AAAA", "WECHATPAY/SIGNTEST/AAAA"] {
            let mut m = map.clone();
            m.insert("wechatpay-signature", HeaderValue::from_str(bad).unwrap());
            assert_eq!(
                verify(&m, body, now),
                Err(VerifyReason::MalformedSignature),
                "{bad}"
            );
        }
        // Malformed timestamp and foreign signature type.
        let mut m = map.clone();
        m.insert("wechatpay-timestamp", HeaderValue::from_static("17e8"));
        assert_eq!(verify(&m, body, now), Err(VerifyReason::MalformedTimestamp));
        let mut m = map.clone();
        m.insert(
            "wechatpay-signature-type",
            HeaderValue::from_static("WECHATPAY2-SM2-WITH-SM3"),
        );
        assert!(matches!(
            verify(&m, body, now),
            Err(VerifyReason::UnsupportedSignatureType(_))
        ));
    }

    #[test]
    fn expired_certificates_are_not_used_and_can_be_dropped() {
        let s = store();
        let v = tv::case("response_signed_by_platform_certificate");
        let map = header_map(&v);
        let signed = SignatureHeaders::from_headers(&map).unwrap();
        let body = v["body"].as_str().unwrap().as_bytes();
        let key = s.get(tv::PLATFORM_SERIAL).unwrap();
        let PlatformKeyKind::Certificate { not_after, .. } = key.kind() else {
            panic!()
        };
        let late = not_after + Duration::from_secs(10);
        // Signed "now" but the certificate has expired.
        let ts = unix_seconds(late).to_string();
        let late_signed = SignatureHeaders {
            timestamp: &ts,
            ..signed
        };
        assert!(matches!(
            s.verify(&late_signed, body, late, DEFAULT_MAX_SKEW),
            Err(VerifyReason::UnknownSerial(_))
        ));
        assert_eq!(s.remove_expired(late), 1);
        assert_eq!(s.serials(), vec![tv::PUBLIC_KEY_ID.to_owned()]);
    }

    #[test]
    fn a_certificate_not_yet_in_effect_is_preferred_only_when_alone() {
        let key =
            crate::crypto::PrivateKey::from_pem(tv::file("platform_key.pem").as_bytes()).unwrap();
        let day = Duration::from_secs(86_400);
        let now = std::time::UNIX_EPOCH + day * 20_000;
        let cert = |serial: &[u8], from: SystemTime, to: SystemTime| {
            PlatformKey::certificate(
                &Certificate::self_signed(&key, "p", serial, from, to).unwrap(),
            )
        };
        let store = KeyStore::new();
        store.insert(cert(&[0x0a], now - day * 300, now + day * 60));
        // Announced: listed a week before it takes effect, expires later.
        store.insert(cert(&[0x0b], now + day * 7, now + day * 1800));
        assert_eq!(store.default_serial(now).as_deref(), Some("0A"));
        assert_eq!(store.default_serial(now + day * 8).as_deref(), Some("0B"));
        store.remove("0A");
        assert_eq!(store.default_serial(now).as_deref(), Some("0B"));
    }
}
