//! HTTP proxies for [`HyperTransport`](super::HyperTransport): which
//! destinations go through one (hyper-util's [`Matcher`], the curl rules
//! for `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`), and the
//! connector that opens a `CONNECT` tunnel (hyper-util's [`Tunnel`]) for
//! `https://` destinations or a plain connection to the proxy for
//! `http://` ones, whose requests then go in absolute form.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::{BoxError, Error};

/// Which proxy, if any, each destination goes through.
#[derive(Clone)]
pub(crate) struct Proxies(Arc<Matcher>);

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // hyper-util's Debug shows the proxy addresses, never credentials.
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Proxies {
    /// Every destination through `url` (`http://[user:password@]host:port`).
    pub(crate) fn all(url: &str) -> Result<Self, Error> {
        let uri: Uri = url.parse().map_err(|_| {
            Error::build(format!(
                "proxy URL {} is not a valid URL",
                redact_userinfo(url)
            ))
        })?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(Error::build(format!(
                "proxy URL {} must be http://host:port (an HTTP proxy; HTTPS and SOCKS proxies are not supported)",
                redact_userinfo(url)
            )));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(Error::build(format!(
                "proxy URL {} must be scheme, host and port only",
                redact_userinfo(url)
            )));
        }
        Ok(Proxies(Arc::new(Matcher::builder().all(url).build())))
    }

    /// The proxies named by `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
    /// `NO_PROXY` (or their lower-case forms), read now.
    pub(crate) fn from_env() -> Self {
        Proxies(Arc::new(Matcher::from_env()))
    }

    /// The proxy for `dst`, if any.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        self.0.intercept(dst)
    }

    /// Refuses proxies this connector cannot speak to (HTTPS or SOCKS
    /// proxies, from the environment) for the destination `url`.
    pub(crate) fn check_for(&self, url: &str) -> Result<(), Error> {
        let Ok(uri) = url.parse::<Uri>() else {
            return Ok(());
        };
        match self.intercept(&uri) {
            Some(p) if p.uri().scheme_str() != Some("http") => Err(Error::build(format!(
                "the proxy {} for {url} is not an http:// proxy; only HTTP proxies are supported",
                p.uri()
            ))),
            _ => Ok(()),
        }
    }

    /// The `Proxy-Authorization` value for a plain `http://` request to
    /// `dst`, when it goes through a proxy with credentials.
    pub(crate) fn authorization_for_http(&self, dst: &Uri) -> Option<HeaderValue> {
        if dst.scheme_str() != Some("http") {
            return None;
        }
        let mut value = self.intercept(dst)?.basic_auth()?.clone();
        value.set_sensitive(true);
        Some(value)
    }

    /// The proxy any request to `dst` goes through.
    pub(crate) fn proxy_for(&self, dst: &Uri) -> Option<Uri> {
        self.intercept(dst).map(|p| p.uri().clone())
    }

    /// The proxy a plain `http://` request to `dst` goes through.
    pub(crate) fn http_proxy_for(&self, dst: &Uri) -> Option<Uri> {
        if dst.scheme_str() != Some("http") {
            return None;
        }
        self.intercept(dst).map(|p| p.uri().clone())
    }
}

/// The connector under TLS: direct, tunnelled, or to the proxy.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    proxies: Option<Proxies>,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, proxies: Option<Proxies>) -> Self {
        ProxyConnector { http, proxies }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<ProxyStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // HttpConnector is always ready; each call uses its own clone.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let intercept = self.proxies.as_ref().and_then(|p| p.intercept(&dst));
        let mut http = self.http.clone();
        Box::pin(async move {
            let Some(proxy) = intercept else {
                let io = http.call(dst).await?;
                return Ok(ProxyStream { io, proxied: false });
            };
            let at = proxy.uri().clone();
            if dst.scheme_str() == Some("https") {
                let mut tunnel = Tunnel::new(at.clone(), ToProxy(http));
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let io = tunnel
                    .call(dst)
                    .await
                    .map_err(|e| ProxyError::from_tunnel(&at, e))?;
                Ok(ProxyStream { io, proxied: false })
            } else {
                let io = ToProxy(http).call(at).await?;
                Ok(ProxyStream { io, proxied: true })
            }
        })
    }
}

