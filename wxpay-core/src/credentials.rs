//! The merchant's identity: merchant id, API certificate serial and private key.

use std::fmt;
use std::path::Path;

use crate::crypto::PrivateKey;
use crate::error::{BuildError, Error};
use crate::protocol::{Authorization, Nonce, request_message};

/// What a merchant signs requests with.
///
/// - `mchid`: the merchant id (商户号), e.g. `1900000109`;
/// - `serial`: the serial number of the merchant API certificate (upper-case
///   hex, as shown in the merchant platform);
/// - the API private key (`apiclient_key.pem`), PKCS#8 or PKCS#1 PEM.
///
/// `Debug` shows the merchant id and serial, never the key.
///
/// ```no_run
/// # fn main() -> Result<(), wxpay_core::Error> {
/// let credentials = wxpay_core::Credentials::from_pem_file(
///     "1900000109",
///     "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
///     "/etc/wxpay/apiclient_key.pem",
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Credentials {
    mchid: String,
    serial: String,
    key: PrivateKey,
}

impl Credentials {
    /// Credentials from an already loaded key. The merchant id and serial
    /// must be non-empty visible ASCII without `"` or `,` (they go into the
    /// `Authorization` header verbatim).
    pub fn new(
        mchid: impl Into<String>,
        serial: impl Into<String>,
        key: PrivateKey,
    ) -> Result<Self, Error> {
        let mchid = mchid.into();
        let serial = serial.into();
        check_header_token("merchant id", &mchid)?;
        check_header_token("merchant certificate serial", &serial)?;
        Ok(Credentials { mchid, serial, key })
    }

    /// Credentials with the private key given as PEM text.
    pub fn from_pem(
        mchid: impl Into<String>,
        serial: impl Into<String>,
        pem: &[u8],
    ) -> Result<Self, Error> {
        let key = PrivateKey::from_pem(pem).map_err(|e| {
            BuildError::with_source("the merchant private key could not be read", e)
        })?;
        Self::new(mchid, serial, key)
    }

    /// Credentials with the private key read from a PEM file.
    pub fn from_pem_file(
        mchid: impl Into<String>,
        serial: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<Self, Error> {
        let path = path.as_ref();
        // The key's PEM text is wiped once read.
        let pem = std::fs::read(path)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| {
                BuildError::with_source(
                    format!(
                        "cannot read the merchant private key file {}",
                        path.display()
                    ),
                    e,
                )
            })?;
        Self::from_pem(mchid, serial, &pem)
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The merchant API certificate serial.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The merchant private key (for OAEP decryption of sensitive response fields).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs one request and returns its `Authorization` header value.
    ///
    /// `path_and_query` and `body` must be exactly what is sent.
    pub fn authorization(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &Nonce,
    ) -> Result<String, Error> {
        let message = request_message(method, path_and_query, timestamp, nonce.as_str(), body);
        let signature = self.key.sign(&message).map_err(|e| Error::Sign(e.into()))?;
        Ok(Authorization {
            mchid: &self.mchid,
            nonce_str: nonce.as_str(),
            signature: &signature,
            timestamp: &timestamp.to_string(),
            serial_no: &self.serial,
        }
        .to_string())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("key", &"redacted")
            .finish()
    }
}

pub(crate) fn check_header_token(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
    {
        return Err(Error::build(format!(
            "{what} {value:?} must be non-empty visible ASCII without quotes or commas"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors as tv;

    #[test]
    fn debug_redacts_the_key() {
        let c = Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap();
        let text = format!("{c:?}");
        assert!(text.contains(tv::MCHID) && text.contains("redacted"));
        let pem = String::from_utf8(tv::merchant_key().to_pem().unwrap()).unwrap();
        let body: String = pem.lines().nth(1).unwrap().chars().take(20).collect();
        assert!(!text.contains(&body));
    }

    #[test]
    fn identity_is_checked() {
        assert!(Credentials::new("", "S", tv::merchant_key()).is_err());
        assert!(Credentials::new("190\"0", "S", tv::merchant_key()).is_err());
        assert!(Credentials::new("1900", "S N", tv::merchant_key()).is_err());
    }

    #[test]
    fn pem_file_errors_name_the_path() {
        let e = Credentials::from_pem_file("1", "S", "/nonexistent/key.pem").unwrap_err();
        assert!(e.to_string().contains("/nonexistent/key.pem"));
        let e = Credentials::from_pem("1", "S", b"not a key").unwrap_err();
        assert!(matches!(e, Error::Build(_)));
    }
}
