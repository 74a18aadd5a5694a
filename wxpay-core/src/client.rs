//! The [`Client`]: signs requests, sends them, verifies and decodes the answers.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use tracing::Instrument as _;

use crate::credentials::Credentials;
use crate::crypto::ApiV3Key;
use crate::endpoint::{Endpoint, QueryWriter, RequestBody};
use crate::error::{
    BuildError, DecodeError, Error, TransportError, TransportErrorKind, VerifyError, VerifyReason,
};
use crate::pay_params::{AppPayParams, JsapiPayParams};
use crate::platform::PlatformKeys;
use crate::protocol::Nonce;
use crate::protocol::header::{self, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use crate::protocol::{header_str, request_id, unix_seconds};
use crate::retry::{self, CallOptions, RetryPolicy};
use crate::transport::Transport;
use crate::v2::V2Key;
use crate::verify::KeyStore;

mod builder;
mod refuse;
pub use builder::ClientBuilder;
use refuse::{check_extra_headers, refuse_four_byte_utf8};

/// How often downloaded platform certificates are refreshed by default.
pub const DEFAULT_CERTIFICATE_REFRESH_INTERVAL: Duration = Duration::from_secs(12 * 3600);

/// The default minimum time between two on-demand certificate downloads.
pub const DEFAULT_ON_DEMAND_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";

/// The backup host, used after a failure when
/// [`failover`](ClientBuilder::failover) is on.
pub const DEFAULT_BACKUP_URL: &str = "https://api2.mch.weixin.qq.com";

/// The `User-Agent` product token this crate sends.
pub const USER_AGENT_PRODUCT: &str = concat!("wxpay-rust/", env!("CARGO_PKG_VERSION"));

/// A WeChat Pay APIv3 client for one merchant.
///
/// Cheap to clone (one `Arc`), `Send + Sync`: build it once and share it.
/// Several clients (one per merchant) can share one [`Transport`] and thus
/// one connection pool.
///
/// ```no_run
/// use wxpay_core::prelude::*;
///
/// /// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}`, answering JSON.
/// #[wxpay_core::endpoint(GET, "/v3/pay/transactions/out-trade-no/{out_trade_no}", response = wxpay_core::notify::resource::Transaction)]
/// pub struct OutTradeNo {
///     pub out_trade_no: String,
///     pub mchid: String,
/// }
///
/// # async fn run() -> Result<(), wxpay_core::Error> {
/// let client = Client::builder()
///     .credentials(Credentials::from_pem_file("1900000109", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "apiclient_key.pem")?)
///     .platform_public_key_pem_file("PUB_KEY_ID_0119000001092026112700000000000001", "pub_key.pem")
///     .build()?;
///
/// let order = client
///     .get_pay_transactions_out_trade_no(OutTradeNo {
///         out_trade_no: "1217752501201407033233368018".into(),
///         mchid: client.mchid().into(),
///     })
///     .await?;
/// println!("{} is {}", order.out_trade_no, order.trade_state);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) credentials: Credentials,
    base_url: String,
    /// Where attempts go after a failure of the main host, when failover is on.
    backup_url: Option<String>,
    pub(crate) platform: PlatformKeys,
    pub(crate) apiv3_key: Option<ApiV3Key>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) timeout: Duration,
    retry: RetryPolicy,
    pub(crate) max_skew: Duration,
    pub(crate) user_agent: HeaderValue,
    /// The APIv2 key, when configured.
    pub(crate) v2_key: Option<V2Key>,
    /// The transport presenting the API certificate, for APIv2 operations
    /// that require mutual TLS.
    pub(crate) mutual_tls: Option<Arc<dyn Transport>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("mchid", &self.inner.credentials.mchid())
            .field("base_url", &self.inner.base_url)
            .field("backup_url", &self.inner.backup_url)
            .field("platform_keys", &self.inner.platform.store.serials())
            .field("preferred_serial", &self.inner.platform.preferred_serial())
            .field(
                "downloads_certificates",
                &self.inner.platform.refresher.is_some(),
            )
            .field("v2_key", &self.inner.v2_key.is_some())
            .field("mutual_tls", &self.inner.mutual_tls.is_some())
            .finish_non_exhaustive()
    }
}

/// A verified 2xx answer.
pub(crate) struct Verified {
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Bytes,
}

