//! Media uploads: the file to send ([`UploadFile`]) and the
//! `multipart/form-data` body it travels in ([`Multipart`]).
//!
//! An upload endpoint (declared with `#[endpoint(POST, "…", upload)]`) has
//! one field of type [`UploadFile`]. Its SHA-256 is computed by this crate
//! when the `UploadFile` is made, from the very bytes that will be sent; the
//! user never supplies a digest. The client then builds the `meta` JSON once
//! (`{"filename":"…","sha256":"…"}` plus any other body fields of the
//! endpoint), signs exactly those bytes (PROTOCOL §2: an upload's signed
//! body is its `meta` part) and sends exactly them in the `meta` part,
//! followed by the endpoint's `#[form]` text parts, if any, and the file
//! (in the part `file`, or the one the endpoint names).
//!
//! A file given by path is read twice, never held whole in memory: once in
//! [`UploadFile::from_path`] for its digest and size, once while it is sent.
//! If it changed in between, the upload is aborted before the body is
//! complete, so the platform never receives a file that does not match its
//! digest.

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body::{Body, Frame, SizeHint};
use openssl::sha::Sha256;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt as _, ReadBuf};

use crate::body::ByteStream;
use crate::error::{BoxError, BuildError, Error, TransportError, TransportErrorKind};
use crate::protocol::Nonce;
use crate::transport::Transport;

/// How much of a file is read at a time, for its digest and while sending.
const READ_CHUNK: usize = 64 * 1024;

/// The largest answer to an upload that is read (its JSON is a few hundred bytes).
const MAX_UPLOAD_ANSWER: usize = 1 << 20;

/// A file to upload, with the SHA-256 digest this crate computed over it.
///
/// Made from bytes in memory ([`from_bytes`](UploadFile::from_bytes)) or
/// from a file on disk ([`from_path`](UploadFile::from_path), streamed while
/// sending). The file name goes into the `meta` JSON and the `file` part;
/// the content type, guessed from the name's extension unless set with
/// [`with_content_type`](UploadFile::with_content_type), goes into the
/// `file` part's header.
///
/// ```no_run
/// use wxpay_core::upload::UploadFile;
///
/// # async fn run() -> Result<(), wxpay_core::Error> {
/// let logo = UploadFile::from_path("logo.png").await?;
/// assert_eq!(logo.sha256().len(), 64);
/// let inline = UploadFile::from_bytes("receipt.jpg", std::fs::read("receipt.jpg").unwrap_or_default());
/// # let _ = inline;
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFile {
    filename: String,
    /// Set with `with_content_type`; otherwise guessed from the name.
    content_type: Option<String>,
    source: Source,
    sha256: String,
    len: u64,
}

#[derive(Clone, PartialEq, Eq)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
}

impl UploadFile {
    /// A file held in memory, named `filename` (e.g. `"logo.png"`).
    pub fn from_bytes(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let filename = filename.into();
        let bytes = bytes.into();
        UploadFile {
            content_type: None,
            sha256: hex(&openssl::sha::sha256(&bytes)),
            len: bytes.len() as u64,
            source: Source::Bytes(bytes),
            filename,
        }
    }

