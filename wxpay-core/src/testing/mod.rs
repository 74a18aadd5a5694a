//! Testing code built on the client, in process: no sockets, no sandbox.
//!
//! A [`StubPlatform`] is a [`Transport`] that answers every request from a
//! closure and plays WeChat Pay's part in the exchange: it signs each
//! [`Answer`] with a platform key of its own, and
//! [`client`](StubPlatform::client) builds a [`Client`] that trusts that
//! key and signs with the stub's merchant credentials. The client is the
//! real one, verification included: a typed call decodes the closure's
//! answer, an error answer becomes the [`Error::Api`] the platform's
//! would, and [`Answer::tampered`] or [`Answer::unsigned`] shows the
//! [`Error::Verify`] a forged answer gets. Every request is kept as a
//! [`RecordedRequest`] (method, path, query, JSON body, whether the
//! merchant's signature verifies). The other way round,
//! [`notification`](StubPlatform::notification) makes the signed,
//! encrypted request the platform would POST to a `notify_url`, which the
//! stub's client opens: a notification handler is tested the same way.
//!
//! The keys (two RSA-2048 keys, for the merchant and the platform) are
//! generated on first use and shared by every stub of the process. They
//! sign nothing a real client trusts: a client verifies with the keys it
//! is given. The module needs no feature and no dependency beyond the
//! crate's own.
//!
//! For tests over real HTTP, against a gateway that keeps orders and sends
//! notifications, use the `wxpay-sandbox` crate.
//!
//! # Example
//!
//! A service's function that places an order and tells an order already
//! paid from other failures, tested for both:
//!
//! ```
//! use wxpay_core::prelude::*;
//! use wxpay_core::serde_json::json;
//! use wxpay_core::testing::{Answer, StubPlatform};
//! # // The catalogue's `wxpay::v3::pay::transactions::Jsapi`, abridged:
//! # // wxpay-core has no catalogue.
//! # use wxpay_core::serde::{Deserialize, Serialize};
//! # #[wxpay_core::endpoint(POST, "/v3/pay/transactions/jsapi", response = Prepay)]
//! # pub struct Jsapi { pub appid: String, pub mchid: String, pub description: String,
//! #     pub out_trade_no: String, pub notify_url: String, pub amount: Amount, pub payer: Payer }
//! # #[derive(Serialize)] #[serde(crate = "wxpay_core::serde")]
//! # pub struct Amount { pub total: i64 }
//! # #[derive(Serialize)] #[serde(crate = "wxpay_core::serde")]
//! # pub struct Payer { pub openid: String }
//! # #[derive(Deserialize)] #[serde(crate = "wxpay_core::serde")]
//! # pub struct Prepay { pub prepay_id: String }
//!
//! #[derive(Debug)]
//! enum MyError {
//!     AlreadyPaid,
//!     Payment(wxpay_core::Error),
//! }
//!
//! async fn place(client: &Client, out_trade_no: &str, openid: &str) -> Result<String, MyError> {
//!     let order = Jsapi {
//!         appid: "wxd678efh567hg6787".into(),
//!         mchid: client.mchid().into(),
//!         description: "Image形象店-深圳腾大-QQ公仔".into(),
//!         out_trade_no: out_trade_no.into(),
//!         notify_url: "https://www.example.com/wxpay/notify".into(),
//!         amount: Amount { total: 100 },
//!         payer: Payer { openid: openid.into() },
//!     };
//!     match client.post_pay_transactions_jsapi(order).await {
//!         Ok(prepay) => Ok(prepay.prepay_id),
//!         Err(e) if e.code() == Some("ORDER_PAID") => Err(MyError::AlreadyPaid),
//!         Err(e) => Err(MyError::Payment(e)),
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wxpay_core::Error> {
//! // Success: the stub answers as the platform would, signed.
//! let platform = StubPlatform::new(|request| {
//!     assert_eq!(request.uri().path(), "/v3/pay/transactions/jsapi");
//!     Answer::ok(json!({ "prepay_id": "wx26112221580621e9b071c00d9e093b0000" }))
//! })?;
//! let client = platform.client()?;
//! let prepay_id = place(&client, "1217752501201407033233368018", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").await;
//! assert_eq!(prepay_id.ok().as_deref(), Some("wx26112221580621e9b071c00d9e093b0000"));
//!
//! // What the function sent.
//! let sent = platform.last_request().expect("one request");
//! assert!(sent.signed_by_merchant);
//! assert_eq!(sent.body["out_trade_no"], "1217752501201407033233368018");
//! assert_eq!(sent.body["mchid"], client.mchid());
//!
//! // The platform's error answer becomes `Error::Api`, which the function maps.
//! let platform = StubPlatform::new(|_| Answer::error(400, "ORDER_PAID", "the order is paid"))?;
//! let client = platform.client()?;
//! let outcome = place(&client, "1217752501201407033233368018", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").await;
//! assert!(matches!(outcome, Err(MyError::AlreadyPaid)), "{outcome:?}");
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;

use crate::client::{Client, ClientBuilder};
use crate::credentials::Credentials;
use crate::crypto::{PrivateKey, PublicKey};
use crate::error::{BuildError, Error, TransportError};
use crate::transport::{BoxFuture, Transport};

mod answer;
mod notification;
mod recorded;

pub use answer::Answer;
pub use notification::APIV3_KEY;
pub use recorded::RecordedRequest;

/// The merchant id of the stub's credentials.
pub const MCHID: &str = "1900000109";

/// The merchant API certificate serial of the stub's credentials.
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

/// The id of the stub's platform key (a WeChat Pay public key id): the
/// `Wechatpay-Serial` of its answers.
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000001092026112700000000000001";

/// A request as a stub's handler receives it: signed, with the body's
/// exact bytes. A handler can be a function, `fn(&Request) -> Answer`.
pub type Request = http::Request<Bytes>;

/// The handler a stub answers with.
type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// A [`Transport`] that answers from a closure, signing each answer as
/// WeChat Pay would; see the [module documentation](self).
///
/// Cheap to clone: clones share the handler and the recorded requests, so
/// a test keeps one while the client holds another. The closure may keep
/// state of its own (a counter, a `Mutex`) to answer a sequence.
#[derive(Clone)]
pub struct StubPlatform {
    inner: Arc<Inner>,
}

struct Inner {
    handler: Box<Handler>,
    keys: &'static TestKeys,
    requests: Mutex<Vec<RecordedRequest>>,
    next_request_id: AtomicU64,
}

/// The merchant's and the platform's keys, generated once per process.
struct TestKeys {
    merchant: Credentials,
    merchant_public: PublicKey,
    platform: PrivateKey,
    platform_public: PublicKey,
}

/// The keys, or why they could not be generated (an OpenSSL failure,
/// kept: trying again would not help).
static KEYS: OnceLock<Result<TestKeys, String>> = OnceLock::new();

impl TestKeys {
    /// The process's keys, generated by the first caller while the others wait.
    fn get() -> Result<&'static TestKeys, Error> {
        KEYS.get_or_init(Self::generate)
            .as_ref()
            .map_err(|why| Error::build(format!("generating the test keys failed: {why}")))
    }

    fn generate() -> Result<TestKeys, String> {
        let merchant_key = PrivateKey::generate().map_err(|e| e.to_string())?;
        let merchant_public = merchant_key.public_key().map_err(|e| e.to_string())?;
        let platform = PrivateKey::generate().map_err(|e| e.to_string())?;
        let platform_public = platform.public_key().map_err(|e| e.to_string())?;
        Ok(TestKeys {
            merchant: Credentials::new(MCHID, MERCHANT_SERIAL, merchant_key)
                .map_err(|e| e.to_string())?,
            merchant_public,
            platform,
            platform_public,
        })
    }
}

