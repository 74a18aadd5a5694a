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
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

use crate::crypto::{Certificate, CryptoError, PublicKey, base64_decode};
use crate::error::VerifyReason;
use crate::sign::SCHEME;

/// The default tolerated distance between a signature's timestamp and the local clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

/// Header names of a signed response or notification.
pub mod headers {
    /// Unix seconds at which the platform signed.
    pub const TIMESTAMP: &str = "wechatpay-timestamp";
    /// The platform's nonce.
    pub const NONCE: &str = "wechatpay-nonce";
    /// Base64 signature.
    pub const SIGNATURE: &str = "wechatpay-signature";
    /// Serial of the key that signed (on responses); of the key the merchant
    /// encrypted with or wants responses signed with (on requests).
    pub const SERIAL: &str = "wechatpay-serial";
    /// `WECHATPAY2-SHA256-RSA2048` when present.
    pub const SIGNATURE_TYPE: &str = "wechatpay-signature-type";
    /// The platform's id for the exchange; quote it to support.
    pub const REQUEST_ID: &str = "request-id";
}

/// Builds the message a response or notification signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out
}

/// The signature headers of a response or notification, borrowed from a header map.
///
/// `Debug` shows who signed and when, not the nonce or the signature.
#[derive(Clone, Copy)]
pub struct SignatureHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Signature-Type`, when present.
    pub signature_type: Option<&'a str>,
}

impl fmt::Debug for SignatureHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("serial", &self.serial)
            .field("timestamp", &self.timestamp)
            .field("signature_type", &self.signature_type)
            .finish_non_exhaustive()
    }
}

impl<'a> SignatureHeaders<'a> {
    /// Reads the four required headers (names are case-insensitive) and the
    /// optional signature type.
    pub fn from_headers(map: &'a HeaderMap) -> Result<Self, VerifyReason> {
        let get = |name: &'static str| {
            header_str(map, name).ok_or(VerifyReason::MissingHeader(canonical_name(name)))
        };
        Ok(SignatureHeaders {
            timestamp: get(headers::TIMESTAMP)?,
            nonce: get(headers::NONCE)?,
            signature: get(headers::SIGNATURE)?,
            serial: get(headers::SERIAL)?,
            signature_type: header_str(map, headers::SIGNATURE_TYPE),
        })
    }

    /// Whether any signature header is present (error answers may come unsigned).
    pub fn any_present(map: &HeaderMap) -> bool {
        [
            headers::TIMESTAMP,
            headers::NONCE,
            headers::SIGNATURE,
            headers::SERIAL,
        ]
        .iter()
        .any(|name| map.contains_key(*name))
    }
}

/// The value of a header as text; `None` when absent, empty or not visible ASCII.
pub fn header_str<'a>(map: &'a HeaderMap, name: &str) -> Option<&'a str> {
    map.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn canonical_name(name: &'static str) -> &'static str {
    match name {
        headers::TIMESTAMP => "Wechatpay-Timestamp",
        headers::NONCE => "Wechatpay-Nonce",
        headers::SIGNATURE => "Wechatpay-Signature",
        headers::SERIAL => "Wechatpay-Serial",
        other => other,
    }
}

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
    /// valid at `now` that expires last.
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
                PlatformKeyKind::Certificate { not_after, .. } => Some((not_after, &k.serial)),
                PlatformKeyKind::PublicKey => None,
            })
            .max()
            .map(|(_, s)| s.clone())
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

/// Seconds since the Unix epoch (negative before it).
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs())
            .map(|s| -s)
            .unwrap_or(i64::MIN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;
    use http::HeaderValue;
    #[test]
    fn debug_shows_who_signed_not_the_nonce_or_signature() {
        let headers = SignatureHeaders {
            timestamp: "1554208460",
            nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
            signature: "SIGNATUREBASE64==",
            serial: "PUB_KEY_ID_01",
            signature_type: None,
        };
        let text = format!("{headers:?}");
        assert!(
            text.contains("PUB_KEY_ID_01") && text.contains("1554208460"),
            "{text}"
        );
        assert!(
            !text.contains("593BEC0C") && !text.contains("SIGNATUREBASE64"),
            "{text}"
        );
        let nonce = crate::sign::Nonce::generate().unwrap();
        assert!(!format!("{nonce:?}").contains(nonce.as_str()));
    }

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
        UNIX_EPOCH + Duration::from_secs(secs)
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
    fn header_lookup_is_case_insensitive_and_trims() {
        let mut map = HeaderMap::new();
        map.insert("Request-ID", HeaderValue::from_static(" RID "));
        assert_eq!(header_str(&map, "request-id"), Some("RID"));
        assert_eq!(header_str(&map, "REQUEST-ID"), Some("RID"));
        map.insert("x-empty", HeaderValue::from_static(""));
        assert_eq!(header_str(&map, "x-empty"), None);
        map.insert("x-bin", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        assert_eq!(header_str(&map, "x-bin"), None);
        assert!(!SignatureHeaders::any_present(&map));
        map.insert("WECHATPAY-SERIAL", HeaderValue::from_static("S"));
        assert!(SignatureHeaders::any_present(&map));
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
}