    /// A file on disk, named after the last component of `path`. Reads it
    /// once now, in chunks, for its digest and size; it is read again while
    /// being sent.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::build(format!(
                    "the path to upload {} does not name a file",
                    path.display()
                ))
            })?;
        let mut hasher = Sha256::new();
        let len = read_chunks(path, |chunk| {
            hasher.update(chunk);
            Ok(())
        })
        .await?;
        Ok(UploadFile {
            content_type: None,
            filename,
            source: Source::Path(path.to_owned()),
            sha256: hex(&hasher.finish()),
            len,
        })
    }

    /// Sends the file under another name (the name decides the type the
    /// platform accepts: `.jpg`, `.png`, `.mp4`, …).
    #[must_use]
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = filename.into();
        self
    }

    /// Sets the `Content-Type` of the `file` part (default: guessed from the
    /// name's extension, `application/octet-stream` when unknown).
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name sent in `meta` and in the `file` part.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The `Content-Type` of the `file` part.
    pub fn content_type(&self) -> &str {
        self.content_type
            .as_deref()
            .unwrap_or_else(|| guess_content_type(&self.filename))
    }

    /// The SHA-256 of the content, lower-case hex: the `sha256` of `meta`.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The SM3 digest of the content, lower-case hex: what the electronic
    /// invoice uploads ask for in `meta` (`digest`, with `SM3` as the
    /// algorithm), computed with OpenSSL. A file on disk is read again, in
    /// chunks; if it no longer matches the size and SHA-256 recorded when
    /// this value was made, that is an error, as it would be when sending.
    pub async fn sm3(&self) -> Result<String, Error> {
        let sm3 = openssl::hash::MessageDigest::from_name("SM3")
            .ok_or_else(|| Error::build("this OpenSSL build has no SM3 digest"))?;
        let failed = |e: openssl::error::ErrorStack| {
            Error::from(BuildError::with_source(
                "computing the SM3 digest failed",
                e,
            ))
        };
        let mut hasher = openssl::hash::Hasher::new(sm3).map_err(failed)?;
        match &self.source {
            Source::Bytes(bytes) => hasher.update(bytes).map_err(failed)?,
            Source::Path(path) => {
                let mut sha256 = Sha256::new();
                let len = read_chunks(path, |chunk| {
                    sha256.update(chunk);
                    hasher.update(chunk).map_err(failed)
                })
                .await?;
                if len != self.len || hex(&sha256.finish()) != self.sha256 {
                    return Err(Error::build(format!(
                        "the file to upload {} changed after it was read",
                        path.display()
                    )));
                }
            }
        }
        Ok(hex(&hasher.finish().map_err(failed)?))
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The content as a stream that checks, at its end, that what was read
    /// still has the size and digest computed when this value was made.
    fn content(&self) -> Result<FileContent, Error> {
        Ok(match &self.source {
            Source::Bytes(bytes) => FileContent::Bytes(Some(bytes.clone())),
            Source::Path(path) => {
                let file = std::fs::File::open(path).map_err(|e| {
                    BuildError::with_source(
                        format!("cannot open the file to upload {}", path.display()),
                        e,
                    )
                })?;
                FileContent::Reader(Box::new(Reader {
                    file: tokio::fs::File::from_std(file),
                    buf: vec![0; READ_CHUNK],
                    hasher: Some(Sha256::new()),
                    read: 0,
                    expected_len: self.len,
                    expected_sha256: self.sha256.clone(),
                }))
            }
        })
    }
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("UploadFile");
        d.field("filename", &self.filename)
            .field("content_type", &self.content_type())
            .field("len", &self.len)
            .field("sha256", &self.sha256);
        match &self.source {
            Source::Bytes(_) => d.field("source", &"memory"),
            Source::Path(p) => d.field("source", p),
        };
        d.finish()
    }
}

/// A `multipart/form-data` upload body: the signed `meta` part, any text
/// parts, and the file.
///
/// Made by [`RequestBody::upload`](crate::RequestBody::upload) or
/// [`RequestBody::upload_parts`](crate::RequestBody::upload_parts); the
/// client signs [`meta`](Multipart::meta) and streams the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    boundary: String,
    meta: Vec<u8>,
    /// Everything before the file's bytes, built once.
    head: Bytes,
    file: UploadFile,
}

impl Multipart {
    /// Builds the body for `file`, sent as the part `file`. `extra` is
    /// serialised as a JSON object whose members join `filename` and
    /// `sha256` in `meta` (an endpoint's other body fields; `{}` for none).
    pub fn new<T: Serialize + ?Sized>(file: &UploadFile, extra: &T) -> Result<Self, Error> {
        Self::with_parts("file", file, extra, &serde_json::Map::new())
    }

