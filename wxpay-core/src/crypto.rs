//! The cryptographic primitives of APIv3, all on OpenSSL.
//!
//! - RSASSA-PKCS1-v1_5 with SHA-256 for request, response and notification
//!   signatures ([`PrivateKey::sign`], [`PublicKey::verify`]);
//! - AEAD_AES_256_GCM with the APIv3 key for notification resources and
//!   downloaded certificates ([`ApiV3Key::decrypt`]);
//! - RSA-OAEP (SHA-1, MGF1-SHA-1) for sensitive fields
//!   ([`PublicKey::encrypt_oaep`], [`PrivateKey::decrypt_oaep`]);
//! - X.509 parsing for platform certificates ([`Certificate`]).
//!
//! Key types never print their material: their `Debug` shows only what kind
//! of key they are.
//!
//! Secrets held in memory are wiped when dropped: the [`ApiV3Key`]'s bytes,
//! what [`ApiV3Key::decrypt`] returns (a [`Zeroizing`] buffer), and the
//! working buffer of [`PrivateKey::decrypt_oaep`]. RSA private keys live
//! inside OpenSSL, which clears their numbers when it frees them.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::Signer;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use openssl::x509::X509;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A buffer wiped when dropped (re-exported from the `zeroize` crate): what
/// [`ApiV3Key::decrypt`] returns. It dereferences to the `Vec<u8>` inside.
pub use zeroize::Zeroizing;

/// Length of the GCM authentication tag appended to every ciphertext.
const GCM_TAG_LEN: usize = 16;

/// A cryptographic operation failed. Carries no key material and no plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A PEM text or file did not hold a key or certificate of the expected kind.
    #[error("invalid {what}: {reason}")]
    InvalidKey {
        /// What was being read ("private key", "certificate", …).
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// Input that should be base64 was not.
    #[error("invalid base64")]
    Base64,
    /// A ciphertext failed authentication or could not be decrypted with this key.
    #[error("decryption failed")]
    Decrypt,
    /// Encryption or signing failed inside OpenSSL.
    #[error("openssl: {0}")]
    OpenSsl(String),
}

fn ossl(e: openssl::error::ErrorStack) -> CryptoError {
    CryptoError::OpenSsl(e.to_string())
}

/// Decodes standard base64 (with padding).
pub fn base64_decode(text: &str) -> Result<Vec<u8>, CryptoError> {
    B64.decode(text).map_err(|_| CryptoError::Base64)
}

/// Encodes bytes as standard base64 (with padding).
pub fn base64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// An RSA private key: the merchant's API key, or (in the sandbox) a platform key.
///
/// Read from PEM in PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA
/// PRIVATE KEY`) form. `Debug` prints no key material.
#[derive(Clone)]
pub struct PrivateKey(PKey<Private>);

