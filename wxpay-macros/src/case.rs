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
