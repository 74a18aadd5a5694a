//! Entry points for the fuzz targets in `fuzz/`: the server's own request
//! parsing, reachable without a socket. Not part of the API.

use std::sync::Arc;

use crate::lock::Recover;
pub use crate::router::{parse_query, percent_decode};
use crate::server::{Platform, Shared};
use crate::{SandboxError, api, control, keys};

/// Matches `path` against a route template (`/v3/x/{id}`), returning
/// the decoded parameters.
pub fn match_template(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let handler: crate::router::Handler =
        Arc::new(|_, _| Box::pin(async { crate::Reply::no_content() }));
    crate::router::Route::new(http::Method::GET, template, handler).matches(path)
}

/// A sandbox's request handling without the network: the generated
/// merchant and platform key, the built-in routes.
pub struct RequestParser {
    shared: Arc<Shared>,
}

impl RequestParser {
    /// Sets up the generated merchant and routes.
    pub fn new() -> Result<Self, SandboxError> {
        let merchant = keys::generated_merchant(keys::DEFAULT_MCHID, keys::DEFAULT_APIV3_KEY)?;
        let key = keys::generated_platform_key(keys::DEFAULT_PUBLIC_KEY_ID)?;
        let platform = Platform {
            default_serial: key.serial.clone(),
            keys: vec![key],
            retired: Vec::new(),
        };
        let router = api::router().map_err(SandboxError::Config)?;
        let shared = Shared::new(vec![merchant], platform, router, control::router());
        Ok(RequestParser {
            shared: Arc::new(shared),
        })
    }

    /// Parses one request like the server: the request target (path,
    /// percent-decoded query), routing of the path against the API and
    /// control routes, and the `Authorization` check over the exact
    /// bytes. Returns whether the request was authenticated.
    pub fn parse(&self, method: &[u8], target: &str, authorization: &[u8], body: &[u8]) -> bool {
        let Ok(method) = http::Method::from_bytes(method) else {
            return false;
        };
        let Ok(request) = http::Request::builder()
            .method(method)
            .uri(target)
            .header(http::header::AUTHORIZATION, authorization)
            .body(())
        else {
            return false;
        };
        let (parts, ()) = request.into_parts();
        let path = parts.uri.path();
        let path_and_query = parts.uri.path_and_query().map_or(path, |pq| pq.as_str());
        if parse_query(parts.uri.query().unwrap_or("")).is_none() {
            return false;
        }
        let routed = {
            let router = self.shared.router.read().recover();
            router.find(&parts.method, path).is_some()
        };
        let _ = routed || self.shared.control.find(&parts.method, path).is_some();
        crate::server::authenticate(
            &self.shared,
            &parts.method,
            &parts.headers,
            path_and_query,
            body,
        )
        .is_ok()
    }
}