/// Connects to the proxy itself; a failure is a [`ProxyError`] naming it.
#[derive(Clone)]
struct ToProxy(HttpConnector);

impl Service<Uri> for ToProxy {
    type Response = TokioIo<TcpStream>;
    type Error = ProxyError;
    type Future = Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, ProxyError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ProxyError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, proxy: Uri) -> Self::Future {
        let mut http = self.0.clone();
        Box::pin(async move {
            http.call(proxy.clone())
                .await
                .map_err(|e| ProxyError::new(&proxy, ProxyErrorKind::Connect, Some(&e)))
        })
    }
}

/// Whether an answer to a plain `http://` request sent through a proxy is
/// the proxy refusing its credentials: a 407, or a 401 without the
/// `Request-ID` every platform answer carries (tinyproxy, for one, answers
/// 401).
pub(crate) fn refused_credentials<B>(answer: &http::Response<B>) -> bool {
    match answer.status() {
        http::StatusCode::PROXY_AUTHENTICATION_REQUIRED => true,
        http::StatusCode::UNAUTHORIZED => crate::protocol::request_id(answer.headers()).is_none(),
        _ => false,
    }
}

/// A TCP connection, to the destination (perhaps through a tunnel) or to an
/// HTTP proxy that forwards each request (`proxied`).
pub(crate) struct ProxyStream {
    io: TokioIo<TcpStream>,
    proxied: bool,
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl hyper::rt::Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

/// What went wrong with a proxy; found in the
/// [`source`](std::error::Error::source) chain of a
/// [`TransportError`](crate::error::TransportError) of kind
/// [`Connect`](crate::error::TransportErrorKind::Connect) (see
/// [`ProxyError::find`]). It names the proxy by scheme, host and port:
/// never its user name or password.
#[derive(Debug, Clone)]
pub struct ProxyError {
    proxy: String,
    kind: ProxyErrorKind,
    cause: Option<String>,
}

/// Which step with the proxy failed; see [`ProxyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyErrorKind {
    /// The proxy could not be reached (refused, unreachable, timed out).
    Connect,
    /// The proxy asked for credentials (407): none were given, or they
    /// were wrong.
    AuthRequired,
    /// The proxy refused to open the tunnel, or closed the connection
    /// while opening it.
    Refused,
    /// A connection through the proxy broke after the request may have
    /// been sent (the proxy went away, or the far end closed): found under
    /// a [`TransportErrorKind::Io`](crate::error::TransportErrorKind::Io) error.
    ConnectionLost,
}

impl ProxyError {
    pub(crate) fn new(
        proxy: &Uri,
        kind: ProxyErrorKind,
        cause: Option<&(dyn std::error::Error + 'static)>,
    ) -> Self {
        ProxyError {
            proxy: proxy_name(proxy),
            kind,
            cause: cause.map(|e| innermost(e).to_string()),
        }
    }

    /// Classifies an error of hyper-util's tunnel, whose type is not
    /// public: a failure to reach the proxy carries our own error; a 407 is
    /// told by its message; anything else is a refusal.
    fn from_tunnel(proxy: &Uri, e: impl std::error::Error + 'static) -> Self {
        if let Some(found) = ProxyError::find(&e) {
            return found.clone();
        }
        let kind = if e.to_string().ends_with("proxy authorization required") {
            ProxyErrorKind::AuthRequired
        } else {
            ProxyErrorKind::Refused
        };
        let cause: Option<&(dyn std::error::Error + 'static)> = match kind {
            ProxyErrorKind::Refused => Some(&e),
            _ => None,
        };
        ProxyError::new(proxy, kind, cause)
    }

    /// The proxy, as `scheme://host:port`.
    pub fn proxy(&self) -> &str {
        &self.proxy
    }

    /// Which step failed.
    pub fn kind(&self) -> ProxyErrorKind {
        self.kind
    }

    /// The first `ProxyError` in `error`'s source chain (`error` included).
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a ProxyError> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<ProxyError>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ProxyErrorKind::Connect => "could not be reached",
            ProxyErrorKind::AuthRequired => {
                "refused the credentials (407 Proxy Authentication Required)"
            }
            ProxyErrorKind::Refused => "did not open the connection",
            ProxyErrorKind::ConnectionLost => "carried a connection that broke",
        };
        write!(f, "proxy {} {what}", self.proxy)?;
        match &self.cause {
            Some(cause) => write!(f, " ({cause})"),
            None => Ok(()),
        }
    }
}

