//! Media uploads: `POST /v3/merchant/media/upload` (images),
//! `POST /v3/merchant/media/video_upload` and
//! `POST /v3/marketing/favor/media/image-upload` (marketing images).
//!
//! The body must be a `multipart/form-data` form of exactly two parts,
//! `meta` (JSON: `filename`, 1–128 characters, and `sha256`) and `file`.
//! The server has already checked the request signature over the `meta`
//! part, and the spec's checks (`spec.rs`) that `meta.filename` is there
//! and `meta.sha256` is the file's SHA-256. Here, from the route's
//! [`Accepts`]: the name's extension must be one the route takes (images:
//! jpg, jpeg, bmp, png, and pdf on the general route; videos: avi, wmv,
//! mpeg, mp4, mov, mkv, flv, f4v, m4v, rmvb); images must start like one
//! (JPEG, PNG, BMP or PDF signature); sizes are capped at 5 MiB (images on
//! the general route, videos), 7.5 MiB (PDF) and 2 MiB (marketing
//! images). Every refusal is `400 PARAM_ERROR` naming the field.
//! Uploads are kept (see [`Sandbox::media`](crate::Sandbox::media)).

use http::Method;
use serde_json::{Value, json};

use super::Operation;
use crate::lock::Recover;
use crate::reply::Reply;
use crate::router::SandboxRequest;
use crate::server::Shared;
use crate::spec::Input;
use crate::state::Media;
use crate::validate::{Checked, ReadBody};

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::POST,
        path: "/v3/merchant/media/upload",
        rules: &[],
        handler: |s, r, i| upload(s, r, i, &IMAGE),
    },
    Operation {
        method: Method::POST,
        path: "/v3/merchant/media/video_upload",
        rules: &[],
        handler: |s, r, i| upload(s, r, i, &VIDEO),
    },
    Operation {
        method: Method::POST,
        path: "/v3/marketing/favor/media/image-upload",
        rules: &[],
        handler: |s, r, i| upload(s, r, i, &MARKETING_IMAGE),
    },
];

const MIB: usize = 1 << 20;

/// What an upload route takes.
struct Accepts {
    kind: &'static str,
    /// Extension → largest size.
    types: &'static [(&'static str, usize)],
    /// Whether files must start with the signature of their type.
    check_signature: bool,
    /// Answer `media_url` instead of `media_id`.
    answers_url: bool,
}

const IMAGE: Accepts = Accepts {
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

const VIDEO: Accepts = Accepts {
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

const MARKETING_IMAGE: Accepts = Accepts {
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

impl Accepts {
    /// The file's name (1–128 characters, an extension the route takes),
    /// size and, for images, its first bytes.
    fn check(&self, filename: &str, file: &[u8]) -> Checked<()> {
        if filename.chars().count() > 128 {
            return Err(bad("meta.filename", filename, "must be 1-128 characters"));
        }
        let ext = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let Some(&(_, limit)) = self.types.iter().find(|(e, _)| *e == ext) else {
            let allowed: Vec<&str> = self.types.iter().map(|(e, _)| *e).collect();
            return Err(bad(
                "meta.filename",
                filename,
                format!("the name must end in one of: {}", allowed.join(", ")),
            ));
        };
        if file.is_empty() {
            return Err(bad("file", "", "the file is empty"));
        }
        if file.len() > limit {
            return Err(bad(
                "file",
                "",
                format!(
                    "the file is {} bytes; at most {limit} are accepted",
                    file.len()
                ),
            ));
        }
        if self.check_signature && !looks_like(&ext, file) {
            return Err(bad("file", "", format!("the file is not a {ext} file")));
        }
        Ok(())
    }
}

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

/// Checks the file against what the route [`Accepts`] (the spec's checks found
/// the `meta` part, its `filename` and the digest of the `file` part) and
/// keeps it.
fn upload(
    shared: &Shared,
    req: &SandboxRequest,
    input: &Input<'_>,
    accepts: &Accepts,
) -> Checked<Reply> {
    let missing = || bad("file", "", "the `file` part is required");
    let form = input.form.as_ref().ok_or_else(missing)?;
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
    let file = form.part("file").ok_or_else(missing)?;
    let filename = input.body.str("filename");
    accepts.check(filename, file.body)?;
    let sha256 = hex(&openssl::sha::sha256(file.body));
    let meta = form
        .part("meta")
        .map(|p| String::from_utf8_lossy(p.body).into_owned())
        .unwrap_or_default();

    let mut state = shared.state();
    let seq = state.next_seq();
    let media_id = format!("sandbox-{}-{}", sha256.get(..24).unwrap_or_default(), seq);
    state.media.insert(
        media_id.clone(),
        Media {
            media_id: media_id.clone(),
            mchid: req.mchid.clone(),
            kind: accepts.kind,
            filename: filename.to_owned(),
            sha256,
            size: file.body.len(),
            content_type: file.content_type.clone(),
            meta,
        },
    );
    drop(state);
    Ok(if accepts.answers_url {
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