impl PrivateKey {
    /// Reads a private key from PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CryptoError> {
        let key = PKey::private_key_from_pem(pem).map_err(|_| CryptoError::InvalidKey {
            what: "private key",
            reason: "expected PEM `BEGIN PRIVATE KEY` (PKCS#8) or `BEGIN RSA PRIVATE KEY` (PKCS#1)"
                .into(),
        })?;
        let rsa = key.rsa().map_err(|_| CryptoError::InvalidKey {
            what: "private key",
            reason: "not an RSA key".into(),
        })?;
        if rsa.size() < 256 {
            return Err(CryptoError::InvalidKey {
                what: "private key",
                reason: format!(
                    "RSA key of {} bits; at least 2048 are required",
                    rsa.size() * 8
                ),
            });
        }
        Ok(PrivateKey(key))
    }

    /// Generates a fresh RSA-2048 key (for the sandbox and tests).
    pub fn generate() -> Result<Self, CryptoError> {
        let rsa = Rsa::generate(2048).map_err(ossl)?;
        Ok(PrivateKey(PKey::from_rsa(rsa).map_err(ossl)?))
    }

    /// The key in PKCS#8 PEM form. Handle the result as the secret it is.
    pub fn to_pem(&self) -> Result<Vec<u8>, CryptoError> {
        self.0.private_key_to_pem_pkcs8().map_err(ossl)
    }

    /// The key in PKCS#8 DER form (what TLS libraries take). Handle the
    /// result as the secret it is.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, CryptoError> {
        self.0.private_key_to_pkcs8().map_err(ossl)
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<PublicKey, CryptoError> {
        let der = self.0.public_key_to_der().map_err(ossl)?;
        PublicKey::new(PKey::public_key_from_der(&der).map_err(ossl)?)
    }

    /// RSASSA-PKCS1-v1_5 over SHA-256 of `message`, base64-encoded.
    pub fn sign(&self, message: &[u8]) -> Result<String, CryptoError> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.0).map_err(ossl)?;
        signer.update(message).map_err(ossl)?;
        let signature = signer.sign_to_vec().map_err(ossl)?;
        Ok(B64.encode(signature))
    }

    /// Decrypts an RSA-OAEP (SHA-1, MGF1-SHA-1) ciphertext given in base64:
    /// how sensitive fields of responses arrive, and the keys of encrypted
    /// bills. The working buffer is wiped; the plaintext returned is the
    /// caller's to wipe (wrap it in [`Zeroizing`]).
    pub fn decrypt_oaep(&self, ciphertext_b64: &str) -> Result<Vec<u8>, CryptoError> {
        let ciphertext = base64_decode(ciphertext_b64)?;
        let rsa = self.0.rsa().map_err(ossl)?;
        // OpenSSL may leave more than the plaintext in the buffer (it
        // copies the padded block in constant time): all of it is wiped.
        let mut out = Zeroizing::new(vec![0; rsa.size() as usize]);
        let n = rsa
            .private_decrypt(&ciphertext, &mut out, Padding::PKCS1_OAEP)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(out.get(..n).unwrap_or_default().to_vec())
    }

    pub(crate) fn pkey(&self) -> &PKey<Private> {
        &self.0
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(RSA-{}, redacted)", self.0.bits())
    }
}

/// An RSA public key: a WeChat Pay public key, the key of a platform
/// certificate, or (in the sandbox) a merchant's key.
///
/// The key is held twice, as OpenSSL's generic key (PEM, OAEP) and as its
/// RSA key, which is what [`verify`](Self::verify) uses (see there).
#[derive(Clone)]
pub struct PublicKey {
    pkey: PKey<Public>,
    rsa: Rsa<Public>,
}

/// The DER prefix of an EMSA-PKCS1-v1_5 `DigestInfo` for SHA-256 (RFC 8017,
/// section 9.2, note 1); the 32-byte digest follows it.
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl PublicKey {
    /// Wraps an OpenSSL key, refusing one that is not RSA.
    fn new(pkey: PKey<Public>) -> Result<Self, CryptoError> {
        let rsa = pkey.rsa().map_err(|_| CryptoError::InvalidKey {
            what: "public key",
            reason: "not an RSA key".into(),
        })?;
        Ok(PublicKey { pkey, rsa })
    }

    /// Reads a public key from PEM: `BEGIN PUBLIC KEY` (what the merchant
    /// platform hands out for the WeChat Pay public key) or `BEGIN RSA PUBLIC KEY`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CryptoError> {
        let key = PKey::public_key_from_pem(pem)
            .or_else(|_| Rsa::public_key_from_pem_pkcs1(pem).and_then(PKey::from_rsa))
            .map_err(|_| CryptoError::InvalidKey {
                what: "public key",
                reason: "expected PEM `BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`".into(),
            })?;
        PublicKey::new(key)
    }

    /// The key in `BEGIN PUBLIC KEY` PEM form.
    pub fn to_pem(&self) -> Result<Vec<u8>, CryptoError> {
        self.pkey.public_key_to_pem().map_err(ossl)
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature (raw bytes, not base64).
    ///
    /// Done as RFC 8017 (section 8.2.2) describes it: the signature must be
    /// as long as the modulus, the RSA public operation must yield a block
    /// with type-1 padding, and what the padding holds must equal, byte for
    /// byte, the SHA-256 `DigestInfo` of `message` (nothing is parsed). This
    /// is what OpenSSL's `EVP_DigestVerify` does too, without the per-call
    /// set-up of a context and a provider look-up that OpenSSL 3 adds to it
    /// (about a sixth of a verification's cost).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let size = self.rsa.size() as usize;
        if signature.len() != size {
            return false;
        }
        let mut block = vec![0; size];
        let Ok(n) = self
            .rsa
            .public_decrypt(signature, &mut block, Padding::PKCS1)
        else {
            return false;
        };
        let digest = openssl::sha::sha256(message);
        block.get(..n).is_some_and(|held| {
            held.len() == SHA256_DIGEST_INFO.len() + digest.len()
                && held.starts_with(&SHA256_DIGEST_INFO)
                && held.ends_with(&digest)
        })
    }

    /// Encrypts with RSA-OAEP (SHA-1, MGF1-SHA-1) and base64-encodes the result:
    /// how sensitive request fields are sent.
    pub fn encrypt_oaep(&self, plaintext: &[u8]) -> Result<String, CryptoError> {
        let rsa = &self.rsa;
        let mut out = vec![0; rsa.size() as usize];
        let n = rsa
            .public_encrypt(plaintext, &mut out, Padding::PKCS1_OAEP)
            .map_err(ossl)?;
        out.truncate(n);
        Ok(B64.encode(out))
    }

    /// Size of the modulus in bytes (256 for RSA-2048).
    pub fn size(&self) -> usize {
        self.pkey.size()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.pkey.bits())
    }
}