    /// Builds the body for `file`, sent as the part named `file_part`.
    /// `meta` is serialised as a JSON object whose members join `filename`
    /// and `sha256` in the `meta` part; `form` as a JSON object whose
    /// members each become a text part of their own, between `meta` and the
    /// file (a string as it is, a number or boolean as written in JSON, an
    /// array or object as JSON text; `null` members are left out).
    pub fn with_parts<M, F>(
        file_part: &str,
        file: &UploadFile,
        meta: &M,
        form: &F,
    ) -> Result<Self, Error>
    where
        M: Serialize + ?Sized,
        F: Serialize + ?Sized,
    {
        check_part_value("file name", &file.filename)?;
        check_part_value("content type", file.content_type())?;
        check_part_name(file_part)?;
        if file_part == "meta" {
            return Err(Error::build(
                "the file cannot be sent as the part `meta`, which holds the signed JSON",
            ));
        }
        if file.filename.is_empty() {
            return Err(Error::build("the file to upload has an empty file name"));
        }
        let meta = meta_json(file, json_object("meta fields", meta)?)?;
        let form = json_object("form parts", form)?;
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        let boundary = format!("wxpay-{nonce}");

        let mut head = Vec::with_capacity(meta.len() + 256);
        part_header(
            &mut head,
            &boundary,
            "meta",
            "\r\nContent-Type: application/json",
        );
        head.extend_from_slice(&meta);
        head.extend_from_slice(b"\r\n");
        for (name, value) in &form {
            if name == "meta" || name == file_part {
                return Err(Error::build(format!(
                    "the upload's form part `{name}` has the name of its {} part",
                    if name == "meta" { "`meta`" } else { "file" }
                )));
            }
            if value.is_null() {
                continue;
            }
            check_part_name(name)?;
            part_header(&mut head, &boundary, name, "");
            match value {
                serde_json::Value::String(text) => head.extend_from_slice(text.as_bytes()),
                other => head.extend_from_slice(other.to_string().as_bytes()),
            }
            head.extend_from_slice(b"\r\n");
        }
        let file_header = format!(
            "; filename=\"{}\"\r\nContent-Type: {}",
            file.filename,
            file.content_type()
        );
        part_header(&mut head, &boundary, file_part, &file_header);
        Ok(Multipart {
            boundary,
            meta,
            head: Bytes::from(head),
            file: file.clone(),
        })
    }

    /// The `meta` JSON, exactly as signed and sent.
    pub fn meta(&self) -> &[u8] {
        &self.meta
    }

    /// The file.
    pub fn file(&self) -> &UploadFile {
        &self.file
    }

    /// The part delimiter (without the leading `--`).
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The `Content-Type` header value, with the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    fn tail(&self) -> Bytes {
        Bytes::from(format!("\r\n--{}--\r\n", self.boundary))
    }

    /// The size of the whole body in bytes (its `Content-Length`).
    pub fn content_length(&self) -> u64 {
        self.head.len() as u64 + self.file.len + self.tail().len() as u64
    }

    /// The whole body as a stream, the file read as it is sent. Can be
    /// called again for another attempt.
    pub fn stream(&self) -> Result<ByteStream, Error> {
        let head = self.head.clone();
        let tail = self.tail();
        let len = head.len() as u64 + self.file.len + tail.len() as u64;
        Ok(ByteStream::new(MultipartBody {
            head: Some(head),
            file: self.file.content()?,
            tail: Some(tail),
            len,
        }))
    }
}

