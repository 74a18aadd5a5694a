//! `/v3/merchant/…`: merchant tools.

pub mod media;
