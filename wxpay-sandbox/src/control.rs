//! The control plane under `/sandbox/`: what tests and tools use to steer
//! the sandbox over HTTP. These routes are neither authenticated nor signed.
//!
//! | route | effect |
//! |---|---|
//! | `GET /sandbox/info` | the [`SandboxInfo`](crate::SandboxInfo) JSON |
//! | `POST /sandbox/faults` | adds a fault rule: `{"fault":{…},"method":"GET","path":"/v3/…","after":0,"times":1}` (see [`Fault`]) |
//! | `DELETE /sandbox/faults` | removes every fault rule |
//! | `GET /sandbox/hits` | requests seen per route, `{"POST /v3/…": n}` |

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
    add(&mut router, Method::DELETE, "/sandbox/faults", clear_faults);
    add(&mut router, Method::GET, "/sandbox/hits", hits);
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

fn hits(shared: &Shared, _: &SandboxRequest) -> Reply {
    let hits = shared
        .hits
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Reply::ok(&json!(hits))
}
