//! Media uploads end to end: the client computes the digest, signs the
//! `meta` part and streams the file; the sandbox parses the multipart
//! body, checks the signature over `meta`, the digest, the type and the
//! size. Requests built by hand show what the sandbox refuses.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use wxpay::prelude::*;
use wxpay::v3::marketing::favor::media::ImageUpload;
use wxpay::v3::merchant::media::{Upload, VideoUpload};
use wxpay_core::protocol::Nonce;
use wxpay_core::transport::{HyperTransport, Transport};
use wxpay_core::upload::UploadFile;
use wxpay_core::{Error, endpoint};
use wxpay_sandbox::{Reply, Sandbox, SandboxRequest};

/// A PNG signature followed by `n` bytes of filler.
fn png(n: usize) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend((0..n).map(|i| (i * 7 % 256) as u8));
    out
}

/// SHA-256, lower-case hex, computed here independently of the SDK.
fn sha256_hex(data: &[u8]) -> String {
    openssl::sha::sha256(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn an_image_goes_up_with_its_digest_and_signed_meta() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let content = png(40_000);
    let file = UploadFile::from_bytes("门店照片.png", content.clone());
    let digest = file.sha256().to_owned();
    assert_eq!(digest.len(), 64);

    let answer = client
        .post_merchant_media_upload(Upload { file })
        .await
        .unwrap();
    let media = sandbox
        .media(&answer.media_id)
        .expect("the sandbox kept it");
    assert_eq!(media.kind, "image");
    assert_eq!(media.mchid, client.mchid());
    assert_eq!(media.size, content.len());
    assert_eq!(media.sha256, digest);
    assert_eq!(media.filename, "门店照片.png");
    assert_eq!(media.content_type.as_deref(), Some("image/png"));
    // The meta part arrived byte for byte as the SDK wrote (and signed) it.
    assert_eq!(
        media.meta,
        format!(r#"{{"filename":"门店照片.png","sha256":"{digest}"}}"#)
    );
    let path = format!("/sandbox/media/{}", answer.media_id);
    let (status, json) = common::control(&sandbox, http::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["sha256"], digest);
    assert_eq!(json["size"], content.len());
}

#[tokio::test]
async fn a_video_is_streamed_from_disk() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let dir = std::env::temp_dir().join(format!("wxpay-video-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip.mp4");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    let file = UploadFile::from_path(&path).await.unwrap();
    assert_eq!(file.sha256(), sha256_hex(&content));
    let answer = client
        .post_merchant_media_video_upload(VideoUpload { file })
        .await
        .unwrap();
    let media = sandbox.media(&answer.media_id).unwrap();
    assert_eq!((media.kind, media.size), ("video", content.len()));
    assert_eq!(media.sha256, sha256_hex(&content));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_file_changed_after_its_digest_is_never_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let dir = std::env::temp_dir().join(format!("wxpay-changed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shop.png");
    std::fs::write(&path, png(100_000)).unwrap();
    let file = UploadFile::from_path(&path).await.unwrap();
    let mut changed = png(100_000);
    changed[50_000] ^= 0xff;
    std::fs::write(&path, &changed).unwrap();

    let e = client
        .post_merchant_media_upload(Upload { file })
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e}");
    assert!(e.to_string().contains("changed after its digest"), "{e}");
    assert_eq!(sandbox.hits("POST /v3/merchant/media/upload"), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn marketing_images_answer_a_url_and_have_their_own_limits() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .post_marketing_favor_media_image_upload(ImageUpload {
            file: UploadFile::from_bytes("coupon.png", png(1000)),
        })
        .await
        .unwrap();
    let id = answer.media_url.rsplit('/').next().unwrap();
    assert!(answer.media_url.starts_with(&sandbox.base_url()));
    assert_eq!(sandbox.media(id).unwrap().kind, "marketing-image");

    // 2 MiB is the marketing limit; the general route takes it.
    let big = png(2 * 1024 * 1024);
    let e = client
        .post_marketing_favor_media_image_upload(ImageUpload {
            file: UploadFile::from_bytes("coupon.png", big.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PARAM_ERROR"), "{e}");
    assert_eq!(e.as_api().unwrap().detail_field(), Some("file"));
    client
        .post_merchant_media_upload(Upload {
            file: UploadFile::from_bytes("coupon.png", big),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn types_are_checked_by_name_and_content() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let e = client
        .post_merchant_media_upload(Upload {
            file: UploadFile::from_bytes("animated.gif", b"GIF89a....".to_vec()),
        })
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("meta.filename"));
    let e = client
        .post_merchant_media_upload(Upload {
            file: UploadFile::from_bytes("fake.jpg", png(10)),
        })
        .await
        .unwrap_err();
    assert_eq!(e.as_api().unwrap().detail_field(), Some("file"), "{e}");
    let e = client
        .post_merchant_media_video_upload(VideoUpload {
            file: UploadFile::from_bytes("photo.png", png(10)),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
}

/// Sends a hand-made upload: `meta_signed` is what the signature covers,
/// `meta_sent` what the `meta` part holds.
async fn raw_upload(
    sandbox: &Sandbox,
    meta_signed: &str,
    meta_sent: &str,
    file: &[u8],
) -> (StatusCode, serde_json::Value) {
    let merchant = sandbox.merchant().unwrap();
    let credentials = Credentials::new(
        merchant.mchid.clone(),
        merchant.serial.clone(),
        merchant.private_key.clone().unwrap(),
    )
    .unwrap();
    let path = "/v3/merchant/media/upload";
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let authorization = credentials
        .authorization(
            "POST",
            path,
            meta_signed.as_bytes(),
            timestamp,
            &Nonce::generate().unwrap(),
        )
        .unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--b0undary\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta_sent}\r\n--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    let request = http::Request::post(format!("{}{path}", sandbox.base_url()))
        .header("authorization", authorization)
        .header("user-agent", "raw-test")
        .header("accept", "application/json")
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(Bytes::from(body))
        .unwrap();
    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let answer = transport.send(request).await.unwrap();
    let json = serde_json::from_slice(answer.body()).unwrap_or(serde_json::Value::Null);
    (answer.status(), json)
}

#[tokio::test]
async fn the_sandbox_checks_the_digest_and_the_signature_over_meta() {
    let sandbox = Sandbox::start().await.unwrap();
    let file = png(5000);
    let good = format!(r#"{{"filename":"a.png","sha256":"{}"}}"#, sha256_hex(&file));

    let (status, json) = raw_upload(&sandbox, &good, &good, &file).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json["media_id"].is_string());

    // A digest that does not match the file, correctly signed: refused.
    let tampered = format!(r#"{{"filename":"a.png","sha256":"{}"}}"#, "ab".repeat(32));
    let (status, json) = raw_upload(&sandbox, &tampered, &tampered, &file).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["code"], "PARAM_ERROR");
    assert_eq!(json["detail"]["field"], "meta.sha256");

    // The file changed on the way: same refusal.
    let mut other = file.clone();
    other[100] ^= 1;
    let (status, json) = raw_upload(&sandbox, &good, &good, &other).await;
    assert_eq!(
        (status, json["detail"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("meta.sha256"))
    );

    // The meta sent is not the meta signed: a signature error.
    let (status, json) = raw_upload(&sandbox, &good, &good.replace("a.png", "b.png"), &file).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json["code"], "SIGN_ERROR");

    // Signing the whole body instead of meta: a signature error too.
    let (status, _) = raw_upload(&sandbox, "", &good, &file).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// An upload endpoint declared outside wxpay-core, with an extra `meta`
/// field, served by a test route that parses the form with the sandbox's parser.
#[endpoint(POST, "/v3/merchant-service/images/upload", upload, response = ComplaintImage)]
struct ComplaintImageUpload {
    file: UploadFile,
    complaint_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ComplaintImage {
    media_id: String,
}

#[tokio::test]
async fn downstream_upload_endpoints_put_extra_fields_into_meta() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.route(
        http::Method::POST,
        "/v3/merchant-service/images/upload",
        |req: SandboxRequest| async move {
            let content_type = req.headers["content-type"].to_str().unwrap().to_owned();
            let form = wxpay_sandbox::multipart::parse(&content_type, &req.body).unwrap();
            let meta: serde_json::Value =
                serde_json::from_slice(form.part("meta").unwrap().body).unwrap();
            let file = form.part("file").unwrap();
            Reply::ok(&serde_json::json!({
                "media_id": format!(
                    "{}|{}|{}|{}",
                    meta["filename"].as_str().unwrap(),
                    meta["complaint_id"].as_str().unwrap_or("-"),
                    meta["sha256"].as_str().unwrap() == sha256_hex(file.body),
                    file.body.len()
                ),
            }))
        },
    );
    let answer = client
        .call(ComplaintImageUpload {
            file: UploadFile::from_bytes("evidence.jpg", b"\xff\xd8\xffjpeg".to_vec()),
            complaint_id: Some("200201820200101080076610000".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        answer.media_id,
        "evidence.jpg|200201820200101080076610000|true|7"
    );
    let answer = client
        .call(ComplaintImageUpload {
            file: UploadFile::from_bytes("evidence.jpg", b"\xff\xd8\xff".to_vec()),
            complaint_id: None,
        })
        .await
        .unwrap();
    assert_eq!(answer.media_id, "evidence.jpg|-|true|3");
}

/// A transport written before streaming existed: it only implements
/// `send`, and counts what it saw.
#[derive(Debug)]
struct BufferingTransport {
    inner: HyperTransport,
    largest_request: std::sync::atomic::AtomicUsize,
}

impl Transport for BufferingTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> wxpay_core::transport::BoxFuture<
        '_,
        Result<http::Response<Bytes>, wxpay_core::error::TransportError>,
    > {
        self.largest_request
            .fetch_max(request.body().len(), std::sync::atomic::Ordering::Relaxed);
        self.inner.send(request)
    }
}

#[tokio::test]
async fn transports_that_only_buffer_still_upload_and_download() {
    let sandbox = Sandbox::start().await.unwrap();
    let transport = std::sync::Arc::new(BufferingTransport {
        inner: HyperTransport::builder().allow_http(true).build().unwrap(),
        largest_request: Default::default(),
    });
    let client = sandbox
        .client_builder()
        .unwrap()
        .transport(transport.clone())
        .build()
        .unwrap();
    let content = png(300_000);
    let answer = client
        .post_merchant_media_upload(Upload {
            file: UploadFile::from_bytes("big.png", content.clone()),
        })
        .await
        .unwrap();
    assert_eq!(sandbox.media(&answer.media_id).unwrap().size, content.len());
    // The whole form went through `send` in one piece.
    assert!(
        transport
            .largest_request
            .load(std::sync::atomic::Ordering::Relaxed)
            > 300_000
    );

    // A download through `send` too: a day with an order and its bill.
    let mchid = client.mchid().to_owned();
    let no = common::trade_no("buffered");
    client.call(common::order(&mchid, &no)).await.unwrap();
    sandbox.pay_order(&mchid, &no).unwrap();
    let today = wxpay_sandbox::time::china_date(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let file = client
        .get_bill_tradebill(wxpay::v3::bill::Tradebill {
            bill_date: today,
            ..Default::default()
        })
        .await
        .unwrap();
    let bill = client
        .download_bill(&file)
        .await
        .unwrap()
        .bytes(1 << 20)
        .await
        .unwrap();
    assert!(std::str::from_utf8(&bill).unwrap().contains(&no));
}

/// Wraps the hyper transport's streaming path and records the largest
/// piece of request body handed to it.
#[derive(Debug)]
struct ChunkWatchingTransport {
    inner: HyperTransport,
    largest_piece: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pieces: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

struct Watched {
    body: wxpay_core::ByteStream,
    largest_piece: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pieces: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.body).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                self.largest_piece
                    .fetch_max(data.len(), std::sync::atomic::Ordering::Relaxed);
                self.pieces
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        polled
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Transport for ChunkWatchingTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> wxpay_core::transport::BoxFuture<
        '_,
        Result<http::Response<Bytes>, wxpay_core::error::TransportError>,
    > {
        self.inner.send(request)
    }

    fn send_streaming(
        &self,
        request: http::Request<wxpay_core::ByteStream>,
    ) -> wxpay_core::transport::BoxFuture<
        '_,
        Result<http::Response<wxpay_core::ByteStream>, wxpay_core::error::TransportError>,
    > {
        let largest_piece = self.largest_piece.clone();
        let pieces = self.pieces.clone();
        let request = request.map(|body| {
            wxpay_core::ByteStream::new(Watched {
                body,
                largest_piece,
                pieces,
            })
        });
        self.inner.send_streaming(request)
    }
}

#[tokio::test]
async fn a_file_on_disk_reaches_the_transport_in_pieces() {
    let sandbox = Sandbox::start().await.unwrap();
    let transport = std::sync::Arc::new(ChunkWatchingTransport {
        inner: HyperTransport::builder().allow_http(true).build().unwrap(),
        largest_piece: Default::default(),
        pieces: Default::default(),
    });
    let client = sandbox
        .client_builder()
        .unwrap()
        .transport(transport.clone())
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("wxpay-pieces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long.mp4");
    std::fs::write(&path, vec![7u8; 4_000_000]).unwrap();
    let file = UploadFile::from_path(&path).await.unwrap();
    let answer = client
        .post_merchant_media_video_upload(VideoUpload { file })
        .await
        .unwrap();
    assert_eq!(sandbox.media(&answer.media_id).unwrap().size, 4_000_000);
    let largest = transport
        .largest_piece
        .load(std::sync::atomic::Ordering::Relaxed);
    let pieces = transport.pieces.load(std::sync::atomic::Ordering::Relaxed);
    assert!(largest <= 64 * 1024, "a piece of {largest} bytes");
    assert!(pieces >= 4_000_000 / (64 * 1024), "{pieces} pieces");
    std::fs::remove_dir_all(&dir).unwrap();
}
