//! The one naming rule for client methods.
//!
//! The method of `METHOD /v3/a/b-c/{x}/d` is `method_a_b_c_x_d`: the HTTP
//! method in lower case, then every segment of the URL after `/v3/` in
//! snake_case, joined with `_`. A `{parameter}` is written as its name, and
//! left out where it repeats the segment before it (`…/out-trade-no/{out_trade_no}`
//! gives `out_trade_no` once).
//!
//! Also compiled into the generator (`xtask`, through `#[path]`), so that
//! the names it lists for the catalogue are the ones this macro gives.
//! Plain `std` only.

/// The client method of the operation `method path`:
/// `POST /v3/pay/transactions/jsapi` → `post_pay_transactions_jsapi`;
/// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}` →
/// `get_pay_transactions_out_trade_no`;
/// `GET /v3/marketing/favor/stocks/{stock_id}` → `get_marketing_favor_stocks_stock_id`.
pub fn method_name(method: &str, path: &str) -> String {
    let mut words: Vec<String> = vec![method.to_ascii_lowercase()];
    let segments = path.split('/').filter(|s| !s.is_empty());
    let mut segments = segments.peekable();
    if segments.peek() == Some(&"v3") {
        segments.next();
    }
    let mut last = String::new();
    for segment in segments {
        let (word, param) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => (snake_word(name), true),
            None => (snake_word(segment), false),
        };
        if word.is_empty() || (param && word == last) {
            continue;
        }
        last.clone_from(&word);
        words.push(word);
    }
    words.join("_")
}

/// One URL segment as snake_case words: `jsapi-with-contract` and
/// `video_upload` keep their words, `getBills` is split at its capital,
/// and anything but ASCII letters and digits separates words.
fn snake_word(segment: &str) -> String {
    let snake = snake_case(segment);
    let mut out = String::with_capacity(snake.len());
    for c in snake.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// `JsapiWithContract` → `jsapi_with_contract`; `QueryByID` → `query_by_id`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') | Some('-') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{method_name, snake_case};

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("JsapiWithContract"), "jsapi_with_contract");
        assert_eq!(snake_case("QueryByID"), "query_by_id");
        assert_eq!(snake_case("HTTPGet"), "http_get");
        assert_eq!(snake_case("V3Certificates"), "v3_certificates");
        assert_eq!(snake_case("Close"), "close");
        assert_eq!(snake_case("Apply4Sub"), "apply4_sub");
    }

    #[test]
    fn method_names_follow_the_url() {
        let cases = [
            (
                "POST",
                "/v3/pay/transactions/jsapi",
                "post_pay_transactions_jsapi",
            ),
            (
                "POST",
                "/v3/pay/partner/transactions/jsapi-with-contract",
                "post_pay_partner_transactions_jsapi_with_contract",
            ),
            (
                "GET",
                "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                "get_pay_transactions_out_trade_no",
            ),
            (
                "POST",
                "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
                "post_pay_transactions_out_trade_no_close",
            ),
            (
                "GET",
                "/v3/pay/transactions/id/{transaction_id}",
                "get_pay_transactions_id_transaction_id",
            ),
            (
                "GET",
                "/v3/marketing/favor/stocks/{stock_id}",
                "get_marketing_favor_stocks_stock_id",
            ),
            (
                "GET",
                "/v3/marketing/favor/stocks",
                "get_marketing_favor_stocks",
            ),
            (
                "POST",
                "/v3/merchant/media/video_upload",
                "post_merchant_media_video_upload",
            ),
            ("DELETE", "/v3/shops/{shop_id}/", "delete_shops_shop_id"),
            ("GET", "/v3/certificates", "get_certificates"),
            ("GET", "/v3/x/getBills.json", "get_x_get_bills_json"),
            ("PATCH", "/hk/v3/orders", "patch_hk_v3_orders"),
        ];
        for (method, path, name) in cases {
            assert_eq!(method_name(method, path), name, "{method} {path}");
        }
    }
}
