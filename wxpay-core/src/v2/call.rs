//! [`Client::call_v2`]: one APIv2 operation, from the typed request to the
//! typed answer.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, StatusCode};

use super::fields::{field, from_fields, to_fields};
use super::{SignType, V2Endpoint, V2Key, sign, xml};
use crate::body::ByteStream;
use crate::client::{AttemptAnswer, Client};
use crate::download::{Download, MAX_ERROR_ANSWER};
use crate::error::{
    ApiError, BuildError, Error, TransportError, TransportErrorKind, V2ApiError, V2DecodeError,
    VerifyError, VerifyReason,
};
use crate::protocol::{Nonce, request_id};
use crate::retry::CallOptions;
use crate::transport::Transport;

/// The fields that name the merchant, in requests and answers.
const MERCHANT_FIELDS: [&str; 3] = ["mch_id", "mchid", "combine_mch_id"];

/// A 2xx v2 answer, its body not yet read as fields.
pub(crate) struct V2Answer {
    pub(crate) status: StatusCode,
    /// The `Request-ID` header, when sent: every error made of the answer
    /// carries it.
    pub(crate) request_id: Option<String>,
    pub(crate) body: Bytes,
}

impl AttemptAnswer for V2Answer {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Client {
    /// Sends an APIv2 request and returns its decoded answer.
    ///
    /// The request struct's fields become the `<xml>` body; the client
    /// fills `mch_id` when the struct leaves it empty (and refuses a
    /// `mch_id`, `mchid` or `combine_mch_id` naming another merchant), adds
    /// a fresh `nonce_str` for every attempt, `sign_type` when it is not
    /// MD5, and `sign`. Operations that require the API certificate go
    /// through the mutual TLS transport.
    ///
    /// The answer is refused with [`Error::V2`] when its `return_code` is
    /// not `SUCCESS`; otherwise its `sign` is verified (unless the
    /// operation's answer is documented unsigned) with the answer's
    /// `sign_type`, or the request's; then a `result_code` other than
    /// `SUCCESS` is [`Error::V2`] too, a merchant field naming another
    /// merchant is [`Error::Verify`], and the fields are decoded into the
    /// response type.
    ///
    /// Retries follow [`call_with`](Self::call_with)'s rules (`POST`
    /// operations only when [`CallOptions::idempotent`] says so), for
    /// connection failures, timeouts and 5xx statuses only.
    ///
    /// `GET` operations (the `papay` contract pages) are pages a browser
    /// opens: build their URL with [`v2_signed_url`](Self::v2_signed_url);
    /// calling them here is a build error.
    pub async fn call_v2<E: V2Endpoint>(&self, request: E) -> Result<E::Response, Error> {
        self.call_v2_with(request, CallOptions::new()).await
    }

    /// [`call_v2`](Self::call_v2) with settings for this call only.
    pub async fn call_v2_with<E: V2Endpoint>(
        &self,
        request: E,
        options: CallOptions,
    ) -> Result<E::Response, Error> {
        if E::METHOD != Method::POST {
            return Err(Error::build(format!(
                "{} is opened by the payer's browser: build its URL with Client::v2_signed_url",
                E::PATH
            )));
        }
        let (answer, sign_type) = self.send_v2(request, &options).await?;
        self.read_v2_answer::<E>(answer, self.require_v2_key()?, sign_type)
    }

    /// Checks, signs and sends a v2 request (a `POST`); returns the 2xx
    /// answer unread, and the sign type the request used.
    pub(crate) async fn send_v2<E: V2Endpoint>(
        &self,
        request: E,
        options: &CallOptions,
    ) -> Result<(V2Answer, SignType), Error> {
        let key = self.require_v2_key()?;
        let transport = self.v2_transport::<E>()?;
        let (fields, sign_type) = self.v2_fields::<E>(&request)?;
        drop(request);
        let answer = self
            .execute_v2(E::PATH, transport, &fields, key, sign_type, options)
            .await?;
        Ok((answer, sign_type))
    }

    /// The URL of a `GET` operation (the `papay` contract pages), signed as
    /// [`call_v2`](Self::call_v2) would sign its body: the query holds the
    /// fields, `mch_id` filled in, `nonce_str`, `sign_type` when not MD5,
    /// and `sign`, each percent-encoded. Nothing is sent; hand the URL to
    /// the payer's browser.
    pub fn v2_signed_url<E: V2Endpoint>(&self, request: &E) -> Result<String, Error> {
        let key = self.require_v2_key()?;
        let (mut fields, sign_type) = self.v2_fields::<E>(request)?;
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        fields.push(("nonce_str".to_owned(), nonce.as_str().to_owned()));
        let sign = sign::try_sign(&fields, key, sign_type).map_err(|e| Error::Sign(e.into()))?;
        fields.push(("sign".to_owned(), sign));
        let mut url = format!("{}{}", self.base_url(), E::PATH);
        let mut query = crate::endpoint::QueryWriter::new(&mut url);
        for (name, value) in &fields {
            query.pair(name, value)?;
        }
        Ok(url)
    }

