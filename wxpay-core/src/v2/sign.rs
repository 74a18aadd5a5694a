//! The v2 signature: `sign` over a body's fields with the v2 key.
//!
//! The fields other than `sign` whose value is not empty, sorted by name
//! (byte order), are joined as `k=v&k=v…`, then `&key=<v2 key>` is
//! appended; `sign` is the uppercase hex of that text's MD5, or of its
//! HMAC-SHA256 keyed with the v2 key. Values are taken as they are, never
//! URL-encoded.
//!
//! ```
//! use wxpay_core::v2::{SignType, V2Key, sign};
//!
//! let key = V2Key::new("192006250b4c09247ec02edce69f6a2d")?;
//! let fields: Vec<(String, String)> = [
//!     ("appid", "wxd930ea5d5a258f4f"),
//!     ("mch_id", "10000100"),
//!     ("device_info", "1000"),
//!     ("body", "test"),
//!     ("nonce_str", "ibuaiVcKdpRxkhJA"),
//! ]
//! .into_iter()
//! .map(|(k, v)| (k.to_owned(), v.to_owned()))
//! .collect();
//! let md5 = sign::sign(&fields, &key, SignType::Md5);
//! assert_eq!(md5, "9A0A8659F005D6984697E2CA0A9CF3B7");
//! assert!(sign::verify(&fields, &key, SignType::Md5, &md5));
//! # Ok::<(), wxpay_core::crypto::CryptoError>(())
//! ```

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use zeroize::Zeroizing;

use super::{SignType, V2Key};
use crate::crypto::CryptoError;

/// The text that is hashed: `k=v&…&key=KEY` (it holds the key, so it is
/// wiped when dropped).
pub(crate) fn string_to_sign(fields: &[(String, String)], key: &V2Key) -> Zeroizing<Vec<u8>> {
    let mut signed: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut text = Zeroizing::new(Vec::with_capacity(256));
    for (k, v) in signed {
        text.extend_from_slice(k.as_bytes());
        text.push(b'=');
        text.extend_from_slice(v.as_bytes());
        text.push(b'&');
    }
    text.extend_from_slice(b"key=");
    text.extend_from_slice(key.as_bytes());
    text
}

/// The `sign` of these fields, or the OpenSSL error that prevented it.
pub fn try_sign(
    fields: &[(String, String)],
    key: &V2Key,
    sign_type: SignType,
) -> Result<String, CryptoError> {
    let text = string_to_sign(fields, key);
    let ossl = |e: openssl::error::ErrorStack| CryptoError::OpenSsl(e.to_string());
    let digest = match sign_type {
        SignType::Md5 => openssl::hash::hash(MessageDigest::md5(), &text)
            .map_err(ossl)?
            .to_vec(),
        SignType::HmacSha256 => {
            let pkey = PKey::hmac(key.as_bytes()).map_err(ossl)?;
            let mut signer =
                openssl::sign::Signer::new(MessageDigest::sha256(), &pkey).map_err(ossl)?;
            signer.update(&text).map_err(ossl)?;
            signer.sign_to_vec().map_err(ossl)?
        }
    };
    Ok(upper_hex(&digest))
}

/// The `sign` of these fields: the fields other than `sign` with a
/// non-empty value, sorted by name, as `k=v&…&key=KEY`, hashed with
/// `sign_type`, in uppercase hex.
///
/// Returns an empty string in the one case OpenSSL fails (use
/// [`try_sign`] to see the error); [`verify`] never accepts an empty sign.
pub fn sign(fields: &[(String, String)], key: &V2Key, sign_type: SignType) -> String {
    try_sign(fields, key, sign_type).unwrap_or_default()
}

/// Whether `given` is the `sign` of these fields (the `sign` field itself,
/// if present among them, is skipped). The comparison takes the same time
/// whatever the content, and ignores the case of hex letters.
pub fn verify(fields: &[(String, String)], key: &V2Key, sign_type: SignType, given: &str) -> bool {
    let Ok(expected) = try_sign(fields, key, sign_type) else {
        return false;
    };
    let given = given.to_ascii_uppercase();
    !expected.is_empty()
        && expected.len() == given.len()
        && openssl::memcmp::eq(expected.as_bytes(), given.as_bytes())
}

fn upper_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(hex_digit(b >> 4).to_ascii_uppercase()));
        out.push(char::from(hex_digit(b & 0x0f).to_ascii_uppercase()));
    }
    out
}

/// The lowercase hex digit of a value below 16.
pub(crate) fn hex_digit(nibble: u8) -> u8 {
    match nibble {
        0..=9 => b'0' + nibble,
        _ => b'a' + (nibble & 0x0f).saturating_sub(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official() -> Vec<(String, String)> {
        [
            ("appid", "wxd930ea5d5a258f4f"),
            ("mch_id", "10000100"),
            ("device_info", "1000"),
            ("body", "test"),
            ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn key() -> V2Key {
        V2Key::new("192006250b4c09247ec02edce69f6a2d").unwrap()
    }

    #[test]
    fn the_official_known_answers() {
        let text = string_to_sign(&official(), &key());
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100\
             &nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d"
        );
        assert_eq!(
            sign(&official(), &key(), SignType::Md5),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
        assert_eq!(
            sign(&official(), &key(), SignType::HmacSha256),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
        );
    }

    #[test]
    fn sign_and_empty_values_are_skipped() {
        let mut fields = official();
        fields.push(("sign".into(), "WHATEVER".into()));
        fields.push(("attach".into(), String::new()));
        assert_eq!(
            sign(&fields, &key(), SignType::Md5),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
    }

    #[test]
    fn verify_is_exact_but_ignores_hex_case() {
        let fields = official();
        assert!(verify(
            &fields,
            &key(),
            SignType::Md5,
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        ));
        assert!(verify(
            &fields,
            &key(),
            SignType::Md5,
            "9a0a8659f005d6984697e2ca0a9cf3b7"
        ));
        assert!(!verify(
            &fields,
            &key(),
            SignType::Md5,
            "9A0A8659F005D6984697E2CA0A9CF3B8"
        ));
        assert!(!verify(
            &fields,
            &key(),
            SignType::Md5,
            "9A0A8659F005D6984697E2CA0A9CF3B"
        ));
        assert!(!verify(&fields, &key(), SignType::Md5, ""));
        assert!(!verify(
            &fields,
            &key(),
            SignType::HmacSha256,
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        ));
        let other = V2Key::new("192006250b4c09247ec02edce69f6a2e").unwrap();
        assert!(!verify(
            &fields,
            &other,
            SignType::Md5,
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        ));
    }
}
