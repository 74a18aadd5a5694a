//! The control plane under `/sandbox/`: what tests and tools use to steer
//! the sandbox over HTTP. These routes are neither authenticated nor signed.
//!
//! | route | effect |
//! |---|---|
//! | `GET /sandbox/info` | the [`SandboxInfo`](crate::SandboxInfo) JSON |
//! | `POST /sandbox/faults` | adds a fault rule: `{"fault":{…},"method":"GET","path":"/v3/…","after":0,"every":1,"times":1}`; only `fault` is required (see [`Fault`] and [`crate::faults`]) |
//! | `GET /sandbox/faults` | `{"rules": n, "applied": {"reset": 3, …}}`: active rules, faults applied by kind |
//! | `DELETE /sandbox/faults` | removes every fault rule |
//! | `GET /sandbox/hits` | requests seen per route, `{"POST /v3/…": n}` |
//! | `GET /sandbox/requests` | the last authenticated requests (up to 1024): `[{"method","path","nonce","timestamp","request_id"}]` |
//!
//! For example, to have every 20th order answer with a TCP reset:
//!
//! ```text
//! curl -X POST $BASE/sandbox/faults -d '{"fault":{"kind":"reset"},"method":"POST","path":"/v3/pay/transactions","every":20}'
//! ```

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::faults::{Fault, FaultRule};
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest};
use crate::server::{Shared, add};

pub(crate) fn router() -> Router {
    let mut router = Router::default();
    add(&mut router, Method::GET, "/sandbox/info", info);
    add(&mut router, Method::POST, "/sandbox/faults", add_fault);
    add(&mut router, Method::GET, "/sandbox/faults", list_faults);
    add(&mut router, Method::DELETE, "/sandbox/faults", clear_faults);
    add(&mut router, Method::GET, "/sandbox/hits", hits);
    add(&mut router, Method::GET, "/sandbox/requests", requests);
    router
}

fn info(shared: &Shared, _: &SandboxRequest) -> Reply {
    Reply::ok(&crate::info_of(shared))
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: Fault,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    after: usize,
    every: Option<usize>,
    times: Option<usize>,
}

fn add_fault(shared: &Shared, req: &SandboxRequest) -> Reply {
    let parsed: FaultRequest = match serde_json::from_slice(&req.body) {
        Ok(p) => p,
        Err(e) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                format!("bad fault rule: {e}"),
            );
        }
    };
    let mut rule = FaultRule::new(parsed.fault).after(parsed.after);
    if let Some(m) = parsed.method {
        match Method::from_bytes(m.to_ascii_uppercase().as_bytes()) {
            Ok(m) => rule = rule.method(m),
            Err(_) => return Reply::error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "bad method"),
        }
    }
    if let Some(p) = parsed.path {
        rule = rule.path(p);
    }
    if let Some(t) = parsed.times {
        rule = rule.times(t);
    }
    if let Some(n) = parsed.every {
        rule = rule.every(n);
    }
    shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(rule);
    Reply::no_content()
}

fn clear_faults(shared: &Shared, _: &SandboxRequest) -> Reply {
    shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
    Reply::no_content()
}

fn list_faults(shared: &Shared, _: &SandboxRequest) -> Reply {
    let rules = shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .len();
    let applied = shared
        .faults_applied
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Reply::ok(&json!({ "rules": rules, "applied": applied }))
}

fn requests(shared: &Shared, _: &SandboxRequest) -> Reply {
    let seen = shared.seen.lock().unwrap_or_else(|p| p.into_inner());
    Reply::ok(&json!(*seen))
}

fn hits(shared: &Shared, _: &SandboxRequest) -> Reply {
    let hits = shared
        .hits
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Reply::ok(&json!(hits))
}