    fn require_v2_key(&self) -> Result<&V2Key, Error> {
        self.v2_key()
            .ok_or_else(|| Error::build("APIv2 calls need the v2 key: call ClientBuilder::v2_key"))
    }

    fn v2_transport<E: V2Endpoint>(&self) -> Result<&dyn Transport, Error> {
        if !E::MUTUAL_TLS {
            return Ok(&*self.inner.transport);
        }
        self.inner.mutual_tls.as_deref().ok_or_else(|| {
            Error::build(format!(
                "{} requires the API certificate (mutual TLS): call \
                 ClientBuilder::api_certificate_pem or api_certificate_p12",
                E::PATH
            ))
        })
    }

    /// The request's fields with the merchant checked or filled in, and
    /// the sign type to use; without `nonce_str` and `sign`.
    fn v2_fields<E: V2Endpoint>(
        &self,
        request: &E,
    ) -> Result<(Vec<(String, String)>, SignType), Error> {
        let mut fields = to_fields(request)
            .map_err(|e| BuildError::with_source("the v2 request does not serialize", e))?;
        fields.retain(|(name, _)| name != "nonce_str" && name != "sign");
        let mchid = self.mchid();
        for (name, value) in &fields {
            if MERCHANT_FIELDS.contains(&name.as_str()) && !value.is_empty() && value != mchid {
                return Err(Error::build(format!(
                    "the request's {name} is not the client's merchant {mchid}"
                )));
            }
        }
        // Empty merchant fields are filled in; an operation naming the
        // merchant `mchid` or `combine_mch_id` has no `mch_id`.
        let other_name = fields
            .iter()
            .any(|(n, _)| n == "mchid" || n == "combine_mch_id");
        for (name, value) in fields.iter_mut() {
            if MERCHANT_FIELDS.contains(&name.as_str()) && value.is_empty() {
                *value = mchid.to_owned();
            }
        }
        if !other_name && !fields.iter().any(|(n, _)| n == "mch_id") {
            fields.push(("mch_id".to_owned(), mchid.to_owned()));
        }
        let given = fields
            .iter()
            .find(|(name, value)| name == "sign_type" && !value.is_empty());
        let sign_type = match given {
            Some((_, value)) => SignType::parse(value)
                .filter(|t| E::SIGN_TYPES.contains(t))
                .ok_or_else(|| {
                    Error::build(format!("{} does not accept sign_type {value:?}", E::PATH))
                })?,
            None => E::SIGN_TYPES.first().copied().unwrap_or_default(),
        };
        if given.is_none() && sign_type != SignType::Md5 {
            fields.retain(|(name, _)| name != "sign_type");
            fields.push(("sign_type".to_owned(), sign_type.as_str().to_owned()));
        }
        Ok((fields, sign_type))
    }

    /// Sends the body under the client's retry loop (fresh `nonce_str` and
    /// `sign` for every attempt) and returns the first 2xx answer.
    async fn execute_v2(
        &self,
        path: &'static str,
        transport: &dyn Transport,
        fields: &[(String, String)],
        key: &V2Key,
        sign_type: SignType,
        options: &CallOptions,
    ) -> Result<V2Answer, Error> {
        self.run_attempts(&Method::POST, path, options, |host, limit| {
            self.attempt_v2(transport, host, path, fields, key, sign_type, limit)
        })
        .await
    }

    /// One signed attempt; a non-2xx status is an [`Error::Api`] (APIv2
    /// answers 200 even to refusals: another status comes from a proxy or
    /// an outage, and 5xx ones are retried).
    #[allow(clippy::too_many_arguments)]
    async fn attempt_v2(
        &self,
        transport: &dyn Transport,
        host: &str,
        path: &str,
        fields: &[(String, String)],
        key: &V2Key,
        sign_type: SignType,
        limit: std::time::Duration,
    ) -> Result<V2Answer, Error> {
        if limit.is_zero() {
            return Err(Error::Timeout(limit));
        }
        let request = self.v2_request(host, path, fields, key, sign_type)?;
        let response = match tokio::time::timeout(limit, transport.send(request)).await {
            Ok(result) => result?,
            Err(_) => return Err(Error::Timeout(limit)),
        };
        let (parts, body) = response.into_parts();
        let request_id = request_id(&parts.headers);
        if !parts.status.is_success() {
            return Err(ApiError::from_answer(parts.status, &body, request_id, false).into());
        }
        Ok(V2Answer {
            status: parts.status,
            request_id,
            body,
        })
    }

