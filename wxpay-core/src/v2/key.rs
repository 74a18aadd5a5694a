//! The merchant's v2 key (the "API key" of APIv2), which signs v2 bodies.

use std::fmt;

use openssl::symm::Cipher;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::CryptoError;

/// The merchant's v2 key: 32 printable ASCII characters set in the merchant
/// platform. It signs and verifies v2 bodies ([`sign`](super::sign)) and,
/// through its MD5, decrypts refund notifications.
///
/// `Debug` prints nothing of it, and its bytes are wiped when it is dropped.
#[derive(Clone)]
pub struct V2Key([u8; 32]);

impl Drop for V2Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for V2Key {}

impl V2Key {
    /// Wraps the key; refused unless it is 32 printable ASCII characters
    /// (the error says which rule failed, never the key).
    pub fn new(key: impl Into<String>) -> Result<V2Key, CryptoError> {
        let key = Zeroizing::new(key.into());
        let invalid = |reason: String| CryptoError::InvalidKey {
            what: "v2 key",
            reason,
        };
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid("expected printable ASCII characters".into()));
        }
        let bytes: [u8; 32] = key
            .as_bytes()
            .try_into()
            .map_err(|_| invalid(format!("expected 32 characters, got {}", key.len())))?;
        Ok(V2Key(bytes))
    }

    /// The key's bytes, for signing.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Decrypts the `req_info` of a refund notification: base64 of
    /// AES-256-ECB (PKCS#7 padding) under the lowercase hex MD5 of this
    /// key. The plaintext, an `<xml>` body, comes in a buffer wiped when
    /// dropped.
    pub fn decrypt_refund_info(&self, req_info: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let data = crate::crypto::base64_decode(req_info.trim())?;
        let key = self.refund_aes_key()?;
        openssl::symm::decrypt(Cipher::aes_256_ecb(), &key, None, &data)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Encrypts a refund notification's `req_info` as the platform does
    /// (the inverse of [`decrypt_refund_info`](Self::decrypt_refund_info));
    /// for sandboxes and tests.
    pub fn encrypt_refund_info(&self, plaintext: &[u8]) -> Result<String, CryptoError> {
        let key = self.refund_aes_key()?;
        openssl::symm::encrypt(Cipher::aes_256_ecb(), &key, None, plaintext)
            .map(|data| crate::crypto::base64_encode(&data))
            .map_err(|e| CryptoError::OpenSsl(e.to_string()))
    }

    /// The AES-256 key of refund notifications: the lowercase hex MD5 of
    /// the v2 key (32 ASCII bytes), wiped when dropped.
    fn refund_aes_key(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let digest = openssl::hash::hash(openssl::hash::MessageDigest::md5(), &self.0)
            .map_err(|e| CryptoError::OpenSsl(e.to_string()))?;
        let mut hex = Zeroizing::new(Vec::with_capacity(32));
        for b in digest.iter() {
            hex.push(super::sign::hex_digit(b >> 4));
            hex.push(super::sign::hex_digit(b & 0x0f));
        }
        Ok(hex)
    }
}

impl fmt::Debug for V2Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("V2Key(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_printable_characters_and_never_printed() {
        let key = V2Key::new("192006250b4c09247ec02edce69f6a2d").unwrap();
        assert_eq!(format!("{key:?}"), "V2Key(..)");
        let e = V2Key::new("short").unwrap_err();
        assert!(e.to_string().contains("32"), "{e}");
        let e = V2Key::new("192006250b4c09247ec02edce69f6a2 ").unwrap_err();
        assert!(!e.to_string().contains("192006"), "{e}");
        assert!(V2Key::new("192006250b4c09247ec02edce69f6a2d0").is_err());
    }

    #[test]
    fn the_refund_key_is_the_lowercase_md5_hex() {
        let key = V2Key::new("192006250b4c09247ec02edce69f6a2d").unwrap();
        let aes = key.refund_aes_key().unwrap();
        assert_eq!(aes.len(), 32);
        assert!(
            aes.iter()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // md5("192006250b4c09247ec02edce69f6a2d"), computed independently.
        let expected = openssl::hash::hash(
            openssl::hash::MessageDigest::md5(),
            b"192006250b4c09247ec02edce69f6a2d",
        )
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
        assert_eq!(std::str::from_utf8(&aes).unwrap(), expected);
    }

    #[test]
    fn refund_info_round_trips_and_refuses_other_keys() {
        let key = V2Key::new("192006250b4c09247ec02edce69f6a2d").unwrap();
        let plain =
            b"<root><refund_id><![CDATA[50000408942018111907145868882]]></refund_id></root>";
        let sealed = key.encrypt_refund_info(plain).unwrap();
        // ECB with PKCS#7: whole blocks, padding included.
        let raw = crate::crypto::base64_decode(&sealed).unwrap();
        assert_eq!(raw.len(), (plain.len() / 16 + 1) * 16);
        assert_eq!(&key.decrypt_refund_info(&sealed).unwrap()[..], plain);
        let other = V2Key::new("192006250b4c09247ec02edce69f6a2e").unwrap();
        assert!(other.decrypt_refund_info(&sealed).is_err());
        assert!(key.decrypt_refund_info("not base64!").is_err());
        assert!(key.decrypt_refund_info("AAAA").is_err());
    }
}