/// Sends a signed upload (`builder` holds the method, URI and signed
/// headers) and returns the collected answer.
pub(crate) async fn send(
    transport: &dyn Transport,
    builder: http::request::Builder,
    multipart: &Multipart,
    timeout: Duration,
) -> Result<http::Response<Bytes>, Error> {
    let request = builder
        .header(CONTENT_TYPE, multipart.content_type())
        .header(CONTENT_LENGTH, multipart.content_length())
        .body(multipart.stream()?)
        .map_err(|e| TransportError::new(TransportErrorKind::InvalidRequest, e))?;
    let exchange = async {
        let response = transport.send_streaming(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect(MAX_UPLOAD_ANSWER).await?;
        Ok::<_, TransportError>(http::Response::from_parts(parts, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(Error::Timeout(timeout)),
    }
}

/// A value written into a part header must not end the header line or the quoted string.
fn check_part_value(what: &str, value: &str) -> Result<(), Error> {
    if value.chars().any(|c| matches!(c, '"' | '\r' | '\n' | '\0')) {
        return Err(Error::build(format!(
            "the upload's {what} {value:?} holds a quote, a line break or NUL"
        )));
    }
    Ok(())
}

/// Starts a part: its delimiter and headers (`extra` follows the
/// disposition's name), up to the blank line before its content.
fn part_header(out: &mut Vec<u8>, boundary: &str, name: &str, extra: &str) {
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
}

/// A form part's name: not empty, and nothing that ends the quoted string.
fn check_part_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::build("an upload's form part has an empty name"));
    }
    check_part_value("part name", name)
}

/// `value` serialised, which must be a JSON object.
fn json_object<T: Serialize + ?Sized>(
    what: &str,
    value: &T,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => Err(Error::build(format!(
            "the upload's {what} must serialise as a JSON object"
        ))),
        Err(e) => Err(BuildError::with_source(
            format!("the upload's {what} could not be serialised"),
            e,
        )
        .into()),
    }
}

/// The `meta` JSON: `filename` and `sha256` first, then `extra`'s members.
fn meta_json(
    file: &UploadFile,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<u8>, Error> {
    let mut meta = Vec::with_capacity(128);
    meta.extend_from_slice(b"{\"filename\":");
    serde_json::to_writer(&mut meta, &file.filename)
        .map_err(|e| BuildError::with_source("the file name could not be serialised", e))?;
    meta.extend_from_slice(b",\"sha256\":\"");
    meta.extend_from_slice(file.sha256.as_bytes());
    meta.push(b'"');
    for (key, value) in &extra {
        if key == "filename" || key == "sha256" {
            return Err(Error::build(format!(
                "the upload's meta field `{key}` is computed from the file; remove it"
            )));
        }
        meta.push(b',');
        serde_json::to_writer(&mut meta, key)
            .and_then(|()| {
                meta.push(b':');
                serde_json::to_writer(&mut meta, value)
            })
            .map_err(|e| BuildError::with_source("a meta field could not be serialised", e))?;
    }
    meta.push(b'}');
    Ok(meta)
}

/// The `Content-Type` for a file name's extension.
pub fn guess_content_type(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        "avi" => "video/x-msvideo",
        "wmv" => "video/x-ms-wmv",
        "mpeg" => "video/mpeg",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "flv" => "video/x-flv",
        "f4v" => "video/x-f4v",
        "m4v" => "video/x-m4v",
        "rmvb" => "application/vnd.rn-realmedia-vbr",
        _ => "application/octet-stream",
    }
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The body on the wire: head, file content, tail.
struct MultipartBody {
    head: Option<Bytes>,
    file: FileContent,
    tail: Option<Bytes>,
    len: u64,
}

enum FileContent {
    Bytes(Option<Bytes>),
    Reader(Box<Reader>),
}

/// Reads the file at `path` in chunks, handing each to `each`; its length.
async fn read_chunks(
    path: &Path,
    mut each: impl FnMut(&[u8]) -> Result<(), Error>,
) -> Result<u64, Error> {
    let cannot = |e: std::io::Error| {
        Error::from(BuildError::with_source(
            format!("cannot read the file to upload {}", path.display()),
            e,
        ))
    };
    let mut file = tokio::fs::File::open(path).await.map_err(cannot)?;
    let mut buf = vec![0u8; READ_CHUNK];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).await.map_err(cannot)?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            return Ok(len);
        };
        each(chunk)?;
        len += n as u64;
    }
}

/// Reads a file while it is sent and checks it against its recorded digest.
struct Reader {
    file: tokio::fs::File,
    buf: Vec<u8>,
    hasher: Option<Sha256>,
    read: u64,
    expected_len: u64,
    expected_sha256: String,
}

