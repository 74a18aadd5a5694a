//! What the bill endpoints answer: where to download a bill, and its digest.

use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// How an encrypted bill is encrypted (`algorithm`).
    pub enum BillAlgorithm {
        /// AES-256-GCM; the only one this crate decrypts.
        AeadAes256Gcm = "AEAD_AES_256_GCM",
        /// SM4-GCM (128-bit keys).
        Sm4Gcm = "SM4_GCM",
    }
}

crate::open_enum! {
    /// The digest algorithm of a bill (`hash_type`).
    pub enum HashType {
        /// SHA-1, lower-case hex.
        Sha1 = "SHA1",
    }
}

/// Where to download a bill, and its digest: the answer of
/// the bill endpoints (`GET /v3/bill/tradebill`, `GET /v3/bill/fundflowbill`).
///
/// Pass it to [`Client::download_bill`](crate::Client::download_bill). The
/// URL is valid for a short time (minutes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillFile {
    /// The digest algorithm, `SHA1`.
    pub hash_type: HashType,
    /// The digest of the original bill (decompressed, for a GZIP one).
    pub hash_value: String,
    /// The signed-GET address of the file, on the API host.
    pub download_url: String,
}

/// One encrypted part of a sub-merchant fund flow bill.
///
/// Pass it to [`Client::download_encrypted_bill`](crate::Client::download_encrypted_bill);
/// concatenate the decrypted parts in `bill_sequence` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedBillFile {
    /// Position of this part in the whole bill, from 1.
    pub bill_sequence: i64,
    /// The signed-GET address of the part.
    pub download_url: String,
    /// The file key, encrypted to the merchant's key (RSA-OAEP, base64).
    pub encrypt_key: String,
    /// The digest algorithm, `SHA1`.
    pub hash_type: HashType,
    /// The digest of the part.
    pub hash_value: String,
    /// The GCM nonce of the part.
    pub nonce: String,
}
