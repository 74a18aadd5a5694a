//! `GET /v3/refund/domestic/refunds/{out_refund_no}` (查询单笔退款).

use super::Refund;
use wxpay_core::endpoint;

/// Looks up a refund by the merchant's refund number.
///
/// An unknown number answers `404 RESOURCE_NOT_EXISTS`.
#[endpoint(GET, "/v3/refund/domestic/refunds/{out_refund_no}", response = Refund)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetRefunds {
    /// The merchant's refund number (path).
    pub out_refund_no: String,
    /// The sub-merchant the refund belongs to (service providers only; query).
    pub sub_mchid: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxpay_core::endpoint::Endpoint;

    #[test]
    fn sub_mchid_is_left_out_when_none() {
        let mut path = String::new();
        GetRefunds {
            out_refund_no: "R 1@x".into(),
            sub_mchid: None,
        }
        .write_path_and_query(&mut path)
        .unwrap();
        assert_eq!(path, "/v3/refund/domestic/refunds/R%201%40x");
        let mut path = String::new();
        GetRefunds {
            out_refund_no: "R1".into(),
            sub_mchid: Some("1900000109".into()),
        }
        .write_path_and_query(&mut path)
        .unwrap();
        assert_eq!(path, "/v3/refund/domestic/refunds/R1?sub_mchid=1900000109");
    }
}