/// A parsed X.509 certificate: a merchant API certificate or a platform certificate.
#[derive(Clone)]
pub struct Certificate {
    x509: X509,
    serial: String,
    not_before: SystemTime,
    not_after: SystemTime,
    public_key: PublicKey,
}

impl Certificate {
    /// Parses a PEM certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CryptoError> {
        let invalid = |reason: &str| CryptoError::InvalidKey {
            what: "certificate",
            reason: reason.into(),
        };
        let x509 = X509::from_pem(pem).map_err(|_| invalid("expected PEM `BEGIN CERTIFICATE`"))?;
        let serial = x509
            .serial_number()
            .to_bn()
            .and_then(|bn| bn.to_hex_str().map(|s| s.to_ascii_uppercase()))
            .map_err(|_| invalid("unreadable serial number"))?;
        let not_before = asn1_to_system_time(x509.not_before())
            .ok_or_else(|| invalid("unreadable notBefore"))?;
        let not_after =
            asn1_to_system_time(x509.not_after()).ok_or_else(|| invalid("unreadable notAfter"))?;
        let key = x509
            .public_key()
            .map_err(|_| invalid("unreadable public key"))?;
        let public_key = PublicKey::new(key).map_err(|_| invalid("not an RSA certificate"))?;
        Ok(Certificate {
            x509,
            serial,
            not_before,
            not_after,
            public_key,
        })
    }

    /// Serial number in upper-case hex, as WeChat Pay writes it.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Start of validity.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// End of validity.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// The certified public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The certificate in PEM form.
    pub fn to_pem(&self) -> Result<Vec<u8>, CryptoError> {
        self.x509.to_pem().map_err(ossl)
    }

    /// The certificate in DER form.
    pub fn to_der(&self) -> Result<Vec<u8>, CryptoError> {
        self.x509.to_der().map_err(ossl)
    }

    /// Makes a self-signed certificate for `key` (the sandbox's platform
    /// certificates).
    pub fn self_signed(
        key: &PrivateKey,
        common_name: &str,
        serial: &[u8],
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Self, CryptoError> {
        Self::self_signed_with_names(key, common_name, serial, not_before, not_after, &[])
    }

    /// Makes a self-signed TLS server certificate for `key`, valid for
    /// `hosts` (DNS names such as `localhost`, or IP addresses such as
    /// `127.0.0.1`, listed in its subjectAltName). A client that trusts it
    /// as a root can then reach those hosts over HTTPS (the sandbox's TLS mode).
    pub fn self_signed_tls(
        key: &PrivateKey,
        hosts: &[&str],
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Self, CryptoError> {
        if hosts.is_empty() {
            return Err(CryptoError::OpenSsl(
                "a TLS certificate needs at least one host".into(),
            ));
        }
        let mut serial = [0u8; 16];
        random_bytes(&mut serial)?;
        serial[0] = (serial[0] & 0x7f) | 0x10;
        let cn = hosts.first().copied().unwrap_or("localhost");
        Self::self_signed_with_names(key, cn, &serial, not_before, not_after, hosts)
    }

    fn self_signed_with_names(
        key: &PrivateKey,
        common_name: &str,
        serial: &[u8],
        not_before: SystemTime,
        not_after: SystemTime,
        hosts: &[&str],
    ) -> Result<Self, CryptoError> {
        use openssl::asn1::{Asn1Integer, Asn1Time};
        use openssl::bn::BigNum;
        use openssl::x509::extension::{ExtendedKeyUsage, SubjectAlternativeName};
        use openssl::x509::{X509Builder, X509NameBuilder};

        let to_asn1 = |t: SystemTime| -> Result<Asn1Time, CryptoError> {
            let secs = t
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let secs = libc_time(secs)?;
            Asn1Time::from_unix(secs).map_err(ossl)
        };
        let mut name = X509NameBuilder::new().map_err(ossl)?;
        name.append_entry_by_text("C", "CN").map_err(ossl)?;
        name.append_entry_by_text("O", "wxpay sandbox")
            .map_err(ossl)?;
        name.append_entry_by_text("CN", common_name).map_err(ossl)?;
        let name = name.build();
        let mut b = X509Builder::new().map_err(ossl)?;
        b.set_version(2).map_err(ossl)?;
        let serial = BigNum::from_slice(serial)
            .and_then(|bn| Asn1Integer::from_bn(&bn))
            .map_err(ossl)?;
        b.set_serial_number(&serial).map_err(ossl)?;
        b.set_subject_name(&name).map_err(ossl)?;
        b.set_issuer_name(&name).map_err(ossl)?;
        b.set_pubkey(key.pkey()).map_err(ossl)?;
        let (start, end) = (to_asn1(not_before)?, to_asn1(not_after)?);
        b.set_not_before(&start).map_err(ossl)?;
        b.set_not_after(&end).map_err(ossl)?;
        if !hosts.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for host in hosts {
                if host.parse::<std::net::IpAddr>().is_ok() {
                    san.ip(host);
                } else {
                    san.dns(host);
                }
            }
            let san = san.build(&b.x509v3_context(None, None)).map_err(ossl)?;
            b.append_extension(san).map_err(ossl)?;
            let eku = ExtendedKeyUsage::new()
                .server_auth()
                .build()
                .map_err(ossl)?;
            b.append_extension(eku).map_err(ossl)?;
        }
        b.sign(key.pkey(), MessageDigest::sha256()).map_err(ossl)?;
        let pem = b.build().to_pem().map_err(ossl)?;
        Certificate::from_pem(&pem)
    }
}

