//! The merchant's identity: merchant id, API certificate serial and private key.

use std::fmt;
use std::path::Path;

use crate::crypto::{Certificate, PrivateKey};
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
        let pem = read_file(path.as_ref(), "merchant private key")?;
        Self::from_pem(mchid, serial, &pem)
    }

    /// Credentials whose serial is read from the merchant API certificate
    /// (`apiclient_cert.pem`), both given as PEM text. The certificate must
    /// certify this private key: a certificate and key from different
    /// applications are refused here, not by the platform on the first call.
    pub fn from_certificate_pem(
        mchid: impl Into<String>,
        certificate_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<Self, Error> {
        let certificate = Certificate::from_pem(certificate_pem).map_err(|e| {
            BuildError::with_source("the merchant API certificate could not be read", e)
        })?;
        let key = PrivateKey::from_pem(key_pem).map_err(|e| {
            BuildError::with_source("the merchant private key could not be read", e)
        })?;
        if !certifies(&certificate, &key) {
            return Err(Error::build(format!(
                "the merchant API certificate (serial {}) is not for this private key",
                certificate.serial()
            )));
        }
        Self::new(mchid, certificate.serial(), key)
    }

    /// [`from_certificate_pem`](Self::from_certificate_pem) with both read
    /// from files: `apiclient_cert.pem` and `apiclient_key.pem`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), wxpay_core::Error> {
    /// let credentials = wxpay_core::Credentials::from_certificate_files(
    ///     "1900000109",
    ///     "/etc/wxpay/apiclient_cert.pem",
    ///     "/etc/wxpay/apiclient_key.pem",
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn from_certificate_files(
        mchid: impl Into<String>,
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, Error> {
        let certificate = read_file(certificate.as_ref(), "merchant API certificate")?;
        let key = read_file(key.as_ref(), "merchant private key")?;
        Self::from_certificate_pem(mchid, &certificate, &key)
    }

    /// Credentials from the environment, the names the `wxpay` command and
    /// the examples read:
    ///
    /// | variable | holds |
    /// |---|---|
    /// | `WXPAY_MCHID` | the merchant id |
    /// | `WXPAY_MERCHANT_KEY_FILE` | path of `apiclient_key.pem` |
    /// | `WXPAY_MERCHANT_KEY` | or the key's PEM text itself (e.g. from a secret store) |
    /// | `WXPAY_MERCHANT_SERIAL` | the merchant API certificate serial |
    /// | `WXPAY_MERCHANT_CERT_FILE` | or path of `apiclient_cert.pem`, the serial read from it |
    ///
    /// Exactly one of each pair must be set. With the certificate, it must
    /// certify the key. Errors name the variables, never their values.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of the same variables,
    /// e.g. a map read from a secrets file; `var` returns `None` for an
    /// unset variable.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mchid = set("WXPAY_MCHID").ok_or_else(|| Error::build("WXPAY_MCHID is not set"))?;
        let key_pem = match (set("WXPAY_MERCHANT_KEY"), set("WXPAY_MERCHANT_KEY_FILE")) {
            (Some(pem), None) => zeroize::Zeroizing::new(pem.into_bytes()),
            (None, Some(path)) => read_file(Path::new(&path), "merchant private key")?,
            (Some(_), Some(_)) => {
                return Err(Error::build(
                    "both WXPAY_MERCHANT_KEY and WXPAY_MERCHANT_KEY_FILE are set: set one",
                ));
            }
            (None, None) => {
                return Err(Error::build(
                    "the merchant private key is not set: WXPAY_MERCHANT_KEY_FILE or WXPAY_MERCHANT_KEY",
                ));
            }
        };
        match (
            set("WXPAY_MERCHANT_SERIAL"),
            set("WXPAY_MERCHANT_CERT_FILE"),
        ) {
            (Some(serial), None) => Self::from_pem(mchid, serial.trim(), &key_pem),
            (None, Some(path)) => {
                let certificate = read_file(Path::new(&path), "merchant API certificate")?;
                Self::from_certificate_pem(mchid, &certificate, &key_pem)
            }
            (Some(_), Some(_)) => Err(Error::build(
                "both WXPAY_MERCHANT_SERIAL and WXPAY_MERCHANT_CERT_FILE are set: set one",
            )),
            (None, None) => Err(Error::build(
                "the merchant serial is not set: WXPAY_MERCHANT_SERIAL or WXPAY_MERCHANT_CERT_FILE",
            )),
        }
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

/// Reads a PEM file; the text is wiped once dropped (it may be a key).
fn read_file(path: &Path, what: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    std::fs::read(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| {
            BuildError::with_source(format!("cannot read the {what} file {}", path.display()), e)
                .into()
        })
}

/// Whether `certificate` holds the public half of `key`.
fn certifies(certificate: &Certificate, key: &PrivateKey) -> bool {
    match (
        key.public_key().and_then(|k| k.to_pem()),
        certificate.public_key().to_pem(),
    ) {
        (Ok(ours), Ok(certified)) => ours == certified,
        _ => false,
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