// The cause is kept as text, so that this error is the innermost one and a
// one-line message names the proxy.
impl std::error::Error for ProxyError {}

/// `scheme://host:port` of a proxy URI (hyper-util keeps no credentials in it).
fn proxy_name(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = uri.host().unwrap_or("");
    match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

fn innermost<'a>(
    mut e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    while let Some(next) = e.source() {
        e = next;
    }
    e
}

/// `url` with any `user:password@` replaced by `***@`, for messages.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact_userinfo("http://user:s3cret@proxy:3128"),
            "http://***@proxy:3128"
        );
        assert_eq!(
            redact_userinfo("user:s3cret@proxy:3128/x"),
            "***@proxy:3128/x"
        );
        assert_eq!(redact_userinfo("http://proxy:3128"), "http://proxy:3128");
        for bad in [
            "socks5://user:s3cret@proxy:1080",
            "https://user:s3cret@proxy:3128",
            "http://user:s3cret@proxy:3128/path",
            "http://user:s3cret@ bad",
        ] {
            let e = Proxies::all(bad).unwrap_err().to_string();
            assert!(!e.contains("s3cret"), "{e}");
        }
        let p = Proxies::all("http://user:s3cret@proxy:3128").unwrap();
        assert!(!format!("{p:?}").contains("s3cret"));
        let intercepted = p.intercept(&Uri::from_static("https://api.mch.weixin.qq.com"));
        let e = ProxyError::new(
            intercepted.unwrap().uri(),
            ProxyErrorKind::AuthRequired,
            None,
        );
        assert_eq!(
            e.to_string(),
            "proxy http://proxy:3128 refused the credentials (407 Proxy Authentication Required)"
        );
    }

    /// A proxy on a loopback socket answering every CONNECT with `status`.
    async fn tunnel_answered_with(status: &'static str) -> ProxyError {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = [0u8; 1024];
            let _ = socket.read(&mut head).await;
            let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
            let _ = socket.write_all(answer.as_bytes()).await;
        });
        let proxies = Proxies::all(&format!("http://u:p@127.0.0.1:{port}")).unwrap();
        let mut connector = ProxyConnector::new(HttpConnector::new(), Some(proxies));
        let Err(e) = connector
            .call(Uri::from_static("https://api.mch.weixin.qq.com/"))
            .await
        else {
            panic!("the tunnel opened");
        };
        e.downcast::<ProxyError>().map(|e| *e).unwrap()
    }

    #[tokio::test]
    async fn tunnel_answers_are_classified() {
        let e = tunnel_answered_with("407 Proxy Authentication Required").await;
        assert_eq!(e.kind(), ProxyErrorKind::AuthRequired, "{e}");
        let e = tunnel_answered_with("403 Forbidden").await;
        assert_eq!(e.kind(), ProxyErrorKind::Refused, "{e}");
        assert!(e.to_string().starts_with("proxy http://127.0.0.1:"), "{e}");
    }

    #[test]
    fn plain_http_requests_carry_the_proxy_credentials() {
        let p = Proxies::all("http://Aladdin:opensesame@proxy:3128").unwrap();
        let auth = p
            .authorization_for_http(&Uri::from_static("http://127.0.0.1:1/v3/x"))
            .unwrap();
        assert_eq!(auth, "Basic QWxhZGRpbjpvcGVuc2VzYW1l");
        assert!(auth.is_sensitive());
        // A tunnel carries them in CONNECT, never in the request itself.
        assert!(
            p.authorization_for_http(&Uri::from_static("https://api.mch.weixin.qq.com/v3/x"))
                .is_none()
        );
    }
}
