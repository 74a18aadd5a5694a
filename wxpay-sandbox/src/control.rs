//! The control plane under `/sandbox/`: what tests and tools use to steer
//! the sandbox over HTTP. These routes are neither authenticated nor signed.
//!
//! | route | effect |
//! |---|---|
//! | `GET /sandbox/info` | the [`SandboxInfo`](crate::SandboxInfo) JSON |
//! | `POST /sandbox/faults` | adds a fault rule: `{"fault":{…},"method":"GET","path":"/v3/…","after":0,"times":1}` (see [`Fault`]) |
//! | `DELETE /sandbox/faults` | removes every fault rule |
//! | `GET /sandbox/hits` | requests seen per route, `{"POST /v3/…": n}` |
//! | `GET /sandbox/platform` | the platform keys: `{"default_serial","keys":[{"serial","kind","retired","expire_time"}]}` |
//! | `POST /sandbox/platform/certificates` | announces a new certificate (listed, not yet signing by default): `{"serial_no"}` |
//! | `POST /sandbox/platform/certificates/{serial}/activate` | that certificate signs by default; the previous one is retired |
//! | `POST /sandbox/platform/rotate` | announce and activate at once: `{"serial_no"}` |
//! | `DELETE /sandbox/platform/certificates/{serial}` | removes one certificate (it expired) |
//! | `POST /sandbox/platform/public-key` | adds the WeChat Pay public key (mixed mode) and, unless `"default":false`, makes it the default signer: body `{"id","private_key_pem","default"}`, all optional (default: the generated key); answers `{"public_key_id","public_key_pem"}` |
//! | `DELETE /sandbox/platform/certificates` | removes every certificate: public-key mode, `/v3/certificates` answers 404 |
//!
//! See [`crate::platform`] for what rotation and migration mean.

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use wxpay_core::crypto::PrivateKey;

use crate::faults::{Fault, FaultRule};
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest};
use crate::server::{Shared, add};
use crate::{keys, platform};

pub(crate) fn router() -> Router {
    let mut router = Router::default();
    add(&mut router, Method::GET, "/sandbox/info", info);
    add(&mut router, Method::POST, "/sandbox/faults", add_fault);
    add(&mut router, Method::DELETE, "/sandbox/faults", clear_faults);
    add(&mut router, Method::GET, "/sandbox/hits", hits);
    add(&mut router, Method::GET, "/sandbox/platform", platform_info);
    add(
        &mut router,
        Method::POST,
        "/sandbox/platform/certificates",
        announce,
    );
    add(
        &mut router,
        Method::POST,
        "/sandbox/platform/certificates/{serial}/activate",
        activate,
    );
    add(
        &mut router,
        Method::POST,
        "/sandbox/platform/rotate",
        rotate,
    );
    add(
        &mut router,
        Method::DELETE,
        "/sandbox/platform/certificates/{serial}",
        remove_one,
    );
    add(
        &mut router,
        Method::DELETE,
        "/sandbox/platform/certificates",
        remove_all,
    );
    add(
        &mut router,
        Method::POST,
        "/sandbox/platform/public-key",
        public_key,
    );
    router
}

fn refused(e: &crate::SandboxError) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", e.to_string())
}

fn platform_info(shared: &Shared, _: &SandboxRequest) -> Reply {
    let p = shared.platform();
    let keys: Vec<_> = p
        .keys
        .iter()
        .map(|k| {
            let expire_time = k.certificate.as_ref().map(|c| {
                let secs = c
                    .not_after()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                crate::time::format_china(i64::try_from(secs).unwrap_or(i64::MAX))
            });
            json!({
                "serial": k.serial,
                "kind": if k.is_certificate() { "certificate" } else { "public_key" },
                "retired": p.retired.contains(&k.serial),
                "expire_time": expire_time,
            })
        })
        .collect();
    Reply::ok(&json!({ "default_serial": p.default_serial, "keys": keys }))
}

fn announce(shared: &Shared, _: &SandboxRequest) -> Reply {
    match platform::announce_certificate(shared) {
        Ok(serial) => Reply::ok(&json!({ "serial_no": serial })),
        Err(e) => refused(&e),
    }
}

fn activate(shared: &Shared, req: &SandboxRequest) -> Reply {
    match platform::activate_certificate(shared, req.param("serial").unwrap_or_default()) {
        Ok(()) => Reply::no_content(),
        Err(e) => refused(&e),
    }
}

fn rotate(shared: &Shared, _: &SandboxRequest) -> Reply {
    let rotated = platform::announce_certificate(shared)
        .and_then(|serial| platform::activate_certificate(shared, &serial).map(|()| serial));
    match rotated {
        Ok(serial) => Reply::ok(&json!({ "serial_no": serial })),
        Err(e) => refused(&e),
    }
}

fn remove_one(shared: &Shared, req: &SandboxRequest) -> Reply {
    match platform::remove_certificate(shared, req.param("serial").unwrap_or_default()) {
        Ok(()) => Reply::no_content(),
        Err(e) => refused(&e),
    }
}

fn remove_all(shared: &Shared, _: &SandboxRequest) -> Reply {
    match platform::remove_certificates(shared) {
        Ok(_) => Reply::no_content(),
        Err(e) => refused(&e),
    }
}

#[derive(Deserialize, Default)]
struct PublicKeyRequest {
    id: Option<String>,
    private_key_pem: Option<String>,
    default: Option<bool>,
}

fn public_key(shared: &Shared, req: &SandboxRequest) -> Reply {
    let parsed: PublicKeyRequest = if req.body.is_empty() {
        PublicKeyRequest::default()
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(p) => p,
            Err(e) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    format!("bad public key request: {e}"),
                );
            }
        }
    };
    let id = parsed
        .id
        .unwrap_or_else(|| keys::DEFAULT_PUBLIC_KEY_ID.to_owned());
    let key = match parsed.private_key_pem {
        Some(pem) => PrivateKey::from_pem(pem.as_bytes()).map_err(crate::SandboxError::from),
        None => keys::generated_platform_key(&id)
            .map(|k| k.private_key)
            .map_err(crate::SandboxError::from),
    };
    let switched = key.and_then(|key| {
        let pem = key.public_key().and_then(|k| k.to_pem())?;
        if parsed.default.unwrap_or(true) {
            platform::switch_to_public_key(shared, &id, key)?;
        } else {
            platform::add_public_key(shared, &id, key)?;
        }
        Ok(pem)
    });
    match switched {
        Ok(pem) => Reply::ok(&json!({
            "public_key_id": id,
            "public_key_pem": String::from_utf8_lossy(&pem),
        })),
        Err(e) => refused(&e),
    }
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
