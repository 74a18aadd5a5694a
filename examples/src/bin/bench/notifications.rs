//! Notifications: what receiving a payment notification costs against its
//! floor (one RSA-2048 verification of the body and AES-256-GCM decryption
//! of its resource), timed in paired rounds.
//!
//! The criterion bench (`cargo bench -p wxpay-core --bench notify`) times
//! the floor and `parse_notification` seconds apart, and on a shared VM
//! the machine's speed moves by more than the difference being measured
//! between two such windows. Here every round times a short block of each
//! part one right after the other, the order turning from round to round,
//! and the ratio is taken within the round: both sides of each ratio meet
//! the same machine. The median of those ratios is the figure.

use std::time::{Duration, Instant};

use axum::extract::FromRequest;
use serde_json::{Value, json};
use wxpay::crypto::{ApiV3Key, base64_decode};
use wxpay::notify::Event;
use wxpay::notify::axum::VerifiedNotification;
use wxpay::notify::resource::Transaction;
use wxpay::protocol::response_message;
use wxpay::testing::{APIV3_KEY, Answer, StubPlatform};

/// Calls of one part timed together; a block lasts about a millisecond.
const BLOCK: usize = 20;
/// Rounds run and thrown away first (allocator, caches, branch history).
const WARM_ROUNDS: usize = 20;

/// The parts a round times (in this order in [`Report`]'s lists).
#[derive(Clone, Copy)]
enum Part {
    /// RSA verification of the signed message + AES-GCM of the resource.
    Floor,
    /// The floor, then the resource decoded into the `Transaction` model
    /// by serde and nothing else: what any receiver that types the
    /// resource cannot avoid.
    FloorTyped,
    /// `Client::parse_notification`: headers, clock skew, key, the
    /// verification, the envelope, the decryption and the typed event.
    Parse,
    /// The axum extractor: the body read from an axum request, then the above.
    Extractor,
}

/// Medians over the rounds, per call.
pub struct Report {
    pub rounds: usize,
    pub floor: Duration,
    pub floor_typed: Duration,
    pub parse: Duration,
    pub extractor: Duration,
    /// (floor + typed resource) / floor, within each round.
    pub typed_ratios: Vec<f64>,
    /// parse / floor, within each round.
    pub parse_ratios: Vec<f64>,
    /// extractor / floor, within each round.
    pub extractor_ratios: Vec<f64>,
}

/// A payment's resource as the platform sends it (the test vectors' one).
fn transaction() -> Value {
    json!({
        "mchid": "1900000109", "appid": "wxd678efh567hg6787",
        "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "4200000000202611270000000001",
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "bank_type": "OTHERS", "attach": "", "success_time": "2026-11-27T14:00:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"}
    })
}

/// Times `rounds` paired rounds.
pub async fn measure(rounds: usize) -> Result<Report, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let platform = StubPlatform::new(|_| Answer::no_content()).map_err(|e| text(&e))?;
    let client = platform.client().map_err(|e| text(&e))?;
    let request = platform
        .notification(
            "https://www.example.com/wxpay/notify",
            "TRANSACTION.SUCCESS",
            &transaction(),
        )
        .map_err(|e| text(&e))?;
    let (headers, body) = (request.headers(), request.body());
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("the stub's notification has no {name}"))
    };

    // The floor's inputs, taken from the same notification.
    let public = platform.platform_public_key().clone();
    let message = response_message(
        header("wechatpay-timestamp")?,
        header("wechatpay-nonce")?,
        body,
    );
    let signature = base64_decode(header("wechatpay-signature")?).map_err(|e| text(&e))?;
    let envelope: Value = serde_json::from_slice(body).map_err(|e| text(&e))?;
    let field = |name: &str| {
        envelope["resource"][name]
            .as_str()
            .ok_or_else(|| format!("the stub's resource has no {name}"))
    };
    let (ciphertext, nonce, aad) = (
        field("ciphertext")?,
        field("nonce")?,
        field("associated_data")?,
    );
    let key = ApiV3Key::new(APIV3_KEY).map_err(|e| text(&e))?;

    let block = async |part: Part| -> Result<Duration, String> {
        let started = Instant::now();
        for _ in 0..BLOCK {
            match part {
                Part::Floor | Part::FloorTyped => {
                    if !public.verify(std::hint::black_box(&message), &signature) {
                        return Err("the floor's signature does not verify".into());
                    }
                    let plain = key
                        .decrypt(
                            nonce.as_bytes(),
                            aad.as_bytes(),
                            std::hint::black_box(ciphertext),
                        )
                        .map_err(|e| text(&e))?;
                    if matches!(part, Part::FloorTyped) {
                        let typed: Transaction =
                            serde_json::from_slice(&plain).map_err(|e| text(&e))?;
                        std::hint::black_box(typed);
                    } else {
                        std::hint::black_box(plain);
                    }
                }
                Part::Parse => {
                    let n = client
                        .parse_notification(headers, std::hint::black_box(body))
                        .await
                        .map_err(|e| text(&e))?;
                    if !matches!(n.event, Event::TransactionSuccess(_)) {
                        return Err(format!("parsed as {}", n.event_type()));
                    }
                    std::hint::black_box(n);
                }
                Part::Extractor => {
                    let mut r = http::Request::new(axum::body::Body::from(body.clone()));
                    *r.method_mut() = http::Method::POST;
                    *r.uri_mut() = request.uri().clone();
                    *r.headers_mut() = headers.clone();
                    let VerifiedNotification(n) = VerifiedNotification::from_request(r, &client)
                        .await
                        .map_err(|e| text(&e))?;
                    std::hint::black_box(n);
                }
            }
        }
        Ok(started.elapsed() / BLOCK as u32)
    };

    // Each part first, second, third and last in turn.
    let mut order = [Part::Floor, Part::FloorTyped, Part::Parse, Part::Extractor];
    let mut took = [const { Vec::new() }; 4];
    let mut ratios = [const { Vec::new() }; 3];
    for round in 0..WARM_ROUNDS + rounds {
        let mut per_call = [Duration::ZERO; 4];
        for part in order {
            per_call[part as usize] = block(part).await?;
        }
        order.rotate_left(1);
        if round >= WARM_ROUNDS {
            let floor = per_call[Part::Floor as usize].as_secs_f64();
            for (ratio, other) in ratios.iter_mut().zip(&per_call[1..]) {
                ratio.push(other.as_secs_f64() / floor);
            }
            for (all, this) in took.iter_mut().zip(per_call) {
                all.push(this);
            }
        }
    }
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        super::percentile(&v, 0.5)
    };
    for r in &mut ratios {
        r.sort_unstable_by(f64::total_cmp);
    }
    let [floor, floor_typed, parse, extractor] = took.map(median);
    let [typed_ratios, parse_ratios, extractor_ratios] = ratios;
    Ok(Report {
        rounds,
        floor,
        floor_typed,
        parse,
        extractor,
        typed_ratios,
        parse_ratios,
        extractor_ratios,
    })
}

/// The value at `p` (0 to 1) of sorted ratios.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(rank).copied().unwrap_or(f64::NAN)
}
