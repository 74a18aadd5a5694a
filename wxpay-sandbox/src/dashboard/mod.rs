//! The sandbox's dashboard: a page under `/dashboard`, served on the
//! sandbox's own port, showing what it holds (the merchant and key mode,
//! orders of every product, combined orders, refunds, contracts, bills,
//! notifications with every delivery attempt) with the payer's and the
//! platform's moves as buttons.
//!
//! | route | what |
//! |---|---|
//! | `GET /dashboard` | the page |
//! | `GET /dashboard/live` | the part of the page that changes, as an HTML fragment (the page's script fetches it every second) |
//! | `GET /dashboard/static/{dashboard.css,dashboard.js}` | the style sheet and the script |
//! | `POST /dashboard/sandbox/…` | a button: runs the control route `POST /sandbox/…` of the same path (paying, failing, expiring orders and combined orders, signing contracts, settling refunds, redelivering notifications); the query becomes the JSON body (`?status=SUCCESS`) |
//! | `POST /dashboard/merchant/orders/{mchid}/{out_trade_no}/close` | the merchant's close call, run in process as that merchant (`…/partner/…` for a partner order) |
//! | `POST /dashboard/merchant/combine-orders/{combine_mchid}/{combine_out_trade_no}/close` | the combined order's close call |
//! | `POST /dashboard/merchant/contracts/{mchid}/{service_id}/{out_contract_code}/terminate` | the contract termination call |
//!
//! A button's form posts the page's form token (made per sandbox, at
//! start) and is answered `303 See Other` back to the page (`204` to the
//! page's script); what each move answered is listed under "Activity".
//! Posts whose token does not match, whose `Origin` is not the page's own,
//! or whose `Sec-Fetch-Site` is not `same-origin` are refused with `403`;
//! every page answer forbids framing and carries a content security policy
//! that allows only the dashboard's own script and style sheet. A `Host`
//! that is not a loopback name or the sandbox's own address is refused
//! (DNS rebinding). Everything shown is escaped by the template engine.

mod actions;
mod view;

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Method, Response, StatusCode};
use minijinja::Environment;
use serde::Serialize;

use crate::lock::Recover;
use crate::router::SandboxRequest;
use crate::server::{Body, Shared};
use crate::time::{format_china, now_unix};

/// How many button presses the activity list keeps.
const LOG_SIZE: usize = 30;

/// The dashboard of one sandbox: its form token and the activity list.
pub(crate) struct Dashboard {
    token: String,
    log: Mutex<VecDeque<Activity>>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard").finish_non_exhaustive()
    }
}

/// A button pressed and what it got.
#[derive(Debug, Clone, Serialize)]
struct Activity {
    time: String,
    action: String,
    status: u16,
    ok: bool,
    outcome: String,
}

impl Dashboard {
    /// A dashboard with a fresh random form token.
    pub(crate) fn new() -> Result<Self, crate::SandboxError> {
        let token = wxpay_core::protocol::Nonce::generate()?.to_string();
        Ok(Dashboard {
            token,
            log: Mutex::new(VecDeque::new()),
        })
    }

    fn remember(&self, entry: Activity) {
        let mut log = self.log.lock().recover();
        if log.len() == LOG_SIZE {
            log.pop_back();
        }
        log.push_front(entry);
    }
}

/// Whether `path` belongs to the dashboard.
pub(crate) fn is_dashboard_path(path: &str) -> bool {
    path == "/dashboard" || path.starts_with("/dashboard/")
}

/// Answers a request under `/dashboard` (only called when it is enabled).
pub(crate) async fn answer(
    shared: &std::sync::Arc<Shared>,
    dashboard: &Dashboard,
    request: SandboxRequest,
) -> Response<Body> {
    if !host_allowed(shared, &request) {
        return text(
            StatusCode::FORBIDDEN,
            "the dashboard answers loopback hosts only",
        );
    }
    let path = request.path.trim_end_matches('/');
    match (&request.method, path) {
        (&Method::GET, "/dashboard") => page(shared, dashboard, false),
        (&Method::GET, "/dashboard/live") => page(shared, dashboard, true),
        (&Method::GET, "/dashboard/static/dashboard.css") => asset(
            "text/css; charset=utf-8",
            include_str!("../../templates/dashboard.css"),
        ),
        (&Method::GET, "/dashboard/static/dashboard.js") => asset(
            "text/javascript; charset=utf-8",
            include_str!("../../templates/dashboard.js"),
        ),
        (&Method::POST, _) => act(shared, dashboard, request).await,
        _ => text(StatusCode::NOT_FOUND, "no such dashboard page"),
    }
}

/// Checks a button's post, runs its move, records and answers it.
async fn act(
    shared: &std::sync::Arc<Shared>,
    dashboard: &Dashboard,
    request: SandboxRequest,
) -> Response<Body> {
    if let Err(why) = check_post(shared, dashboard, &request) {
        return text(StatusCode::FORBIDDEN, why);
    }
    let Some(done) = actions::run(shared, &request).await else {
        return text(StatusCode::NOT_FOUND, "no such dashboard action");
    };
    dashboard.remember(Activity {
        time: format_china(now_unix()),
        action: done.action,
        status: done.reply.status.as_u16(),
        ok: done.reply.status.is_success(),
        outcome: outcome(&done.reply.body),
    });
    if request
        .headers
        .get("x-dashboard")
        .is_some_and(|v| v == "fetch")
    {
        return respond(StatusCode::NO_CONTENT, None, Bytes::new());
    }
    let mut response = respond(StatusCode::SEE_OTHER, None, Bytes::new());
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/dashboard"));
    response
}

