//! `/v3/marketing/…`: marketing tools.

pub mod favor;