impl StubPlatform {
    /// A stub answering every request with what `handler` returns for it.
    ///
    /// Fails only if the test keys cannot be generated (an OpenSSL failure).
    pub fn new(
        handler: impl Fn(&Request) -> Answer + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        Ok(StubPlatform {
            inner: Arc::new(Inner {
                handler: Box::new(handler),
                keys: TestKeys::get()?,
                requests: Mutex::new(Vec::new()),
                next_request_id: AtomicU64::new(1),
            }),
        })
    }

    /// A client sending through this stub, with the stub's merchant
    /// credentials ([`MCHID`], [`MERCHANT_SERIAL`]) and its platform key
    /// ([`PUBLIC_KEY_ID`]), the other settings left at their defaults.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder().build()
    }

    /// The builder [`client`](Self::client) uses, to change a setting
    /// first: a [`RetryPolicy`](crate::RetryPolicy) (the default retries a
    /// `GET` that met a 5xx, after 100 ms or more), a timeout, an APIv3 key.
    /// Replacing the credentials or the platform keys makes
    /// [`RecordedRequest::signed_by_merchant`] false or every answer
    /// unverifiable.
    pub fn client_builder(&self) -> ClientBuilder {
        let keys = self.inner.keys;
        Client::builder()
            .credentials(keys.merchant.clone())
            .platform_public_key(PUBLIC_KEY_ID, keys.platform_public.clone())
            .apiv3_key(APIV3_KEY)
            .transport(Arc::new(self.clone()))
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The last request received.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
    }

    /// The merchant credentials the stub's clients sign with.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.keys.merchant
    }

    /// The public key of the stub's platform key, which its answers verify with.
    pub fn platform_public_key(&self) -> &PublicKey {
        &self.inner.keys.platform_public
    }

    /// Decrypts a field the client encrypted with the stub's platform key
    /// (a `#[sensitive]` field of a recorded body or query), as the
    /// platform would.
    pub fn decrypt_sensitive(&self, ciphertext_b64: &str) -> Result<String, Error> {
        let plain = self
            .inner
            .keys
            .platform
            .decrypt_oaep(ciphertext_b64)
            .map_err(|e| {
                BuildError::with_source(
                    "the field does not decrypt with the stub's platform key",
                    e,
                )
            })?;
        String::from_utf8(plain)
            .map_err(|e| BuildError::with_source("the decrypted field is not UTF-8", e).into())
    }

    /// Records `request`, asks the handler and signs its answer.
    fn answer(
        &self,
        request: &http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let inner = &*self.inner;
        let keys = inner.keys;
        let mut recorded = RecordedRequest::new(request, &keys.merchant, &keys.merchant_public);
        let number = inner.next_request_id.fetch_add(1, Ordering::Relaxed);
        let response = (inner.handler)(request).into_response(
            &format!("stub-{number:06}"),
            &keys.platform,
            PUBLIC_KEY_ID,
        );
        if let Ok(response) = &response {
            recorded.request_id =
                crate::protocol::request_id(response.headers()).unwrap_or_default();
        }
        inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(recorded);
        response
    }
}

impl Transport for StubPlatform {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let answer = self.answer(&request);
        Box::pin(std::future::ready(answer))
    }
}

impl fmt::Debug for StubPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let recorded = self
            .inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        f.debug_struct("StubPlatform")
            .field("mchid", &MCHID)
            .field("platform_key", &PUBLIC_KEY_ID)
            .field("requests", &recorded)
            .finish_non_exhaustive()
    }
}
