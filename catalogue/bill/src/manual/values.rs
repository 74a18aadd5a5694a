//! The values the bill queries take, and what they answer (the runtime's
//! own [`BillFile`], which `Client::download_bill` takes).

pub use wxpay_core::bill::{BillAlgorithm, BillFile, EncryptedBillFile, HashType};

wxpay_core::open_enum! {
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

wxpay_core::open_enum! {
    /// How a bill is compressed for download (`tar_type`).
    pub enum TarType {
        /// A `.gzip` file; its digest covers the decompressed bill.
        Gzip = "GZIP",
    }
}

wxpay_core::open_enum! {
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
