//! Media uploads: `POST /v3/merchant/media/upload` (images),
//! `POST /v3/merchant/media/video_upload` and
//! `POST /v3/marketing/favor/media/image-upload` (marketing images).
//!
//! The body must be a `multipart/form-data` form of exactly two parts,
//! `meta` (JSON: `filename`, 1–128 characters, and `sha256`, 64 hex
//! digits) and `file`. The server has already checked the request
//! signature over the `meta` part. Here: the file's SHA-256 must equal
//! `meta.sha256`; the name's extension must be one the route takes (images:
//! jpg, jpeg, bmp, png, and pdf on the general route; videos: avi, wmv,
//! mpeg, mp4, mov, mkv, flv, f4v, m4v, rmvb); images must start like one
//! (JPEG, PNG, BMP or PDF signature); sizes are capped at 5 MiB (images on
//! the general route, videos), 7.5 MiB (PDF) and 2 MiB (marketing
//! images). Every refusal is `400 PARAM_ERROR` naming the field.
//! Uploads are kept (see [`Sandbox::media`](crate::Sandbox::media)).

use http::Method;
use serde_json::{Value, json};

use crate::lock::Recover;
use crate::multipart;
use crate::reply::Reply;
use crate::router::{Router, SandboxRequest, add};
use crate::server::Shared;
use crate::state::Media;
use crate::validate::Checked;

pub(crate) fn register(router: &mut Router) {
    add(router, Method::POST, "/v3/merchant/media/upload", |s, r| {
        upload(s, r, &IMAGE)
    });
    add(
        router,
        Method::POST,
        "/v3/merchant/media/video_upload",
        |s, r| upload(s, r, &VIDEO),
    );
    add(
        router,
        Method::POST,
        "/v3/marketing/favor/media/image-upload",
        |s, r| upload(s, r, &MARKETING_IMAGE),
    );
}

const MIB: usize = 1 << 20;

/// What an upload route takes.
struct Rules {
    kind: &'static str,
    /// Extension → largest size.
    types: &'static [(&'static str, usize)],
    /// Whether files must start with the signature of their type.
    check_signature: bool,
    /// Answer `media_url` instead of `media_id`.
    answers_url: bool,
}

const IMAGE: Rules = Rules {
    kind: "image",
    types: &[
        ("jpg", 5 * MIB),
        ("jpeg", 5 * MIB),
        ("bmp", 5 * MIB),
        ("png", 5 * MIB),
        ("pdf", 15 * MIB / 2),
    ],
    check_signature: true,
    answers_url: false,
};

const VIDEO: Rules = Rules {
    kind: "video",
    types: &[
        ("avi", 5 * MIB),
        ("wmv", 5 * MIB),
        ("mpeg", 5 * MIB),
        ("mp4", 5 * MIB),
        ("mov", 5 * MIB),
        ("mkv", 5 * MIB),
        ("flv", 5 * MIB),
        ("f4v", 5 * MIB),
        ("m4v", 5 * MIB),
        ("rmvb", 5 * MIB),
    ],
    check_signature: false,
    answers_url: false,
};

const MARKETING_IMAGE: Rules = Rules {
    kind: "marketing-image",
    types: &[
        ("jpg", 2 * MIB),
        ("jpeg", 2 * MIB),
        ("bmp", 2 * MIB),
        ("png", 2 * MIB),
    ],
    check_signature: true,
    answers_url: true,
};

/// Whether `bytes` start like a file of type `ext`.
fn looks_like(ext: &str, bytes: &[u8]) -> bool {
    match ext {
        "jpg" | "jpeg" => bytes.starts_with(&[0xff, 0xd8, 0xff]),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "bmp" => bytes.starts_with(b"BM"),
        "pdf" => bytes.starts_with(b"%PDF-"),
        _ => true,
    }
}

fn bad(field: &str, value: &str, issue: impl Into<String>) -> Reply {
    Reply::param_error(field, &Value::String(value.to_owned()), issue)
}

fn upload(shared: &Shared, req: &SandboxRequest, rules: &Rules) -> Checked<Reply> {
    let content_type = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !multipart::is_multipart(content_type) {
        return Err(bad(
            "Content-Type",
            content_type,
            "an upload must be multipart/form-data",
        ));
    }
    let form =
        multipart::parse(content_type, &req.body).map_err(|e| bad("body", "", e.to_string()))?;
    if let Some(other) = form
        .parts
        .iter()
        .find(|p| p.name != "meta" && p.name != "file")
    {
        return Err(bad(
            &other.name,
            "",
            "unexpected part; an upload has exactly `meta` and `file`",
        ));
    }
    let meta_part = form
        .part("meta")
        .ok_or_else(|| bad("meta", "", "the `meta` part is required"))?;
    let file = form
        .part("file")
        .ok_or_else(|| bad("file", "", "the `file` part is required"))?;
    let meta: serde_json::Map<String, Value> = match serde_json::from_slice(meta_part.body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(bad("meta", "", "`meta` must be a JSON object")),
    };
    let filename = match meta.get("filename") {
        Some(Value::String(s)) if (1..=128).contains(&s.chars().count()) => s.clone(),
        Some(v) => {
            return Err(Reply::param_error(
                "meta.filename",
                v,
                "must be 1-128 characters",
            ));
        }
        None => return Err(bad("meta.filename", "", "is required")),
    };
    let declared = match meta.get("sha256") {
        Some(Value::String(s)) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
            s.to_ascii_lowercase()
        }
        Some(v) => {
            return Err(Reply::param_error(
                "meta.sha256",
                v,
                "must be 64 hex digits",
            ));
        }
        None => return Err(bad("meta.sha256", "", "is required")),
    };
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(&(_, limit)) = rules.types.iter().find(|(e, _)| *e == ext) else {
        let allowed: Vec<&str> = rules.types.iter().map(|(e, _)| *e).collect();
        return Err(bad(
            "meta.filename",
            &filename,
            format!("the name must end in one of: {}", allowed.join(", ")),
        ));
    };
    if file.body.is_empty() {
        return Err(bad("file", "", "the file is empty"));
    }
    if file.body.len() > limit {
        return Err(bad(
            "file",
            "",
            format!(
                "the file is {} bytes; at most {limit} are accepted",
                file.body.len()
            ),
        ));
    }
    let actual = hex(&openssl::sha::sha256(file.body));
    if actual != declared {
        return Err(bad(
            "meta.sha256",
            &declared,
            format!("does not match the file (its SHA-256 is {actual})"),
        ));
    }
    if rules.check_signature && !looks_like(&ext, file.body) {
        return Err(bad("file", "", format!("the file is not a {ext} file")));
    }

    let mut state = shared.state();
    let seq = state.next_seq();
    let media_id = format!("sandbox-{}-{}", actual.get(..24).unwrap_or_default(), seq);
    state.media.insert(
        media_id.clone(),
        Media {
            media_id: media_id.clone(),
            mchid: req.mchid.clone(),
            kind: rules.kind,
            filename,
            sha256: actual,
            size: file.body.len(),
            content_type: file.content_type.clone(),
            meta: String::from_utf8_lossy(meta_part.body).into_owned(),
        },
    );
    drop(state);
    Ok(if rules.answers_url {
        let base = shared.base_url.read().recover().clone();
        Reply::ok(&json!({ "media_url": format!("{base}/sandbox/media/{media_id}") }))
    } else {
        Reply::ok(&json!({ "media_id": media_id }))
    })
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
