//! `/v3/marketing/favor/…`: coupons (代金券).

pub mod media;
