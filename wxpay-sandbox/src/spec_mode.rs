//! Spec mode ([`SandboxBuilder::spec_mode`](crate::SandboxBuilder::spec_mode)):
//! every operation of the APIv3 catalogue answered from the spec.
//!
//! Each operation of the spec's data (see `spec.rs`) gets a route. A
//! request reaches it after the checks every request gets (`User-Agent`,
//! the `Authorization` signature over the exact bytes, or over an
//! upload's `meta`). The route then runs the spec's checks
//! ([`spec::check`], answering the platform's `400 PARAM_ERROR` naming the
//! field and where it is) and the encrypted fields' ([`spec::check_encrypted`]),
//! and answers the spec's example, signed; a download answers a small
//! unsigned file, as the platform does.
//!
//! In spec mode, spec routes replace the built-in stateful routes of the
//! same operations: every catalogue operation answers from the spec, none
//! keeps state or sends notifications. Routes added with
//! [`Sandbox::route`](crate::Sandbox::route) still take precedence.

use http::{Method, StatusCode};
use serde_json::json;

use crate::reply::Reply;
use crate::router::{Route, Router, SandboxRequest, builtin};
use crate::server::Shared;
use crate::spec::{self, SpecOp};
use crate::validate::Checked;

/// Adds a spec route for every operation, replacing built-in routes of
/// the same method and template.
pub(crate) fn register(router: &mut Router) -> Result<usize, String> {
    let ops = spec::operations()?;
    for op in ops {
        let method = Method::from_bytes(op.method.as_bytes())
            .map_err(|_| format!("spec-mode data: unknown method {}", op.method))?;
        let handler = builtin(move |shared, req| answer(shared, req, op));
        router.add(Route::new(method, &op.path, handler));
    }
    Ok(ops.len())
}

/// The spec's checks, then its example answer.
fn answer(shared: &Shared, req: &SandboxRequest, op: &SpecOp) -> Checked<Reply> {
    let input = spec::check(req, op)?;
    spec::check_encrypted(shared, req, op, &input.body)?;
    Ok(if op.download {
        Reply::file(
            "application/octet-stream",
            format!("sandbox file for {} {}\n", op.method, op.path).into_bytes(),
        )
    } else if op.status == 204 {
        Reply::no_content()
    } else {
        let status = StatusCode::from_u16(op.status).unwrap_or(StatusCode::OK);
        Reply::json(status, op.response.as_ref().unwrap_or(&json!({})))
    })
}
