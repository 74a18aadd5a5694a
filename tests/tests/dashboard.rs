//! The sandbox's dashboard (`/dashboard`), end to end: in headless
//! Chromium driven over WebDriver (an order placed with the client is paid
//! by clicking its button, and the page shows the new state and the
//! notification's delivery without a reload), and over plain HTTP (what
//! each button runs, escaping, the refusal of cross-site posts, the
//! switch that turns it off).

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::time::Duration;

use common::{OPENID, control, receiver, trade_no};
use http::{HeaderMap, Method, StatusCode};
use wxpay::prelude::*;
use wxpay::v3::pay::transactions;
use wxpay::v3::refund::domestic::{PostRefunds, PostRefundsAmount};
use wxpay_core::pay_params::JsapiPayParams;
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_sandbox::{ContractState, DeliveryState, RefundStatus, Sandbox};

use webdriver::Browser;

const APPID: &str = "wxd678efh567hg6787";
const PAY_URL: &str = "https://shop.example.com/dashboard/pay";
/// A description that would run if the page did not escape it.
const HOSTILE: &str = "<script>window.hacked=1</script><b>bold</b> & \"quoted\"";
const WAIT: Duration = Duration::from_secs(15);

fn jsapi(mchid: &str, no: &str, description: &str) -> transactions::Jsapi {
    transactions::Jsapi {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: description.into(),
        out_trade_no: no.into(),
        notify_url: PAY_URL.into(),
        amount: transactions::jsapi::Amount {
            total: 1288,
            currency: Some("CNY".into()),
        },
        payer: transactions::jsapi::Payer {
            openid: OPENID.into(),
            identity: None,
        },
        ..Default::default()
    }
}

fn native(mchid: &str, no: &str) -> transactions::Native {
    transactions::Native {
        appid: APPID.into(),
        mchid: mchid.into(),
        description: "扫码点餐 table 12".into(),
        out_trade_no: no.into(),
        notify_url: PAY_URL.into(),
        amount: transactions::native::Amount {
            total: 4500,
            currency: Some("CNY".into()),
        },
        ..Default::default()
    }
}

/// A refund of `refund` fen of the order `no` (placed by [`jsapi`], 1288
/// fen), numbered `R{no}`.
fn refund_of(no: &str, refund: i64) -> PostRefunds {
    PostRefunds {
        out_trade_no: Some(no.into()),
        out_refund_no: format!("R{no}"),
        amount: PostRefundsAmount {
            refund,
            from: None,
            total: 1288,
            currency: "CNY".into(),
        },
        ..Default::default()
    }
}

/// A sandbox whose notifications go to a verifying receiver, and its client.
async fn shop() -> (
    Sandbox,
    Client,
    tokio::sync::mpsc::UnboundedReceiver<receiver::Seen>,
) {
    let sandbox = Sandbox::builder()
        .notify_time_scale(0.01)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let (url, inbox) = receiver::listen(&client, &["/dashboard/pay", "/dashboard/refund"]).await;
    sandbox.set_notify_target(Some(&url)).unwrap();
    (sandbox, client, inbox)
}

