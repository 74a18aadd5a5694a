//! The client's transport, wrapped: it remembers the status and
//! `Request-ID` of the last answer (printed on stderr, since the untyped
//! call returns the body only) and its body's bytes (for `--raw`), and adds the extra headers of
//! `wxpay request -H` (headers are outside the signature).

use std::sync::{Arc, Mutex};

use wxpay::body::ByteStream;
use wxpay::error::TransportError;
use wxpay::http::{self, HeaderMap, StatusCode};
use wxpay::transport::BoxFuture;
use wxpay::{HyperTransport, Transport};

use crate::config::Settings;
use crate::exit::{CliError, chain};

/// What the last answer said about itself.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Its status.
    pub status: Option<StatusCode>,
    /// Its `Request-ID`.
    pub request_id: Option<String>,
    /// Its body as received (a JSON exchange's; not a download's).
    pub body: Option<bytes_type::Bytes>,
}

/// A [`HyperTransport`] that records answers and adds headers.
#[derive(Debug)]
pub struct Recorder {
    inner: HyperTransport,
    extra: Mutex<HeaderMap>,
    last: Mutex<Seen>,
}

impl Recorder {
    /// The transport for these settings (plain HTTP for an `http://`
    /// base URL, the extra root certificate trusted).
    pub fn new(settings: &Settings) -> Result<Arc<Recorder>, CliError> {
        let http = settings
            .base_url
            .as_ref()
            .is_some_and(|u| u.value.starts_with("http://"));
        let mut builder = HyperTransport::builder().allow_http(http);
        if let Some(pem) = settings.ca_pem()? {
            builder = builder
                .add_root_certificate_pem(&pem)
                .map_err(|e| CliError::config(chain(&e)))?;
        }
        let inner = builder.build().map_err(|e| CliError::config(chain(&e)))?;
        Ok(Arc::new(Recorder {
            inner,
            extra: Mutex::new(HeaderMap::new()),
            last: Mutex::new(Seen::default()),
        }))
    }

    /// Headers to add to every request from now on.
    pub fn set_extra_headers(&self, headers: HeaderMap) {
        *self.extra.lock().unwrap_or_else(|p| p.into_inner()) = headers;
    }

    /// The last answer's status and `Request-ID`.
    pub fn last(&self) -> Seen {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn add_headers(&self, headers: &mut HeaderMap) {
        let extra = self.extra.lock().unwrap_or_else(|p| p.into_inner());
        for (name, value) in extra.iter() {
            headers.append(name.clone(), value.clone());
        }
    }

    fn record(&self, status: StatusCode, headers: &HeaderMap, body: Option<&bytes_type::Bytes>) {
        let request_id = headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Seen {
            status: Some(status),
            request_id,
            body: body.cloned(),
        };
    }
}

impl Transport for Recorder {
    fn send(
        &self,
        mut request: http::Request<bytes_type::Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<bytes_type::Bytes>, TransportError>> {
        self.add_headers(request.headers_mut());
        Box::pin(async move {
            let answer = self.inner.send(request).await?;
            self.record(answer.status(), answer.headers(), Some(answer.body()));
            Ok(answer)
        })
    }

    fn send_streaming(
        &self,
        mut request: http::Request<ByteStream>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        self.add_headers(request.headers_mut());
        Box::pin(async move {
            let answer = self.inner.send_streaming(request).await?;
            self.record(answer.status(), answer.headers(), None);
            Ok(answer)
        })
    }
}

/// `Bytes` as the transport trait names it.
mod bytes_type {
    pub use axum::body::Bytes;
}