/// What a successful attempt tells traces and metrics.
pub(crate) trait AttemptAnswer {
    /// The answer's HTTP status.
    fn status(&self) -> StatusCode;
    /// The platform's `Request-ID`, when the answer carries one.
    fn request_id(&self) -> Option<&str>;
}

impl AttemptAnswer for Verified {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// An answer as received, not yet verified.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Bytes,
}

impl Answer {
    fn from_response(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        let request_id = request_id(&parts.headers);
        Answer {
            status: parts.status,
            headers: parts.headers,
            request_id,
            body,
        }
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The merchant's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        self.inner.credentials.mchid()
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The platform keys this client verifies with (shared by its clones;
    /// certificate downloads add to it).
    pub fn key_store(&self) -> &Arc<KeyStore> {
        &self.inner.platform.store
    }

    /// The serial sent in `Wechatpay-Serial` and used to encrypt sensitive
    /// fields, as it stands now: the one set with
    /// [`ClientBuilder::preferred_platform_serial`], else the WeChat Pay
    /// public key, else the valid certificate that expires last. `None`
    /// before the first certificate download of a certificate-only client.
    pub fn preferred_platform_serial(&self) -> Option<String> {
        self.inner.platform.preferred_serial()
    }

    /// The APIv3 key, when configured (certificate downloads and
    /// notification resources are encrypted with it).
    pub fn apiv3_key(&self) -> Option<&ApiV3Key> {
        self.inner.apiv3_key.as_ref()
    }

    /// The APIv2 key, when configured ([`ClientBuilder::v2_key`]): it signs
    /// v2 requests and verifies v2 answers and notifications.
    pub fn v2_key(&self) -> Option<&V2Key> {
        self.inner.v2_key.as_ref()
    }

    /// Sends a typed request and returns its decoded answer.
    ///
    /// Signs the exact path, query and body sent; verifies every 2xx answer
    /// over its raw body before decoding it. Fails with
    /// [`Error::Api`] for error statuses (with the platform's code, message,
    /// detail and `Request-ID`), [`Error::Verify`] when an answer cannot be
    /// proved genuine, [`Error::Decode`] when a verified body does not fit,
    /// and [`Error::Transport`] / [`Error::Timeout`] below HTTP.
    ///
    /// Transient failures of idempotent calls (`GET`, `HEAD`, `DELETE`) are retried
    /// under the client's [`RetryPolicy`]; see [`call_with`](Self::call_with)
    /// to opt a `POST` in or to change the timeout of one call.
    pub async fn call<E: Endpoint>(&self, request: E) -> Result<E::Response, Error> {
        self.call_with(request, CallOptions::new()).await
    }

    /// [`call`](Self::call) with settings for this call only: its attempt
    /// timeout, its retry policy, and whether it is safe to repeat.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use wxpay_core::CallOptions;
    /// # async fn run<E: wxpay_core::Endpoint>(client: wxpay_core::Client, order: E) -> Result<(), wxpay_core::Error> {
    /// // The platform de-duplicates orders by out_trade_no: retrying is safe.
    /// let answer = client
    ///     .call_with(order, CallOptions::new().idempotent(true).timeout(Duration::from_secs(5)))
    ///     .await?;
    /// # let _ = answer; Ok(()) }
    /// ```
    pub async fn call_with<E: Endpoint>(
        &self,
        mut request: E,
        options: CallOptions,
    ) -> Result<E::Response, Error> {
        let waited = self
            .prepare_platform_keys(E::HAS_SENSITIVE, self.wait_limit(&options))
            .await?;
        let encrypted_with = if E::HAS_SENSITIVE {
            let key = self.encryption_key()?;
            request.encrypt_sensitive(&mut |plain: &str| {
                key.key().encrypt_oaep(plain.as_bytes()).map_err(|e| {
                    BuildError::with_source("encrypting a sensitive field failed", e).into()
                })
            })?;
            Some(key)
        } else {
            None
        };
        let mut path = String::with_capacity(E::PATH.len() + 48);
        request.write_path_and_query(&mut path)?;
        let mut extra_headers = HeaderMap::new();
        request.write_headers(&mut extra_headers)?;
        check_extra_headers(&extra_headers)?;
        let body = request.body()?;
        refuse_four_byte_utf8(&body)?;
        drop(request);
        let serial = encrypted_with.as_ref().map(|k| k.serial());
        let exchange = Exchange {
            method: E::METHOD,
            template: E::PATH,
            path_and_query: &path,
            body: &body,
            headers: &extra_headers,
            serial,
            may_refresh: !waited,
        };
        let answer = self.execute(exchange, &options).await?;
        E::decode_response(&answer.body).map_err(|source| {
            Error::from(DecodeError {
                status: answer.status,
                request_id: answer.request_id,
                source,
            })
        })
    }

    /// The untyped escape hatch: sends `method path?query` with an optional
    /// JSON body, signed, and returns the verified JSON answer (`Null` for an
    /// empty body).
    ///
    /// `path` is sent as given: it must start with `/` and already be
    /// percent-encoded where needed. Query pairs are percent-encoded here.
    ///
    /// ```no_run
    /// # async fn run(client: wxpay_core::Client) -> Result<(), wxpay_core::Error> {
    /// let order = client
    ///     .request_json(http::Method::GET, "/v3/pay/transactions/id/4200000000202611270000000001", &[("mchid", "1900000109")], None)
    ///     .await?;
    /// println!("{}", order["trade_state"]);
    /// # Ok(()) }
    /// ```
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            return Err(Error::build(format!(
                "path {path:?} must start with `/` and hold no query, fragment or space; pass query pairs separately"
            )));
        }
        let mut path_and_query = path.to_owned();
        let mut writer = QueryWriter::new(&mut path_and_query);
        for (name, value) in query {
            writer.pair(name, value)?;
        }
        let body = match body {
            Some(value) => RequestBody::json(value)?,
            None => RequestBody::Empty,
        };
        refuse_four_byte_utf8(&body)?;
        let waited = self
            .prepare_platform_keys(false, self.wait_limit(&CallOptions::new()))
            .await?;
        let no_headers = HeaderMap::new();
        let template = untyped_template(path);
        let exchange = Exchange {
            method,
            template: &template,
            path_and_query: &path_and_query,
            body: &body,
            headers: &no_headers,
            serial: None,
            may_refresh: !waited,
        };
        let answer = self.execute(exchange, &CallOptions::new()).await?;
        crate::endpoint::decode_json(&answer.body).map_err(|source| {
            Error::from(DecodeError {
                status: answer.status,
                request_id: answer.request_id,
                source,
            })
        })
    }