    /// The request of one attempt: the fields with a fresh `nonce_str`,
    /// then `sign`, as the `<xml>` body.
    fn v2_request(
        &self,
        host: &str,
        path: &str,
        fields: &[(String, String)],
        key: &V2Key,
        sign_type: SignType,
    ) -> Result<http::Request<Bytes>, Error> {
        let nonce = Nonce::generate().map_err(|e| Error::Sign(e.into()))?;
        let mut signed = Vec::with_capacity(fields.len() + 2);
        signed.extend_from_slice(fields);
        signed.push(("nonce_str".to_owned(), nonce.as_str().to_owned()));
        let sign = sign::try_sign(&signed, key, sign_type).map_err(|e| Error::Sign(e.into()))?;
        signed.push(("sign".to_owned(), sign));
        http::Request::builder()
            .method(Method::POST)
            .uri(format!("{host}{path}"))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/xml"))
            .header(ACCEPT, HeaderValue::from_static("application/xml"))
            .header(USER_AGENT, self.inner.user_agent.clone())
            .body(Bytes::from(xml::write(&signed)))
            .map_err(|e| Error::from(TransportError::new(TransportErrorKind::InvalidRequest, e)))
    }

    /// Sends `request` once and returns its answer as it arrives (a bill),
    /// once its head came within the client's timeout; a status other than
    /// 2xx is an [`Error::Api`] (its body read, up to [`MAX_ERROR_ANSWER`]).
    pub(crate) async fn fetch_v2<E: V2Endpoint>(&self, request: E) -> Result<Download, Error> {
        let key = self.require_v2_key()?;
        let transport = self.v2_transport::<E>()?;
        let (fields, sign_type) = self.v2_fields::<E>(&request)?;
        drop(request);
        let request = self
            .v2_request(self.base_url(), E::PATH, &fields, key, sign_type)?
            .map(ByteStream::from);
        let timeout = self.transport().1;
        let response = match tokio::time::timeout(timeout, transport.send_streaming(request)).await
        {
            Ok(result) => result?,
            Err(_) => return Err(Error::Timeout(timeout)),
        };
        let (parts, body) = response.into_parts();
        if !parts.status.is_success() {
            let body = match tokio::time::timeout(timeout, body.collect(MAX_ERROR_ANSWER)).await {
                Ok(Ok(body)) => body,
                Ok(Err(_)) | Err(_) => Bytes::new(),
            };
            let id = request_id(&parts.headers);
            return Err(ApiError::from_answer(parts.status, &body, id, false).into());
        }
        Ok(Download::new(parts.status, parts.headers, body, timeout))
    }

    /// Reads an answer in the order the platform's rules ask: `return_code`,
    /// `sign`, `result_code`, the merchant, then the fields.
    fn read_v2_answer<E: V2Endpoint>(
        &self,
        answer: V2Answer,
        key: &V2Key,
        request_sign_type: SignType,
    ) -> Result<E::Response, Error> {
        let V2Answer {
            status,
            request_id,
            body,
        } = answer;
        let id = request_id.as_deref();
        let decode = |reason: String| Error::from(V2DecodeError::new(status, id, reason));
        let refused = |e: VerifyError| VerifyError {
            request_id: request_id.clone(),
            ..e
        };
        let fields = xml::parse(&body).map_err(|e| decode(e.to_string()))?;
        let get = |name: &str| field(&fields, name);
        let failure = |verified: bool| V2ApiError::from_fields(status, id, &fields, verified);
        if get("return_code") != Some("SUCCESS") {
            return Err(failure(false).into());
        }
        if E::SIGNED_ANSWER {
            verify_fields(&fields, key, request_sign_type, status).map_err(refused)?;
        }
        if get("result_code").is_some_and(|code| code != "SUCCESS") {
            return Err(failure(E::SIGNED_ANSWER).into());
        }
        check_merchant(&fields, self.mchid(), status).map_err(refused)?;
        from_fields(fields).map_err(|e| decode(e.to_string()))
    }
}

/// Verifies the `sign` of received fields, with their own `sign_type` when
/// they name one, else `default`.
pub(crate) fn verify_fields(
    fields: &[(String, String)],
    key: &V2Key,
    default: SignType,
    status: StatusCode,
) -> Result<(), VerifyError> {
    let get = |name: &str| field(fields, name);
    let sign_type = match get("sign_type").filter(|t| !t.is_empty()) {
        Some(name) => SignType::parse(name).ok_or_else(|| {
            VerifyError::new(
                status,
                VerifyReason::UnsupportedSignatureType(name.chars().take(32).collect()),
            )
        })?,
        None => default,
    };
    let given = get("sign")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| VerifyError::new(status, VerifyReason::MissingSign))?;
    if sign::verify(fields, key, sign_type, given) {
        Ok(())
    } else {
        Err(VerifyError::new(status, VerifyReason::BadSignature))
    }
}

/// Refuses fields naming another merchant than `mchid`.
pub(crate) fn check_merchant(
    fields: &[(String, String)],
    mchid: &str,
    status: StatusCode,
) -> Result<(), VerifyError> {
    for name in MERCHANT_FIELDS {
        if let Some(value) = field(fields, name) {
            if !value.is_empty() && value != mchid {
                return Err(VerifyError::new(
                    status,
                    VerifyReason::ForeignMerchant(name),
                ));
            }
        }
    }
    Ok(())
}
