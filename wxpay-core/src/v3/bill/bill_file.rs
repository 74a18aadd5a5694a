//! What the bill endpoints answer, and the values their queries take.

use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// Which orders a trade bill lists (`bill_type`).
    pub enum BillType {
        /// Payments and refunds of the day (the default).
        All = "ALL",
        /// Successful payments only.
        Success = "SUCCESS",
        /// Refunds only.
        Refund = "REFUND",
        /// Refunds of recharge coupons.
        RechargeRefund = "RECHARGE_REFUND",
        /// Special-rate bill: all.
        AllSpecial = "ALL_SPECIAL",
        /// Special-rate bill: successful payments.
        SucSpecial = "SUC_SPECIAL",
        /// Special-rate bill: refunds.
        RefSpecial = "REF_SPECIAL",
    }
}

crate::open_enum! {
    /// How a bill is compressed for download (`tar_type`).
    pub enum TarType {
        /// A `.gzip` file; its digest covers the decompressed bill.
        Gzip = "GZIP",
    }
}

crate::open_enum! {
    /// The funds account a fund flow bill covers (`account_type`).
    pub enum AccountType {
        /// The basic account (the default of the merchant's own fund bill).
        Basic = "BASIC",
        /// The operation account.
        Operation = "OPERATION",
        /// The fees account.
        Fees = "FEES",
        /// The deposit account (sub-merchant fund bills).
        Deposit = "DEPOSIT",
    }
}

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
/// [`Tradebill`](super::Tradebill) and [`Fundflowbill`](super::Fundflowbill).
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