    /// The JSAPI / mini-program parameters for `wx.requestPayment` or
    /// `WeixinJSBridge`, signed now with a fresh nonce.
    pub fn jsapi_pay_params(&self, appid: &str, prepay_id: &str) -> Result<JsapiPayParams, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        JsapiPayParams::sign(
            &self.inner.credentials,
            appid,
            prepay_id,
            unix_seconds(SystemTime::now()),
            &nonce,
        )
    }

    /// The APP SDK parameters (`PayReq`), signed now with a fresh nonce.
    pub fn app_pay_params(&self, appid: &str, prepay_id: &str) -> Result<AppPayParams, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        AppPayParams::sign(
            &self.inner.credentials,
            appid,
            prepay_id,
            unix_seconds(SystemTime::now()),
            &nonce,
        )
    }

    /// The APP SDK parameters of an order the client's merchant, as a
    /// service provider, placed for `sub_mchid` (`partnerid` is the
    /// sub-merchant), signed now with a fresh nonce.
    pub fn app_pay_params_for_sub_merchant(
        &self,
        sub_mchid: &str,
        appid: &str,
        prepay_id: &str,
    ) -> Result<AppPayParams, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        AppPayParams::sign_for_sub_merchant(
            &self.inner.credentials,
            sub_mchid,
            appid,
            prepay_id,
            unix_seconds(SystemTime::now()),
            &nonce,
        )
    }

    /// Decrypts a sensitive field of an answer (RSA-OAEP to the merchant key).
    /// Treat the result as the secret it is.
    pub fn decrypt_sensitive(&self, ciphertext_b64: &str) -> Result<String, Error> {
        let plain = self
            .inner
            .credentials
            .private_key()
            .decrypt_oaep(ciphertext_b64)
            .map_err(|e| {
                BuildError::with_source(
                    "the sensitive field could not be decrypted with the merchant key",
                    e,
                )
            })?;
        String::from_utf8(plain)
            .map_err(|_| Error::build("the decrypted sensitive field is not UTF-8"))
    }

    /// Runs one call: attempts under the retry policy, each bounded by the
    /// attempt timeout and the call's deadline, moving to the backup host
    /// after a host failure when failover is on. Traced as a `wxpay.request`
    /// span holding one `wxpay.attempt` event per attempt.
    pub(crate) async fn execute(
        &self,
        exchange: Exchange<'_>,
        options: &CallOptions,
    ) -> Result<Verified, Error> {
        self.run_attempts(
            &exchange.method,
            exchange.template,
            options,
            |host, limit| self.attempt(&exchange, host, limit),
        )
        .await
    }

    /// The retry loop every call runs, whatever its protocol: `attempt`
    /// sends once to the host it is given within the time limit it is
    /// given; this decides whether and where to try again, and traces and
    /// measures the call (`template` names it, never a filled path).
    pub(crate) async fn run_attempts<'a, T, F, Fut>(
        &'a self,
        method: &Method,
        template: &str,
        options: &CallOptions,
        attempt: F,
    ) -> Result<T, Error>
    where
        T: AttemptAnswer,
        F: Fn(&'a str, Duration) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let inner = &*self.inner;
        let policy = options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = options.timeout.unwrap_or(inner.timeout);
        let idempotent = options
            .idempotent
            .unwrap_or_else(|| retry::idempotent_by_default(method));
        let max_attempts = if idempotent { policy.attempts() } else { 1 };
        let started = Instant::now();
        let deadline = retry::instant_after(started, policy.total_deadline());
        let span = tracing::info_span!(
            "wxpay.request",
            method = %method,
            path = template,
            mchid = inner.credentials.mchid(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            error = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let run = async {
            let mut host = inner.base_url.as_str();
            let mut number = 1;
            loop {
                let now = Instant::now();
                let limit = timeout.min(deadline.saturating_duration_since(now));
                let result = attempt(host, limit).await;
                trace_attempt(number, host, now.elapsed(), &result);
                let error = match result {
                    Ok(answer) => return (number, Ok(answer)),
                    Err(error) => error,
                };
                if number >= max_attempts || !retry::is_retryable(&error) {
                    return (number, Err(error));
                }
                let wait = policy.backoff_for(number);
                if retry::instant_after(Instant::now(), wait) >= deadline {
                    return (number, Err(error));
                }
                if retry::fails_over(&error) {
                    if let Some(backup) = &inner.backup_url {
                        host = backup;
                        crate::metrics::failover(template);
                    }
                }
                crate::metrics::retry(template, error_kind(&error));
                tracing::info!(
                    attempt = number,
                    wait_ms = millis(wait),
                    error = error_kind(&error),
                    next_host = host,
                    "wxpay.retry"
                );
                tokio::time::sleep(wait).await;
                number += 1;
            }
        };
        let (attempts, result) = run.instrument(span.clone()).await;
        span.record("attempts", attempts);
        #[cfg(feature = "metrics")]
        crate::metrics::request(
            method,
            template,
            result
                .as_ref()
                .map_or_else(Error::status, |a| Some(a.status())),
            result.as_ref().err().map(error_kind),
            started.elapsed(),
        );
        record_outcome(
            &span,
            started,
            result
                .as_ref()
                .map(|answer| (answer.status(), answer.request_id())),
        );
        result
    }

    /// Signs, sends and verifies one attempt against `base_url`, within
    /// `limit`. An answer naming an unknown serial may start one
    /// certificate download (see [`crate::platform`]) when
    /// `exchange.may_refresh` allows it; the answer is then verified again,
    /// not re-sent. Waiting for that download counts against `limit` too:
    /// when it runs out, the answer is reported unverified
    /// ([`VerifyReason::UnknownSerial`]) and the download goes on for the
    /// calls after this one.
    async fn attempt(
        &self,
        exchange: &Exchange<'_>,
        base_url: &str,
        limit: Duration,
    ) -> Result<Verified, Error> {
        let started = Instant::now();
        let Answer {
            status,
            headers,
            request_id,
            body,
        } = self.exchange(exchange, base_url, limit).await?;
        if status.is_success() {
            let verified = if exchange.may_refresh {
                // Verifying may wait for a certificate download: within what
                // is left of `limit`. Running out is an answer that could not
                // be verified (kept with its status and Request-ID, not
                // retried), not a lost answer.
                let left = limit.saturating_sub(started.elapsed());
                let verify = self.verify_answer(&headers, &body, true);
                tokio::time::timeout(left, verify)
                    .await
                    .unwrap_or_else(|_| {
                        let serial =
                            header_str(&headers, header::WECHATPAY_SERIAL).unwrap_or_default();
                        Err(VerifyReason::UnknownSerial(serial.to_owned()))
                    })
            } else {
                self.verify_answer(&headers, &body, false).await
            };
            match verified {
                Ok(()) => Ok(Verified {
                    status,
                    request_id,
                    body,
                }),
                Err(reason) => Err(VerifyError {
                    status,
                    request_id,
                    reason,
                }
                .into()),
            }
        } else {
            Err(self.error_answer(status, &headers, &body).into())
        }
    }

    /// Signs and sends one attempt and returns the answer unverified. Fresh
    /// nonce and timestamp every time: a retry is a new signed request.
    pub(crate) async fn exchange(
        &self,
        exchange: &Exchange<'_>,
        base_url: &str,
        limit: Duration,
    ) -> Result<Answer, Error> {
        if limit.is_zero() {
            return Err(Error::Timeout(limit));
        }
        let inner = &*self.inner;
        let body = exchange.body;
        let mut builder = self.signed_request(
            exchange.method.clone(),
            base_url,
            exchange.path_and_query,
            body.signed_bytes(),
        )?;
        let preferred;
        let serial = match exchange.serial {
            Some(s) => Some(s),
            None => {
                preferred = inner.platform.preferred_serial();
                preferred.as_deref()
            }
        };
        if let Some(serial) = serial {
            builder = builder.header(header::WECHATPAY_SERIAL, serial);
        }
        for (name, value) in exchange.headers {
            builder = builder.header(name, value);
        }
        let payload = match body {
            RequestBody::Empty => Bytes::new(),
            RequestBody::Json(bytes) => {
                builder =
                    builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Bytes::copy_from_slice(bytes)
            }
            RequestBody::Multipart(multipart) => {
                // Streamed from the file while sending (see upload.rs); the
                // source is opened anew for every attempt.
                let response =
                    crate::upload::send(&*inner.transport, builder, multipart, limit).await?;
                return Ok(Answer::from_response(response));
            }
        };
        let request = builder
            .body(payload)
            .map_err(|e| Error::from(TransportError::new(TransportErrorKind::InvalidRequest, e)))?;

        let response = match tokio::time::timeout(limit, inner.transport.send(request)).await {
            Ok(result) => result?,
            Err(_) => return Err(Error::Timeout(limit)),
        };
        Ok(Answer::from_response(response))
    }

    /// A request to `path_and_query` on `base_url`, signed over
    /// `signed_body` with a fresh nonce and timestamp, with the headers
    /// every request carries (`Authorization`, `Accept`, `User-Agent`); the
    /// body is still to be set.
    pub(crate) fn signed_request(
        &self,
        method: Method,
        base_url: &str,
        path_and_query: &str,
        signed_body: &[u8],
    ) -> Result<http::request::Builder, Error> {
        let inner = &*self.inner;
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        let timestamp = unix_seconds(SystemTime::now());
        let authorization = inner.credentials.authorization(
            method.as_str(),
            path_and_query,
            signed_body,
            timestamp,
            &nonce,
        )?;
        let mut uri = String::with_capacity(base_url.len() + path_and_query.len());
        uri.push_str(base_url);
        uri.push_str(path_and_query);
        Ok(http::Request::builder()
            .method(method)
            .uri(uri)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, inner.user_agent.clone()))
    }

    /// The longest a call may wait before its first attempt: its timeout,
    /// within its deadline.
    fn wait_limit(&self, options: &CallOptions) -> Duration {
        let policy = options.retry.as_ref().unwrap_or(&self.inner.retry);
        options
            .timeout
            .unwrap_or(self.inner.timeout)
            .min(policy.total_deadline())
    }

    /// The transport and the time allowed for one exchange.
    pub(crate) fn transport(&self) -> (&dyn Transport, Duration) {
        (&*self.inner.transport, self.inner.timeout)
    }
}

