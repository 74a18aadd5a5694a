//! Key material of the sandbox: the merchants it knows and the platform keys it signs with.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use wxpay_core::crypto::{Certificate, CryptoError, PrivateKey, PublicKey};

/// The merchant id the sandbox serves when none is given (the test vectors' merchant).
pub const DEFAULT_MCHID: &str = "1900000109";

/// The APIv3 key the sandbox uses when none is given (the test vectors' key).
pub const DEFAULT_APIV3_KEY: &str = "sandboxApiV3Key0123456789abcdefX";

/// The WeChat Pay public key id the sandbox uses when it generates its own key.
pub const DEFAULT_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";

/// A merchant registered with the sandbox.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// Merchant id.
    pub mchid: String,
    /// Serial of the merchant API certificate (what `serial_no` must say).
    pub serial: String,
    /// The merchant's public key, to check request signatures.
    pub public_key: PublicKey,
    /// The merchant's private key, when the sandbox knows it (generated keys,
    /// or given in process); lets [`Sandbox::client`](crate::Sandbox::client)
    /// hand out a ready client.
    pub private_key: Option<PrivateKey>,
    /// The merchant's APIv3 key, 32 characters (encrypts notifications and
    /// certificate downloads). A sandbox key: it is printed by the binary.
    pub apiv3_key: String,
}

/// A key the sandbox signs answers with, as the platform does.
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// The serial answers carry in `Wechatpay-Serial`.
    pub serial: String,
    /// The private half.
    pub private_key: PrivateKey,
    /// For platform certificates: the certificate, served by `/v3/certificates`.
    pub certificate: Option<Certificate>,
}

impl SigningKey {
    /// A WeChat Pay public key (public-key mode).
    pub fn public_key(id: impl Into<String>, private_key: PrivateKey) -> Self {
        SigningKey {
            serial: id.into(),
            private_key,
            certificate: None,
        }
    }

    /// A platform certificate and its key (certificate mode).
    pub fn certificate(certificate: Certificate, private_key: PrivateKey) -> Self {
        SigningKey {
            serial: certificate.serial().to_owned(),
            private_key,
            certificate: Some(certificate),
        }
    }

    /// Whether this is a platform certificate rather than a public key.
    pub fn is_certificate(&self) -> bool {
        self.certificate.is_some()
    }
}

struct Generated {
    merchant_key: PrivateKey,
    merchant_cert: Certificate,
    platform_key: PrivateKey,
}

/// Keys generated once per process and shared by every sandbox that does not
/// bring its own: RSA key generation is the slowest part of starting one.
fn generated() -> Result<&'static Generated, CryptoError> {
    static CELL: OnceLock<Result<Generated, CryptoError>> = OnceLock::new();
    CELL.get_or_init(|| {
        let merchant_key = PrivateKey::generate()?;
        let serial = random_serial()?;
        let now = SystemTime::now();
        let merchant_cert = Certificate::self_signed(
            &merchant_key,
            "wxpay sandbox merchant",
            &serial,
            now - Duration::from_secs(86_400),
            now + Duration::from_secs(10 * 365 * 86_400),
        )?;
        Ok(Generated {
            merchant_key,
            merchant_cert,
            platform_key: PrivateKey::generate()?,
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Twenty random bytes with the top bit clear: a certificate serial.
pub fn random_serial() -> Result<[u8; 20], CryptoError> {
    let mut serial = [0u8; 20];
    wxpay_core::crypto::random_bytes(&mut serial)?;
    serial[0] = (serial[0] & 0x7f) | 0x10;
    Ok(serial)
}

/// The default merchant with generated keys.
pub fn generated_merchant(mchid: &str, apiv3_key: &str) -> Result<Merchant, CryptoError> {
    let g = generated()?;
    Ok(Merchant {
        mchid: mchid.to_owned(),
        serial: g.merchant_cert.serial().to_owned(),
        public_key: g.merchant_cert.public_key().clone(),
        private_key: Some(g.merchant_key.clone()),
        apiv3_key: apiv3_key.to_owned(),
    })
}

/// The generated merchant certificate (for writing out with the binary).
pub fn generated_merchant_certificate() -> Result<Certificate, CryptoError> {
    Ok(generated()?.merchant_cert.clone())
}

/// The default platform key: a generated WeChat Pay public key.
pub fn generated_platform_key(id: &str) -> Result<SigningKey, CryptoError> {
    Ok(SigningKey::public_key(
        id,
        generated()?.platform_key.clone(),
    ))
}

/// A fresh platform certificate valid from an hour ago for `valid_for`.
pub fn new_platform_certificate(valid_for: Duration) -> Result<SigningKey, CryptoError> {
    let key = PrivateKey::generate()?;
    let now = SystemTime::now();
    let cert = Certificate::self_signed(
        &key,
        "Tenpay.com Root CA sandbox",
        &random_serial()?,
        now - Duration::from_secs(3600),
        now + valid_for,
    )?;
    Ok(SigningKey::certificate(cert, key))
}
