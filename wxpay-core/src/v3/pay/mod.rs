//! `/v3/pay/…`: placing and managing orders.

pub mod partner;
pub mod transactions;