/// What one call sends, the same for every attempt.
pub(crate) struct Exchange<'a> {
    pub(crate) method: Method,
    /// The path as declared (`/v3/…/{param}`), for traces.
    pub(crate) template: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) body: &'a RequestBody,
    /// The endpoint's own headers ([`Endpoint::write_headers`]), unsigned.
    pub(crate) headers: &'a HeaderMap,
    /// The platform key serial sensitive fields were encrypted with.
    pub(crate) serial: Option<&'a str>,
    /// Whether an answer naming an unknown serial may start a certificate
    /// download (not when the call already waited for one).
    pub(crate) may_refresh: bool,
}

/// What traces name an untyped call's path by: its segments, with every
/// one that may be a value (an order number, an openid: anything but lower
/// case letters, `-` and `_`, or a version such as `v3`) written as `{}`.
fn untyped_template(path: &str) -> String {
    let word = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
    };
    let version = |s: &str| {
        s.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    path.split('/')
        .map(|segment| {
            if word(segment) || version(segment) {
                segment
            } else {
                "{}"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One `wxpay.attempt` event: what a support ticket or a dashboard needs,
/// never a header value or a body.
fn trace_attempt<T: AttemptAnswer>(
    attempt: u32,
    host: &str,
    latency: Duration,
    result: &Result<T, Error>,
) {
    let latency_ms = millis(latency);
    match result {
        Ok(answer) => tracing::debug!(
            attempt,
            host,
            status = answer.status().as_u16(),
            request_id = answer.request_id(),
            latency_ms,
            "wxpay.attempt"
        ),
        Err(e) => tracing::debug!(
            attempt,
            host,
            status = e.status().map(|s| s.as_u16()),
            request_id = e.request_id(),
            code = e.code(),
            latency_ms,
            error = error_kind(e),
            "wxpay.attempt"
        ),
    }
}

/// Records how a traced request ended on its span: latency, and the
/// status and Request-ID of the answer or the error (with its kind).
pub(crate) fn record_outcome(
    span: &tracing::Span,
    started: Instant,
    outcome: Result<(StatusCode, Option<&str>), &Error>,
) {
    span.record("latency_ms", millis(started.elapsed()));
    let (status, request_id) = match outcome {
        Ok((status, request_id)) => (Some(status), request_id),
        Err(e) => {
            span.record("error", error_kind(e));
            (e.status(), e.request_id())
        }
    };
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
    if let Some(id) = request_id {
        span.record("request_id", id);
    }
}

/// A short, stable name for the kind of an error, for traces.
fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::Build(_) => "build",
        Error::Sign(_) => "sign",
        Error::Transport(t) => match t.kind() {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Io => "io",
            TransportErrorKind::BodyTooLarge => "body_too_large",
            _ => "invalid_request",
        },
        Error::Timeout(_) => "timeout",
        Error::Api(_) => "api",
        Error::Verify(_) => "verify",
        Error::Decode(_) => "decode",
        Error::Download(_) => "download",
        Error::V2(_) => "v2",
        Error::V2Decode(_) => "v2_decode",
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Certificate;
    use crate::test_vectors as tv;

    fn builder() -> ClientBuilder {
        Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .platform_public_key(tv::PUBLIC_KEY_ID, tv::wechatpay_public_key())
    }

    #[test]
    fn builder_requires_credentials_and_a_key() {
        let e = Client::builder().build().unwrap_err();
        assert!(e.to_string().contains("credentials"));
        let e = Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("no platform key"));
        let e = builder()
            .platform_public_key_pem("X", b"junk")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("public key could not be read"));
        let e = builder()
            .preferred_platform_serial("NOPE")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("NOPE"));
    }

    #[test]
    fn preferred_serial_defaults_to_the_public_key() {
        let cert = Certificate::from_pem(tv::file("platform_cert.pem").as_bytes()).unwrap();
        let client = builder().platform_certificate(&cert).build().unwrap();
        assert_eq!(
            client.preferred_platform_serial().as_deref(),
            Some(tv::PUBLIC_KEY_ID)
        );
        let client = builder()
            .platform_certificate(&cert)
            .preferred_platform_serial(tv::PLATFORM_SERIAL)
            .build()
            .unwrap();
        assert_eq!(
            client.preferred_platform_serial().as_deref(),
            Some(tv::PLATFORM_SERIAL)
        );
        let only_cert = Client::builder()
            .credentials(
                Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap(),
            )
            .platform_certificate(&cert)
            .build()
            .unwrap();
        assert_eq!(
            only_cert.preferred_platform_serial().as_deref(),
            Some(tv::PLATFORM_SERIAL)
        );
    }

    #[test]
    fn decrypt_sensitive_reproduces_the_oaep_vector() {
        let v = tv::case("oaep_decrypt_with_merchant_key");
        let client = builder().build().unwrap();
        assert_eq!(
            client
                .decrypt_sensitive(v["ciphertext"].as_str().unwrap())
                .unwrap(),
            v["plaintext"].as_str().unwrap()
        );
        // Encrypted to another key: refused, and the error shows no data.
        let other = tv::wechatpay_public_key().encrypt_oaep(b"secret").unwrap();
        let e = client.decrypt_sensitive(&other).unwrap_err();
        assert!(matches!(e, Error::Build(_)), "{e:?}");
        assert!(!format!("{e:?}{e}").contains("secret"));
    }

    #[test]
    fn download_mode_needs_the_apiv3_key_and_lifts_the_key_requirement() {
        let credentials =
            || Credentials::new(tv::MCHID, tv::MERCHANT_SERIAL, tv::merchant_key()).unwrap();
        let e = Client::builder()
            .credentials(credentials())
            .download_platform_certificates(true)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("APIv3 key"), "{e}");
        let e = Client::builder()
            .credentials(credentials())
            .apiv3_key("too short")
            .download_platform_certificates(true)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("APIv3 key"), "{e}");
        let e = Client::builder()
            .credentials(credentials())
            .apiv3_key(tv::APIV3_KEY)
            .download_platform_certificates(true)
            .certificate_refresh_interval(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("interval"), "{e}");

        // Certificate mode: no key yet, nothing preferred until a download.
        let client = Client::builder()
            .credentials(credentials())
            .apiv3_key(tv::APIV3_KEY)
            .download_platform_certificates(true)
            .build()
            .unwrap();
        assert!(client.key_store().is_empty());
        assert_eq!(client.preferred_platform_serial(), None);
        assert!(client.apiv3_key().is_some());
        // A preferred serial may name a certificate still to download.
        let client = Client::builder()
            .credentials(credentials())
            .apiv3_key(tv::APIV3_KEY)
            .download_platform_certificates(true)
            .preferred_platform_serial(tv::PLATFORM_SERIAL)
            .build()
            .unwrap();
        assert_eq!(
            client.preferred_platform_serial().as_deref(),
            Some(tv::PLATFORM_SERIAL)
        );
        // Migration: the public key is preferred by default.
        let client = builder()
            .apiv3_key(tv::APIV3_KEY)
            .download_platform_certificates(true)
            .build()
            .unwrap();
        assert_eq!(
            client.preferred_platform_serial().as_deref(),
            Some(tv::PUBLIC_KEY_ID)
        );
        let text = format!("{client:?}");
        assert!(!text.contains(tv::APIV3_KEY), "{text}");
    }

    #[tokio::test]
    async fn refresh_needs_download_mode() {
        let client = builder().build().unwrap();
        let e = client.refresh_platform_certificates().await.unwrap_err();
        assert!(
            e.to_string().contains("download_platform_certificates"),
            "{e}"
        );
        assert_eq!(client.platform_keys_status().downloads, 0);
        assert_eq!(
            client.platform_keys_status().serials,
            vec![tv::PUBLIC_KEY_ID.to_owned()]
        );
    }

    #[test]
    fn client_is_send_sync_clone_and_debug_hides_keys() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
        let client = builder().build().unwrap();
        let text = format!("{client:?}");
        assert!(text.contains(tv::MCHID) && !text.contains("PRIVATE"));
    }

    #[test]
    fn untyped_paths_are_traced_without_their_values() {
        assert_eq!(
            untyped_template("/v3/pay/transactions/out-trade-no/1217752501201407033233368018"),
            "/v3/pay/transactions/out-trade-no/{}"
        );
        assert_eq!(
            untyped_template("/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons"),
            "/v3/marketing/favor/users/{}/coupons"
        );
    }
}
