//! `GET /v3/certificates` (获取平台证书列表).

use serde::{Deserialize, Serialize};

use crate::endpoint;

/// Lists the platform certificates currently valid for the merchant, each
/// encrypted with the merchant's APIv3 key.
///
/// The client calls this itself when it is configured to download platform
/// certificates ([`ClientBuilder::download_platform_certificates`](crate::ClientBuilder::download_platform_certificates)),
/// and checks each answer before trusting it: see [`crate::platform`]. Use
/// [`Client::refresh_platform_certificates`](crate::Client::refresh_platform_certificates)
/// rather than this request to update the client's keys.
///
/// Merchants that only have a WeChat Pay public key get `404 RESOURCE_NOT_EXISTS`.
#[endpoint(GET, "/v3/certificates", response = CertificatesResponse)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificates {
    /// Which algorithms to list; the platform lists RSA certificates when left out.
    pub algorithm_type: Option<AlgorithmType>,
}

/// Certificate algorithms [`Certificates`] can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum AlgorithmType {
    /// RSA certificates (what this client verifies with).
    #[serde(rename = "RSA")]
    Rsa,
    /// SM2 certificates (the national-crypto variant).
    #[serde(rename = "SM2")]
    Sm2,
    /// Both kinds.
    #[serde(rename = "ALL")]
    All,
}

impl AlgorithmType {
    /// The name on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlgorithmType::Rsa => "RSA",
            AlgorithmType::Sm2 => "SM2",
            AlgorithmType::All => "ALL",
        }
    }
}

impl std::fmt::Display for AlgorithmType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Written into the query string by its wire name.
impl crate::endpoint::QueryScalar for AlgorithmType {}

/// The answer to [`Certificates`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatesResponse {
    /// The certificates, in no particular order.
    pub data: Vec<CertificateInfo>,
}

/// One platform certificate as listed, still encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// The certificate's serial number, upper-case hex: the `Wechatpay-Serial`
    /// value of answers it signs.
    pub serial_no: String,
    /// Start of validity, RFC 3339.
    #[serde(default)]
    pub effective_time: String,
    /// End of validity, RFC 3339.
    #[serde(default)]
    pub expire_time: String,
    /// The PEM certificate, encrypted with the APIv3 key.
    pub encrypt_certificate: EncryptCertificate,
}

/// An AEAD_AES_256_GCM ciphertext made with the merchant's APIv3 key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptCertificate {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// The IV.
    pub nonce: String,
    /// Additional authenticated data (`certificate`).
    #[serde(default)]
    pub associated_data: String,
    /// base64(ciphertext ‖ tag).
    pub ciphertext: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{Endpoint, RequestBody};

    #[test]
    fn path_query_and_response() {
        let mut path = String::new();
        Certificates::default()
            .write_path_and_query(&mut path)
            .unwrap();
        assert_eq!(path, "/v3/certificates");
        let mut path = String::new();
        Certificates {
            algorithm_type: Some(AlgorithmType::All),
        }
        .write_path_and_query(&mut path)
        .unwrap();
        assert_eq!(path, "/v3/certificates?algorithm_type=ALL");
        assert_eq!(Certificates::default().body().unwrap(), RequestBody::Empty);

        let v = crate::test_vectors::case("certificates_download");
        let r = Certificates::decode_response(v["body"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(r.data.len(), 1);
        let info = &r.data[0];
        assert_eq!(info.serial_no, crate::test_vectors::PLATFORM_SERIAL);
        assert_eq!(info.encrypt_certificate.algorithm, "AEAD_AES_256_GCM");
        assert_eq!(info.encrypt_certificate.associated_data, "certificate");
    }

    #[test]
    fn the_certificate_algorithm_is_written_by_its_wire_name() {
        let mut s = String::new();
        crate::endpoint::QueryWriter::new(&mut s)
            .pair("algorithm_type", &Some(AlgorithmType::All))
            .unwrap();
        assert_eq!(s, "?algorithm_type=ALL");
        assert_eq!(AlgorithmType::Sm2.to_string(), "SM2");
    }
}
