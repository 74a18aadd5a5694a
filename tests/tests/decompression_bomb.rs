//! A GZIP bill that inflates a thousandfold is read in bounded memory.
//!
//! A server on loopback answers a download URL with 1 MiB of GZIP that
//! inflates to 1 GiB of zeros, with the right SHA-1, so the reader has
//! every reason to go to the end. The test binary counts allocations
//! (`peak_alloc` as the global allocator) and asserts the client's peak
//! while reading, through the hyper transport (the body arrives in network
//! chunks) and through a transport that hands the whole body over as one
//! chunk. The bound, 8 MiB, is the reader's: one network chunk, one
//! inflate step's output (at most about 330 KiB) and the inflater's state;
//! the 1 GiB file never is in memory, nor a thousand times one chunk.

use std::io::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use peak_alloc::PeakAlloc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wxpay_core::error::{DownloadErrorKind, Error, TransportError};
use wxpay_core::transport::{BoxFuture, HyperTransport, Transport};
use wxpay_core::{Client, ClientBuilder};
use wxpay_sandbox::Sandbox;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const INFLATED: usize = 1 << 30;
const BOUND: usize = 8 << 20;

/// The bomb and the SHA-1 of what it inflates to.
fn bomb() -> (Bytes, String) {
    let zeros = vec![0u8; 1 << 20];
    let mut packed = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut digest = openssl::sha::Sha1::new();
    for _ in 0..INFLATED / zeros.len() {
        packed.write_all(&zeros).unwrap();
        digest.update(&zeros);
    }
    let hex: String = digest.finish().iter().map(|b| format!("{b:02x}")).collect();
    (Bytes::from(packed.finish().unwrap()), hex)
}

/// Answers every request on a loopback port with `body`, over HTTP/1.1.
async fn serve(body: Bytes) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nRequest-ID: BOMB\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    format!("http://{address}")
}

/// Hands the whole body over at once: the default `send_streaming` turns
/// the buffered answer into a single chunk.
#[derive(Debug)]
struct OneChunk(HyperTransport);

impl Transport for OneChunk {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        self.0.send(request)
    }
}

async fn client(base: &str, transport: Option<Arc<dyn Transport>>) -> Client {
    let sandbox = Sandbox::start().await.unwrap();
    let builder: ClientBuilder = sandbox.client_builder().unwrap().base_url(base);
    match transport {
        Some(t) => builder.transport(t),
        None => builder,
    }
    .build()
    .unwrap()
}

/// Reads the bomb to its end; returns the peak allocated meanwhile.
async fn read_through(client: &Client, url: &str, digest: &str) -> usize {
    let base = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let download = client.download_url(url).await.unwrap();
    let checked = download.check_digest("SHA1", digest).unwrap();
    let written = checked.write_to(&mut tokio::io::sink()).await.unwrap();
    assert_eq!(written, INFLATED as u64);
    PEAK.peak_usage().saturating_sub(base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousandfold_gzip_is_read_in_bounded_memory() {
    let (packed, digest) = bomb();
    assert!(packed.len() <= 1_100_000, "{}", packed.len());
    let base = serve(packed.clone()).await;
    let url = format!("{base}/v3/billdownload/file?token=bomb");

    let hyper = client(&base, None).await;
    let peak = read_through(&hyper, &url, &digest).await;
    assert!(peak < BOUND, "hyper transport: peak {peak} bytes");

    let transport = HyperTransport::builder().allow_http(true).build().unwrap();
    let one_chunk = client(&base, Some(Arc::new(OneChunk(transport)))).await;
    let peak = read_through(&one_chunk, &url, &digest).await;
    // The body itself (1 MiB) is held whole by this transport.
    assert!(
        peak < BOUND + packed.len(),
        "one-chunk transport: peak {peak} bytes"
    );

    // A size cap refuses the file part way, before the digest is known.
    let download = hyper.download_url(&url).await.unwrap();
    let capped = download
        .check_digest("SHA1", &digest)
        .unwrap()
        .max_size(64 << 20);
    let e = capped.write_to(&mut tokio::io::sink()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Download(d) if matches!(d.kind, DownloadErrorKind::TooLarge { limit } if limit == 64 << 20)),
        "{e}"
    );
    assert_eq!(e.request_id(), Some("BOMB"));
}