/// An answer read whole.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn http(method: Method, url: &str, headers: &[(&str, &str)], body: &str) -> Page {
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let mut request = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let answer = transport
        .send(request.body(bytes::Bytes::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    Page {
        status: answer.status(),
        headers: answer.headers().clone(),
        body: String::from_utf8(answer.body().to_vec()).unwrap(),
    }
}

async fn dashboard(sandbox: &Sandbox) -> Page {
    http(
        Method::GET,
        &format!("{}/dashboard", sandbox.base_url()),
        &[],
        "",
    )
    .await
}

/// The form token the page's buttons carry.
fn token_of(page: &str) -> String {
    let start = page.find("name=\"token\" value=\"").expect("a button") + 20;
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

/// Undoes the template's HTML escaping.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Presses a button the way the page's form does: its path, the token,
/// the page's own origin.
async fn press(sandbox: &Sandbox, token: &str, path: &str) -> Page {
    let origin = sandbox.base_url();
    http(
        Method::POST,
        &format!("{origin}{path}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", &origin),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("token={token}"),
    )
    .await
}

fn state_of(sandbox: &Sandbox, mchid: &str, no: &str) -> wxpay_sandbox::TradeState {
    sandbox.order(mchid, no).unwrap().trade_state
}

#[tokio::test]
async fn a_payer_pays_by_clicking_in_a_browser() {
    if !Browser::available() {
        eprintln!(
            "\n\n*** SKIPPED a_payer_pays_by_clicking_in_a_browser: {} or {} is missing \
             (run .ci/setup to install Chromium and ChromeDriver) ***\n",
            webdriver::CHROMEDRIVER,
            webdriver::CHROMIUM
        );
        return;
    }
    let (sandbox, client, mut inbox) = shop().await;
    let mchid = client.mchid().to_owned();
    let (qr, paid, jsapi_no) = (trade_no("qr"), trade_no("paid"), trade_no("js"));
    client.call(native(&mchid, &qr)).await.unwrap();
    client
        .call(jsapi(&mchid, &paid, "年卡会员 annual plan"))
        .await
        .unwrap();
    sandbox.pay_order(&mchid, &paid).unwrap();
    client
        .post_refund_domestic_refunds(PostRefunds {
            reason: Some("缺货 out of stock".into()),
            ..refund_of(&paid, 288)
        })
        .await
        .unwrap();
    assert!(
        inbox.recv().await.unwrap().is_ok(),
        "the first payment is notified"
    );
    client
        .call(jsapi(&mchid, &jsapi_no, HOSTILE))
        .await
        .unwrap();

    // More to show on the page (and in the screenshot): an unpaid JSAPI
    // order with its front-end parameters, a pre-signed contract.
    client
        .call(jsapi(
            &mchid,
            &trade_no("beans"),
            "Coffee beans 1 kg 咖啡豆",
        ))
        .await
        .unwrap();
    common::pre_sign(&client, 12345, &format!("C{}", trade_no("plan"))).await;

    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/dashboard", sandbox.base_url()))
        .await;
    let row = format!("article.order[data-out-trade-no=\"{jsapi_no}\"]");
    browser.wait_for(&format!("{row} .state"), WAIT).await;
    assert_eq!(
        browser.text_of(&format!("{row} .state")).await.as_deref(),
        Some("NOTPAY")
    );
    // The description is text, not markup: no script ran, no element was made.
    let description = browser.text_of(&format!("{row} .description")).await;
    assert_eq!(description.as_deref(), Some(HOSTILE));
    let injected = browser
        .script(
            "return [window.hacked === undefined, \
             document.querySelectorAll('.description b, .description script').length]",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(injected, serde_json::json!([true, 0]));
    // The Native order shows its code_url as an SVG QR code.
    browser
        .find(&format!(
            "article.order[data-out-trade-no=\"{qr}\"] figure.qr svg"
        ))
        .await
        .expect("a QR code");

    let pay = format!("{row} button.go");
    assert_eq!(browser.text_of(&pay).await.as_deref(), Some("Pay"));
    browser.click_on(&pay, WAIT).await;

    // The page changes by itself: the order is paid, and its notification
    // is listed with an accepted delivery attempt.
    browser
        .wait_for(&format!("{row} .state.state-SUCCESS"), WAIT)
        .await;
    let notification = sandbox
        .wait_for_notification(
            |n| {
                n.resource["out_trade_no"] == jsapi_no.as_str()
                    && n.state == DeliveryState::Delivered
            },
            WAIT,
        )
        .await
        .expect("the payment is notified and delivered");
    let delivered = format!(
        "article.notification[data-id=\"{}\"] tr.ok .status",
        notification.id
    );
    browser.wait_for(&delivered, WAIT).await;
    // The receiver's status, as the sandbox recorded it (2xx: accepted).
    let answered = notification.attempts.last().and_then(|a| a.status).unwrap();
    assert!((200..300).contains(&answered));
    assert_eq!(
        browser.text_of(&delivered).await,
        Some(answered.to_string())
    );
    let seen = inbox
        .recv()
        .await
        .unwrap()
        .expect("the receiver verified it");
    assert_eq!(seen.id(), notification.id);
    assert_eq!(
        state_of(&sandbox, &mchid, &jsapi_no),
        wxpay_sandbox::TradeState::Success
    );
    browser.wait_for("#activity li.ok", WAIT).await;
    let activity = browser.text_of("#activity li.ok").await.unwrap_or_default();
    assert!(activity.contains(&jsapi_no), "{activity}");

    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("dashboard screenshot: {}", path.display());
}

#[tokio::test]
async fn the_page_escapes_what_it_shows_and_refuses_cross_site_posts() {
    let (sandbox, client, _inbox) = shop().await;
    let mchid = client.mchid().to_owned();
    let no = trade_no("xss");
    client.call(jsapi(&mchid, &no, HOSTILE)).await.unwrap();

    let page = dashboard(&sandbox).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(
        !page.body.contains("<script>window.hacked"),
        "the description is escaped"
    );
    assert!(
        page.body
            .contains("&lt;script&gt;window.hacked=1&lt;&#x2f;script&gt;")
    );
    let token = token_of(&page.body);
    let pay = format!("/dashboard/sandbox/orders/{mchid}/{no}/pay");
    let url = format!("{}{pay}", sandbox.base_url());
    let form = "application/x-www-form-urlencoded";
    let origin = sandbox.base_url();

    // A token one character off the page's (never the page's own, whatever it starts with).
    let wrong_first = if token.starts_with('x') { 'y' } else { 'x' };
    let wrong_token = format!("{wrong_first}{}", &token[1..]);
    assert_ne!(wrong_token, token);

    type Headers<'a> = Vec<(&'a str, &'a str)>;
    let refused: [(&str, Headers<'_>, String); 5] = [
        ("no token", vec![("content-type", form)], String::new()),
        (
            "a wrong token",
            vec![("content-type", form)],
            format!("token={wrong_token}"),
        ),
        (
            "another origin",
            vec![("content-type", form), ("origin", "http://evil.example")],
            format!("token={token}"),
        ),
        (
            "a cross-site fetch",
            vec![("content-type", form), ("sec-fetch-site", "cross-site")],
            format!("token={token}"),
        ),
        (
            "a same-site fetch from another port",
            vec![
                ("content-type", form),
                ("origin", "http://127.0.0.1:1"),
                ("sec-fetch-site", "same-site"),
            ],
            format!("token={token}"),
        ),
    ];
    for (why, headers, body) in refused {
        let answer = http(Method::POST, &url, &headers, &body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{why}: {}",
            answer.body
        );
        assert_eq!(
            state_of(&sandbox, &mchid, &no),
            wxpay_sandbox::TradeState::Notpay,
            "{why}"
        );
    }
    // Another Host (DNS rebinding) is refused, pages and posts alike.
    let rebound = http(
        Method::GET,
        &format!("{}/dashboard", sandbox.base_url()),
        &[("host", "evil.example")],
        "",
    )
    .await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);

    // The page's own post goes through and comes back to the page.
    let answer = http(
        Method::POST,
        &url,
        &[
            ("content-type", form),
            ("origin", &origin),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("token={token}"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.headers["location"], "/dashboard");
    assert_eq!(
        state_of(&sandbox, &mchid, &no),
        wxpay_sandbox::TradeState::Success
    );
    // Only the listed moves run: the fault plane is not a button.
    let faults = press(&sandbox, &token, "/dashboard/sandbox/faults").await;
    assert_eq!(faults.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_button_does_what_its_route_does() {
    let (sandbox, client, mut inbox) = shop().await;
    let mchid = client.mchid().to_owned();
    let token = token_of(&{
        client
            .call(native(&mchid, &trade_no("seed")))
            .await
            .unwrap();
        dashboard(&sandbox).await.body
    });
    let order = |tag: &str| trade_no(tag);

    // fail, let expire, close: the order's state as the control and API routes leave it.
    for (verb, path, want) in [
        (
            "fail",
            "sandbox/orders",
            wxpay_sandbox::TradeState::Payerror,
        ),
        (
            "expire",
            "sandbox/orders",
            wxpay_sandbox::TradeState::Closed,
        ),
        (
            "close",
            "merchant/orders",
            wxpay_sandbox::TradeState::Closed,
        ),
    ] {
        let no = order(verb);
        client.call(native(&mchid, &no)).await.unwrap();
        let answer = press(
            &sandbox,
            &token,
            &format!("/dashboard/{path}/{mchid}/{no}/{verb}"),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{verb}: {}",
            answer.body
        );
        assert_eq!(state_of(&sandbox, &mchid, &no), want, "{verb}");
        // The same move again is refused by the route, and the page says so.
        let again = press(
            &sandbox,
            &token,
            &format!("/dashboard/sandbox/orders/{mchid}/{no}/pay"),
        )
        .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    }
    let page = dashboard(&sandbox).await.body;
    assert!(
        page.contains("INVALID_STATE"),
        "a refused move is listed under Activity"
    );

    // The JSAPI parameters the page shows are signed with the merchant's key:
    // the payer's wx.requestPayment accepts them.
    let no = order("params");
    client.call(jsapi(&mchid, &no, "params")).await.unwrap();
    let page = dashboard(&sandbox).await.body;
    let at = page.find(&format!("data-out-trade-no=\"{no}\"")).unwrap();
    let pre = page[at..].find("<pre>").unwrap() + at + 5;
    let end = page[pre..].find("</pre>").unwrap() + pre;
    let params: JsapiPayParams = serde_json::from_str(&unescape(&page[pre..end])).unwrap();
    assert!(page[at..pre].contains("signed with the private key"));
    let (status, _) = control(
        &sandbox,
        Method::POST,
        "/sandbox/payer/request-payment",
        Some(serde_json::to_value(&params).unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        state_of(&sandbox, &mchid, &no),
        wxpay_sandbox::TradeState::Success
    );
    let paid = inbox.recv().await.unwrap().unwrap();

    // A refund accepted from the page is settled and notified.
    client
        .post_refund_domestic_refunds(PostRefunds {
            notify_url: Some("https://shop.example.com/dashboard/refund".into()),
            ..refund_of(&no, 100)
        })
        .await
        .unwrap();
    let answer = press(
        &sandbox,
        &token,
        &format!("/dashboard/sandbox/refunds/{mchid}/R{no}/settle?status=SUCCESS"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let refund = sandbox.refund(&mchid, &format!("R{no}")).unwrap();
    assert_eq!(refund.status, RefundStatus::Success);
    assert!(
        inbox.recv().await.unwrap().is_ok(),
        "the refund is notified"
    );

    // Redelivering a notification sends it again, same id.
    let before = sandbox.notification(paid.id()).unwrap().attempts.len();
    let answer = press(
        &sandbox,
        &token,
        &format!("/dashboard/sandbox/notifications/{}/redeliver", paid.id()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let again = inbox.recv().await.unwrap().unwrap();
    assert_eq!(again.id(), paid.id());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        sandbox.notification(paid.id()).unwrap().attempts.len(),
        before + 1
    );

    // A pre-signed contract is signed, then terminated, from the page.
    let code = format!("C{}", order("contract"));
    common::pre_sign(&client, 12345, &code).await;
    let contract = format!("{mchid}/12345/{code}");
    let answer = press(
        &sandbox,
        &token,
        &format!("/dashboard/sandbox/contracts/{contract}/sign"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let signed = sandbox.contract(&mchid, 12345, &code).unwrap();
    assert_eq!(signed.state, ContractState::Signed);
    let answer = press(
        &sandbox,
        &token,
        &format!("/dashboard/merchant/contracts/{contract}/terminate"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let ended = sandbox.contract(&mchid, 12345, &code).unwrap();
    assert_eq!(ended.state, ContractState::Terminated);
    assert_eq!(
        ended.termination_remark.as_deref(),
        Some("terminated on the sandbox dashboard")
    );
    let page = dashboard(&sandbox).await.body;
    assert!(page.contains("TERMINATED") && page.contains(&code));
    assert!(
        !page.contains("INVALID_REQUEST") && !page.contains("PARAM_ERROR"),
        "every move above was accepted"
    );
}

#[tokio::test]
async fn the_dashboard_can_be_turned_off() {
    let sandbox = Sandbox::builder().dashboard(false).start().await.unwrap();
    let page = dashboard(&sandbox).await;
    assert_ne!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<html"));
}