impl Reader {
    /// The next piece of the file, `None` at its end (after the check).
    fn poll_piece(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        let Some(hasher) = self.hasher.as_mut() else {
            return Poll::Ready(None);
        };
        let mut buf = ReadBuf::new(&mut self.buf);
        if let Err(e) = ready!(Pin::new(&mut self.file).poll_read(cx, &mut buf)) {
            return Poll::Ready(Some(Err(Box::new(e))));
        }
        let filled = buf.filled();
        if filled.is_empty() {
            let digest = self.hasher.take().map(|h| hex(&h.finish()));
            if self.read != self.expected_len || digest.as_deref() != Some(&self.expected_sha256) {
                return Poll::Ready(Some(Err(
                    "the file to upload changed after its digest was computed; upload aborted"
                        .into(),
                )));
            }
            return Poll::Ready(None);
        }
        hasher.update(filled);
        self.read += filled.len() as u64;
        if self.read > self.expected_len {
            return Poll::Ready(Some(Err(
                "the file to upload grew after its digest was computed; upload aborted".into(),
            )));
        }
        Poll::Ready(Some(Ok(Bytes::copy_from_slice(filled))))
    }
}

impl Body for MultipartBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        let piece = match &mut this.file {
            FileContent::Bytes(bytes) => bytes.take().map(Ok),
            FileContent::Reader(reader) => ready!(reader.poll_piece(cx)),
        };
        match piece {
            Some(Ok(data)) => Poll::Ready(Some(Ok(Frame::data(data)))),
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Ready(this.tail.take().map(|t| Ok(Frame::data(t)))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_holds_name_digest_and_extra_fields() {
        let file = UploadFile::from_bytes("图.png", &b"abc"[..]);
        assert_eq!(
            file.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(file.content_type(), "image/png");
        // The type follows a new name unless it was set.
        let renamed = file.clone().with_filename("clip.mp4");
        assert_eq!(renamed.content_type(), "video/mp4");
        let set = renamed
            .with_content_type("image/jpeg")
            .with_filename("x.pdf");
        assert_eq!(set.content_type(), "image/jpeg");
        let m = Multipart::new(&file, &serde_json::json!({})).unwrap();
        assert_eq!(
            std::str::from_utf8(m.meta()).unwrap(),
            r#"{"filename":"图.png","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#
        );
        let m = Multipart::new(&file, &serde_json::json!({"bank": "x"})).unwrap();
        assert!(
            std::str::from_utf8(m.meta())
                .unwrap()
                .ends_with(r#","bank":"x"}"#)
        );
        assert!(Multipart::new(&file, &serde_json::json!({"sha256": "x"})).is_err());
        assert!(Multipart::new(&file, &1).is_err());
    }

    #[test]
    fn part_headers_cannot_be_broken_out_of() {
        let file = UploadFile::from_bytes("a\".png", &b"abc"[..]);
        assert!(Multipart::new(&file, &serde_json::json!({})).is_err());
        let file = UploadFile::from_bytes("a.png", &b"abc"[..]).with_content_type("x\r\nY: z");
        assert!(Multipart::new(&file, &serde_json::json!({})).is_err());
        let file = UploadFile::from_bytes("", &b"abc"[..]);
        assert!(Multipart::new(&file, &serde_json::json!({})).is_err());
    }

    #[tokio::test]
    async fn the_stream_is_the_whole_body() {
        let file = UploadFile::from_bytes("a.jpg", &b"\xff\xd8\xffdata"[..]);
        let m = Multipart::new(&file, &serde_json::json!({})).unwrap();
        let body = m.stream().unwrap();
        assert_eq!(body.exact_len(), Some(m.content_length()));
        let bytes = body.collect(1 << 20).await.unwrap();
        assert_eq!(bytes.len() as u64, m.content_length());
        let b = m.boundary();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
            std::str::from_utf8(m.meta()).unwrap()
        );
        assert!(bytes.starts_with(expected.as_bytes()));
        let mut tail = b"\xff\xd8\xffdata".to_vec();
        tail.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        assert!(bytes.ends_with(&tail));
        assert_eq!(bytes.len(), expected.len() + tail.len());
    }

    #[tokio::test]
    async fn the_file_part_can_be_renamed_and_text_parts_added() {
        let file = UploadFile::from_bytes("a.pdf", &b"%PDF"[..]);
        let form = serde_json::json!({"item_id": 56, "manage_record_id": "r1", "skip": null});
        let m =
            Multipart::with_parts("submission_file", &file, &serde_json::json!({}), &form).unwrap();
        let bytes = m.stream().unwrap().collect(1 << 20).await.unwrap();
        assert_eq!(bytes.len() as u64, m.content_length());
        let b = m.boundary();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"item_id\"\r\n\r\n56\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"manage_record_id\"\r\n\r\nr1\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"submission_file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\
             %PDF\r\n--{b}--\r\n",
            std::str::from_utf8(m.meta()).unwrap()
        );
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), expected);
        // Only meta is signed: the text parts are not in it.
        assert!(!std::str::from_utf8(m.meta()).unwrap().contains("item_id"));

        let empty = serde_json::json!({});
        for (part, form) in [
            ("", serde_json::json!({})),
            ("a\"b", serde_json::json!({})),
            ("file", serde_json::json!({"meta": "x"})),
            ("file", serde_json::json!({"file": "x"})),
            ("file", serde_json::json!({"a\r\nb": "x"})),
            ("file", serde_json::json!([1])),
            ("meta", serde_json::json!({})),
        ] {
            assert!(
                Multipart::with_parts(part, &file, &empty, &form).is_err(),
                "{part:?} {form}"
            );
        }
    }

    #[tokio::test]
    async fn sm3_of_memory_and_of_a_file_that_must_not_change() {
        // GB/T 32905-2016, example 1.
        let abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
        let file = UploadFile::from_bytes("a.pdf", &b"abc"[..]);
        assert_eq!(file.sm3().await.unwrap(), abc);

        let dir = std::env::temp_dir().join(format!("wxpay-sm3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.ofd");
        std::fs::write(&path, b"abc").unwrap();
        let file = UploadFile::from_path(&path).await.unwrap();
        assert_eq!(file.sm3().await.unwrap(), abc);
        std::fs::write(&path, b"abd").unwrap();
        let e = file.sm3().await.unwrap_err();
        assert!(e.to_string().contains("changed"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn files_are_read_twice_and_checked() {
        let dir = std::env::temp_dir().join(format!("wxpay-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clip.mp4");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let file = UploadFile::from_path(&path).await.unwrap();
        assert_eq!(file.filename(), "clip.mp4");
        assert_eq!(file.content_type(), "video/mp4");
        assert_eq!(file.len(), 200_000);
        assert_eq!(
            file,
            UploadFile::from_bytes("clip.mp4", content.clone()).clone_source_of(&file)
        );
        let m = Multipart::new(&file, &serde_json::json!({})).unwrap();
        let bytes = m.stream().unwrap().collect(1 << 20).await.unwrap();
        assert_eq!(bytes.len() as u64, m.content_length());

        // Changed after the digest: the stream fails instead of ending.
        let mut changed = content.clone();
        changed[10] ^= 1;
        std::fs::write(&path, &changed).unwrap();
        let e = m.stream().unwrap().collect(1 << 20).await.unwrap_err();
        assert!(e.to_string().contains("changed after its digest"), "{e}");
        std::fs::write(&path, [&content[..], b"more"].concat()).unwrap();
        let e = m.stream().unwrap().collect(1 << 20).await.unwrap_err();
        assert!(e.to_string().contains("grew"), "{e}");
        std::fs::remove_file(&path).unwrap();
        assert!(m.stream().is_err());
        assert!(UploadFile::from_path(&path).await.is_err());
    }

    impl UploadFile {
        /// Test helper: this file with `other`'s source, to compare the rest.
        fn clone_source_of(mut self, other: &UploadFile) -> Self {
            self.source = other.source.clone();
            self
        }
    }
}