fn libc_time(secs: u64) -> Result<i64, CryptoError> {
    i64::try_from(secs).map_err(|_| CryptoError::OpenSsl("time out of range".into()))
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

fn asn1_to_system_time(t: &openssl::asn1::Asn1TimeRef) -> Option<SystemTime> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(t).ok()?;
    let secs = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The merchant's APIv3 key: 32 ASCII characters set in the merchant
/// platform, used as the AES-256-GCM key of notifications and certificate
/// downloads. `Debug` prints nothing of it, and its bytes are wiped when it
/// is dropped ([`ZeroizeOnDrop`]).
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl Drop for ApiV3Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for ApiV3Key {}

impl ApiV3Key {
    /// Wraps the 32-character key.
    pub fn new(key: &str) -> Result<Self, CryptoError> {
        let bytes: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidKey {
                what: "APIv3 key",
                reason: format!("expected 32 bytes, got {}", key.len()),
            })?;
        Ok(ApiV3Key(bytes))
    }

    /// Decrypts an AEAD_AES_256_GCM resource: `ciphertext_b64` is
    /// base64(ciphertext ‖ 16-byte tag), `nonce` the IV (12 bytes in
    /// production, any non-empty length accepted), `associated_data` possibly empty.
    ///
    /// The plaintext (a notification's resource: personal data) comes in a
    /// buffer wiped when dropped.
    pub fn decrypt(
        &self,
        nonce: &[u8],
        associated_data: &[u8],
        ciphertext_b64: &str,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let data = base64_decode(ciphertext_b64)?;
        if nonce.is_empty() || data.len() < GCM_TAG_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (ciphertext, tag) = data.split_at(data.len() - GCM_TAG_LEN);
        decrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(nonce),
            associated_data,
            ciphertext,
            tag,
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
    }

    /// Encrypts like the platform does (the sandbox's notifications and
    /// certificate downloads): base64(ciphertext ‖ tag).
    pub fn encrypt(
        &self,
        nonce: &[u8],
        associated_data: &[u8],
        plaintext: &[u8],
    ) -> Result<String, CryptoError> {
        if nonce.is_empty() {
            return Err(CryptoError::OpenSsl("empty nonce".into()));
        }
        let mut tag = [0u8; GCM_TAG_LEN];
        let mut out = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(nonce),
            associated_data,
            plaintext,
            &mut tag,
        )
        .map_err(ossl)?;
        out.extend_from_slice(&tag);
        Ok(B64.encode(out))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(redacted)")
    }
}

