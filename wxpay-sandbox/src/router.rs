//! Routes: method + path template → handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::Value;

use crate::error_code::ErrorCode;
use crate::reply::Reply;
use crate::server::Shared;
use crate::validate::Checked;

/// A boxed future returned by handlers.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A route's handler. Built-in routes reach the sandbox's state through the
/// first argument; routes added with [`Sandbox::route`](crate::Sandbox::route)
/// only see the request.
pub(crate) type Handler =
    Arc<dyn Fn(Arc<Shared>, SandboxRequest) -> BoxFuture<Reply> + Send + Sync>;

/// A synchronous built-in route: its answer, or the error answer a check
/// gave (`?` on a [`Checked`] value).
pub(crate) type Builtin = fn(&Shared, &SandboxRequest) -> Checked<Reply>;

/// A handler from a synchronous check-then-answer function: the one place
/// where a refusal becomes the answer.
pub(crate) fn builtin(
    f: impl Fn(&Shared, &SandboxRequest) -> Checked<Reply> + Send + Sync + 'static,
) -> Handler {
    Arc::new(move |shared, req| {
        let reply = f(&shared, &req).unwrap_or_else(|refusal| refusal);
        Box::pin(async move { reply })
    })
}

/// Adds a built-in route.
pub(crate) fn add(router: &mut Router, method: Method, template: &str, f: Builtin) {
    router.add(Route::new(method, template, builtin(f)));
}

/// An authenticated request, as a route sees it.
#[derive(Debug, Clone)]
pub struct SandboxRequest {
    /// HTTP method.
    pub method: Method,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    /// Path parameters by template name, percent-decoded.
    pub params: Vec<(String, String)>,
    /// Query pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
    /// The merchant whose signature the request carried.
    pub mchid: String,
}

impl SandboxRequest {
    /// A path parameter by name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first query value with this name.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object, or the `400` the platform answers otherwise.
    pub fn json(&self) -> Checked<serde_json::Map<String, Value>> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ErrorCode::ParamError.reply("the body must be a JSON object")),
            Err(e) => Err(ErrorCode::ParamError.reply(format!("the body is not valid JSON: {e}"))),
        }
    }
}

/// One segment of a route template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String),
}

/// A method, a template and what answers it.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) template: String,
    parts: Vec<Part>,
    pub(crate) handler: Handler,
}

impl Route {
    pub(crate) fn new(method: Method, template: &str, handler: Handler) -> Self {
        let parts = template
            .trim_start_matches('/')
            .split('/')
            .map(
                |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Part::Param(name.to_owned()),
                    None => Part::Literal(seg.to_owned()),
                },
            )
            .collect();
        Route {
            method,
            template: template.to_owned(),
            parts,
            handler,
        }
    }

    /// The decoded parameters when `path` fits the template.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let mut segments = path.strip_prefix('/')?.split('/');
        let mut params = Vec::new();
        for part in &self.parts {
            let seg = segments.next()?;
            match part {
                Part::Literal(lit) => {
                    if lit != seg {
                        return None;
                    }
                }
                Part::Param(name) => {
                    let value = percent_decode(seg)?;
                    if value.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), value));
                }
            }
        }
        segments.next().is_none().then_some(params)
    }

    /// Literal segments count more than parameters: `/x/special` wins over `/x/{id}`.
    pub(crate) fn specificity(&self) -> usize {
        self.parts
            .iter()
            .filter(|p| matches!(p, Part::Literal(_)))
            .count()
    }
}

/// Routes, searched most specific first.
#[derive(Clone, Default)]
pub(crate) struct Router {
    routes: Vec<Route>,
}

impl Router {
    pub(crate) fn add(&mut self, route: Route) {
        // A later registration of the same method and template replaces the earlier one.
        self.routes
            .retain(|r| !(r.method == route.method && r.template == route.template));
        self.routes.push(route);
        self.routes
            .sort_by_key(|r| std::cmp::Reverse(r.specificity()));
    }

    pub(crate) fn find(
        &self,
        method: &Method,
        path: &str,
    ) -> Option<(&Route, Vec<(String, String)>)> {
        self.routes
            .iter()
            .filter(|r| r.method == *method)
            .find_map(|r| r.matches(path).map(|params| (r, params)))
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Splits and decodes a query string; `None` when an escape is malformed.
pub fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(t: &str) -> Route {
        let handler: Handler = Arc::new(|_, _| Box::pin(async { Reply::no_content() }));
        Route::new(Method::GET, t, handler)
    }

    #[test]
    fn templates_match_and_decode() {
        let r = route(
            "/v3/password-exempt-contract/contracts/service-id/{service_id}/out-contract-code/{code}",
        );
        let p = r.matches("/v3/password-exempt-contract/contracts/service-id/500001/out-contract-code/Contract%2F2026%20A").unwrap();
        assert_eq!(
            p,
            vec![
                ("service_id".into(), "500001".into()),
                ("code".into(), "Contract/2026 A".into())
            ]
        );
        assert!(
            r.matches("/v3/password-exempt-contract/contracts/service-id/500001/out-contract-code")
                .is_none()
        );
        assert!(
            r.matches(
                "/v3/password-exempt-contract/contracts/service-id/500001/out-contract-code/a/b"
            )
            .is_none()
        );
        assert!(
            r.matches("/v3/password-exempt-contract/contracts/service-id//out-contract-code/a")
                .is_none()
        );
        assert!(
            r.matches("/v3/password-exempt-contract/contracts/service-id/%zz/out-contract-code/a")
                .is_none()
        );
    }

    #[test]
    fn specific_routes_win() {
        let mut router = Router::default();
        router.add(route("/v3/x/{id}"));
        router.add(route("/v3/x/special"));
        let (r, params) = router.find(&Method::GET, "/v3/x/special").unwrap();
        assert_eq!(r.template, "/v3/x/special");
        assert!(params.is_empty());
        assert_eq!(
            router.find(&Method::GET, "/v3/x/other").unwrap().1[0].1,
            "other"
        );
        assert!(router.find(&Method::POST, "/v3/x/other").is_none());
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            parse_query("mchid=1900000109&t=2018-06-08T10%3A34%3A56%2B08%3A00&flag").unwrap(),
            vec![
                ("mchid".into(), "1900000109".into()),
                ("t".into(), "2018-06-08T10:34:56+08:00".into()),
                ("flag".into(), String::new())
            ]
        );
        assert!(parse_query("a=%4").is_none());
        assert!(percent_decode("%E4%B8%AD").unwrap() == "中");
        assert!(percent_decode("%FF").is_none());
    }
}