/// What an answer said, in one line: `CODE: message`, or `OK`.
fn outcome(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return "OK".to_owned();
    };
    match (
        value.get("code").and_then(|v| v.as_str()),
        value.get("message").and_then(|v| v.as_str()),
    ) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => "OK".to_owned(),
    }
}

/// A post must carry the form token and come from the page itself.
fn check_post(
    shared: &Shared,
    dashboard: &Dashboard,
    request: &SandboxRequest,
) -> Result<(), &'static str> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(site) = header("sec-fetch-site") {
        if site != "same-origin" {
            return Err("cross-site posts are refused (Sec-Fetch-Site)");
        }
    }
    if let Some(origin) = header("origin") {
        if !own_origins(shared, header("host").as_deref()).contains(&origin) {
            return Err("posts from another origin are refused (Origin)");
        }
    }
    let form = crate::router::parse_query(&String::from_utf8_lossy(&request.body))
        .ok_or("the form is malformed")?;
    let token = form
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if token.len() != dashboard.token.len()
        || !openssl::memcmp::eq(token.as_bytes(), dashboard.token.as_bytes())
    {
        return Err("the form token is missing or wrong: reload the dashboard");
    }
    Ok(())
}

/// The origins the page may be served from: the sandbox's base URL and
/// the request's own host.
fn own_origins(shared: &Shared, host: Option<&str>) -> Vec<String> {
    let base = shared.base_url.read().recover().clone();
    let scheme = if base.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let mut origins = vec![base];
    if let Some(host) = host {
        origins.push(format!("{scheme}://{host}"));
    }
    origins
}

/// The `Host` names a loopback address or the sandbox's own address (a
/// request without `Host`, HTTP/2, is let through).
fn host_allowed(shared: &Shared, request: &SandboxRequest) -> bool {
    let Some(host) = request.headers.get("host").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let base = shared.base_url.read().recover().clone();
    let own = base
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    name == "localhost"
        || name == "[::1]"
        || name.starts_with("127.")
        || host == own
        || own.rsplit_once(':').is_some_and(|(n, _)| n == name)
}

/// What the live part's template is given.
#[derive(Serialize)]
struct Context<'a> {
    token: &'a str,
    notify_target: Option<String>,
    time_scale: f64,
    activity: Vec<Activity>,
    s: view::Snapshot,
}

/// What the page's template is given: the live part already rendered.
#[derive(Serialize)]
struct PageContext {
    base_url: String,
    version: String,
    live: String,
}

fn templates() -> &'static Result<Environment<'static>, minijinja::Error> {
    static ENV: OnceLock<Result<Environment<'static>, minijinja::Error>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.add_template("page.html", include_str!("../../templates/page.html"))?;
        env.add_template("live.html", include_str!("../../templates/live.html"))?;
        Ok(env)
    })
}

/// Renders the page, or only its live part: `version` (a hash of the
/// live part, sent as `X-Dashboard-Version` and on the page) lets the
/// page's script replace the live part only when it changed.
fn page(shared: &Shared, dashboard: &Dashboard, live_only: bool) -> Response<Body> {
    let config = shared.notifier.config();
    let mut s = view::snapshot(shared);
    s.notifications =
        view::notification_views(crate::notify::notifications(shared), config.time_scale);
    let context = Context {
        token: &dashboard.token,
        notify_target: config.target,
        time_scale: config.time_scale,
        activity: dashboard.log.lock().recover().iter().cloned().collect(),
        s,
    };
    let live = render("live.html", minijinja::value::Serde(&context));
    let version = live
        .as_ref()
        .map(|l| format!("{:016x}", crate::state::fnv1a(l)))
        .unwrap_or_default();
    let rendered = match live {
        Ok(live) if live_only => Ok(live),
        Ok(live) => render(
            "page.html",
            minijinja::value::Serde(PageContext {
                base_url: shared.base_url.read().recover().clone(),
                version: version.clone(),
                live,
            }),
        ),
        Err(e) => Err(e),
    };
    match rendered {
        Ok(html) => {
            let mut response = respond(
                StatusCode::OK,
                Some("text/html; charset=utf-8"),
                Bytes::from(html),
            );
            if let Ok(v) = HeaderValue::from_str(&version) {
                response.headers_mut().insert("x-dashboard-version", v);
            }
            response
        }
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the dashboard could not be rendered: {e}"),
        ),
    }
}

fn render(name: &str, context: impl Into<minijinja::Value>) -> Result<String, String> {
    match templates() {
        Ok(env) => env
            .get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response<Body> {
    respond(
        StatusCode::OK,
        Some(content_type),
        Bytes::from_static(body.as_bytes()),
    )
}

fn text(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    respond(
        status,
        Some("text/plain; charset=utf-8"),
        Bytes::from(message.into()),
    )
}

/// An answer with the headers every dashboard answer carries.
fn respond(status: StatusCode, content_type: Option<&'static str>, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Body::full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(t) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(t));
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}
