//! What the example binaries share: a local notification receiver, a QR
//! code drawn in the terminal, and the client for the real API configured
//! from `WXPAY_*` variables.

pub mod config;
pub mod qr;
pub mod receiver;