/// Fills `out` with bytes from OpenSSL's CSPRNG.
pub fn random_bytes(out: &mut [u8]) -> Result<(), CryptoError> {
    openssl::rand::rand_bytes(out).map_err(ossl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;

    #[test]
    fn aes_gcm_round_trip_and_tamper() {
        let key = ApiV3Key::new(tv::APIV3_KEY).unwrap();
        let ct = key
            .encrypt(b"0123456789ab", b"transaction", "支付成功".as_bytes())
            .unwrap();
        let pt = key.decrypt(b"0123456789ab", b"transaction", &ct).unwrap();
        assert_eq!(*pt, "支付成功".as_bytes());
        assert_eq!(
            key.decrypt(b"0123456789ab", b"certificate", &ct),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(
            key.decrypt(b"0123456789ac", b"transaction", &ct),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(key.decrypt(b"n", b"", "AAAA"), Err(CryptoError::Decrypt));
        assert_eq!(
            key.decrypt(b"n", b"", "not base64!"),
            Err(CryptoError::Base64)
        );
        // Any nonce length is accepted.
        let ct = key.encrypt(b"short", b"", b"x").unwrap();
        assert_eq!(*key.decrypt(b"short", b"", &ct).unwrap(), b"x");
    }

    /// `PublicKey::verify` decides as OpenSSL's `EVP_DigestVerify` does on
    /// well-formed and forged signatures alike.
    #[test]
    fn verification_agrees_with_openssl_evp() {
        use openssl::sign::Verifier;
        let merchant = tv::merchant_key();
        let public = merchant.public_key().unwrap();
        let rsa = merchant.pkey().rsa().unwrap();
        let evp = |message: &[u8], signature: &[u8]| {
            let mut v = Verifier::new(MessageDigest::sha256(), &public.pkey).unwrap();
            v.verify_oneshot(signature, message).unwrap_or(false)
        };
        // The RSA private operation over `block` padded as PKCS#1 type 1
        // (or not padded at all).
        let seal = |block: &[u8], padding: Padding| {
            let mut out = vec![0; rsa.size() as usize];
            let n = rsa.private_encrypt(block, &mut out, padding).unwrap();
            out.truncate(n);
            out
        };
        let message = b"1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"ok\":1}\n";
        let digest = openssl::sha::sha256(message);
        let good = base64_decode(&merchant.sign(message).unwrap()).unwrap();
        let with = |prefix: &[u8], tail: &[u8]| [prefix, &digest, tail].concat();
        let signed_with = |md: MessageDigest| {
            let mut signer = Signer::new(md, merchant.pkey()).unwrap();
            signer.sign_oneshot_to_vec(message).unwrap()
        };
        // DigestInfo without the NULL parameters of the algorithm.
        let no_null = [
            &[0x30, 0x2f, 0x30, 0x0b][..],
            &SHA256_DIGEST_INFO[4..15],
            &[0x04, 0x20],
        ]
        .concat();
        // The same length, but SHA3-256's object identifier.
        let mut sha3 = SHA256_DIGEST_INFO;
        sha3[14] = 0x08;
        let mut type2 = vec![0x00, 0x02];
        type2.resize(256 - 52, 0x5a);
        type2.push(0x00);
        type2.extend_from_slice(&with(&SHA256_DIGEST_INFO, &[]));
        let modulus = rsa.n().to_vec();
        let cases: Vec<(&str, &[u8], Vec<u8>, bool)> = vec![
            ("good", message, good.clone(), true),
            ("other message", b"1554208460\n", good.clone(), false),
            ("SHA-1", message, signed_with(MessageDigest::sha1()), false),
            (
                "SHA-512",
                message,
                signed_with(MessageDigest::sha512()),
                false,
            ),
            ("bare digest", message, seal(&digest, Padding::PKCS1), false),
            (
                "trailing byte",
                message,
                seal(&with(&SHA256_DIGEST_INFO, &[0]), Padding::PKCS1),
                false,
            ),
            (
                "no NULL parameters",
                message,
                seal(&with(&no_null, &[]), Padding::PKCS1),
                false,
            ),
            (
                "SHA3-256 identifier",
                message,
                seal(&with(&sha3, &[]), Padding::PKCS1),
                false,
            ),
            (
                "type-2 padding",
                message,
                seal(&type2, Padding::NONE),
                false,
            ),
            ("the modulus", message, modulus, false),
            ("all ones", message, vec![0xff; 256], false),
            ("all zeros", message, vec![0; 256], false),
        ];
        for (name, message, signature, expected) in cases {
            assert_eq!(public.verify(message, &signature), expected, "{name}");
            assert_eq!(evp(message, &signature), expected, "{name} (EVP)");
        }
        for at in [0, 1, 128, 255] {
            let mut flipped = good.clone();
            flipped[at] ^= 0x01;
            assert!(!public.verify(message, &flipped), "byte {at} flipped");
            assert!(!evp(message, &flipped), "byte {at} flipped (EVP)");
        }
        // Lengths other than the modulus', and another key.
        assert!(!public.verify(message, &good[1..]));
        assert!(!public.verify(message, &[&[0][..], &good].concat()));
        assert!(!public.verify(message, &[]));
        let other = tv::platform_key().public_key().unwrap();
        assert!(!other.verify(message, &good));
    }

    #[test]
    fn apiv3_key_length_checked_and_redacted() {
        assert!(ApiV3Key::new("short").is_err());
        let key = ApiV3Key::new(tv::APIV3_KEY).unwrap();
        assert_eq!(format!("{key:?}"), "ApiV3Key(redacted)");
    }

    /// What is wiped on drop. Looking at the memory after a drop takes
    /// `unsafe` (forbidden in this crate), so the test holds the types to
    /// the `ZeroizeOnDrop` contract and the decryptions to their return
    /// types; the wiping itself is the `zeroize` crate's.
    #[test]
    fn secrets_are_wiped_on_drop() {
        fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}
        let key = ApiV3Key::new(tv::APIV3_KEY).unwrap();
        wiped_on_drop(&key);
        let ct = key.encrypt(b"0123456789ab", b"", b"openid").unwrap();
        let plain: Zeroizing<Vec<u8>> = key.decrypt(b"0123456789ab", b"", &ct).unwrap();
        wiped_on_drop(&plain);
        // A clone is a key of its own, wiped on its own drop.
        let copy = key.clone();
        drop(key);
        assert_eq!(*copy.decrypt(b"0123456789ab", b"", &ct).unwrap(), b"openid");
        // The OAEP plaintext is handed over at its exact length, out of a
        // wiped buffer the size of the modulus.
        let merchant = tv::merchant_key();
        let ct = merchant
            .public_key()
            .unwrap()
            .encrypt_oaep(b"32-byte bill key 0123456789abcde")
            .unwrap();
        let plain = merchant.decrypt_oaep(&ct).unwrap();
        assert_eq!(plain, b"32-byte bill key 0123456789abcde");
    }

    #[test]
    fn oaep_vector_decrypts_with_merchant_key() {
        let v = tv::case("oaep_decrypt_with_merchant_key");
        let key = tv::merchant_key();
        let plain = key.decrypt_oaep(v["ciphertext"].as_str().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            v["plaintext"].as_str().unwrap()
        );
    }

    #[test]
    fn oaep_round_trip() {
        let key = tv::merchant_key();
        let ct = key
            .public_key()
            .unwrap()
            .encrypt_oaep("6222 0000 0000".as_bytes())
            .unwrap();
        assert_eq!(key.decrypt_oaep(&ct).unwrap(), b"6222 0000 0000");
        assert_eq!(
            tv::platform_key().decrypt_oaep(&ct),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn private_key_pem_forms_and_debug() {
        let pkcs8 = tv::merchant_key();
        assert!(!format!("{pkcs8:?}").contains("BEGIN"));
        assert_eq!(format!("{pkcs8:?}"), "PrivateKey(RSA-2048, redacted)");
        // The same key in PKCS#1 form reads too.
        let rsa = pkcs8.pkey().rsa().unwrap().private_key_to_pem().unwrap();
        assert!(String::from_utf8_lossy(&rsa).contains("BEGIN RSA PRIVATE KEY"));
        let again = PrivateKey::from_pem(&rsa).unwrap();
        assert_eq!(again.sign(b"m").unwrap(), pkcs8.sign(b"m").unwrap());
        assert!(matches!(
            PrivateKey::from_pem(b"garbage"),
            Err(CryptoError::InvalidKey { .. })
        ));
    }

    #[test]
    fn certificates_report_serial_and_validity() {
        let cert = Certificate::from_pem(tv::file("merchant_cert.pem").as_bytes()).unwrap();
        assert_eq!(cert.serial(), tv::MERCHANT_SERIAL);
        let platform = Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap();
        assert_eq!(platform.serial(), tv::PLATFORM_SERIAL);
        assert!(platform.not_before() < platform.not_after());
        assert!(
            Certificate::from_pem(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
            )
            .is_err()
        );
    }

    #[test]
    fn tls_certificates_name_their_hosts() {
        let key = tv::platform_key();
        let now = SystemTime::now();
        let later = now + Duration::from_secs(3600);
        let cert =
            Certificate::self_signed_tls(&key, &["127.0.0.1", "localhost"], now, later).unwrap();
        let names: Vec<String> = cert
            .x509
            .subject_alt_names()
            .unwrap()
            .iter()
            .map(|n| match (n.dnsname(), n.ipaddress()) {
                (Some(dns), _) => dns.to_owned(),
                (None, Some(ip)) => format!("{ip:?}"),
                _ => String::new(),
            })
            .collect();
        assert_eq!(names, ["[127, 0, 0, 1]", "localhost"]);
        assert!(!cert.to_der().unwrap().is_empty());
        assert!(Certificate::self_signed_tls(&key, &[], now, later).is_err());
    }

    #[test]
    fn self_signed_certificates_round_trip() {
        let key = tv::platform_key();
        let now = SystemTime::now();
        let cert = Certificate::self_signed(
            &key,
            "t",
            &[0x0A, 0xBC],
            now,
            now + Duration::from_secs(3600),
        )
        .unwrap();
        assert_eq!(cert.serial(), "0ABC");
        let again = Certificate::from_pem(&cert.to_pem().unwrap()).unwrap();
        assert_eq!(again.serial(), "0ABC");
        let sig = key.sign(b"hello").unwrap();
        assert!(
            cert.public_key()
                .verify(b"hello", &base64_decode(&sig).unwrap())
        );
    }
}
