//! [`Sandbox`]: a running sandbox and what tests do with it from Rust.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;
use wxpay_core::crypto::{Certificate, PrivateKey};
use wxpay_core::pay_params::{AppPayParams, JsapiPayParams};
use wxpay_core::{Client, ClientBuilder, Credentials};

use crate::api::combine::moves as combine;
use crate::lock::Recover;
use crate::router::{self, Route};
use crate::server::Shared;
use crate::state::CombinedOrder;
use crate::{
    AbnormalRefundApplication, Contract, ContractKey, FaultRule, Media, Merchant, Order, Refund,
    RefundStatus, Reply, SandboxBuilder, SandboxError, SandboxInfo, SandboxRequest, SeenRequest,
    SigningKey, TransferBatch, control, info_of, payer, platform,
};

/// A running sandbox. Dropping it stops the server and every notification
/// delivery.
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
    pub(crate) addr: SocketAddr,
    pub(crate) tls_certificate: Option<Certificate>,
    pub(crate) shutdown: watch::Sender<()>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(());
        self.shared.notifier.stop();
    }
}

impl Sandbox {
    /// Starts a sandbox with the defaults: `127.0.0.1`, a free port, merchant
    /// `1900000109` and a WeChat Pay public key, all with generated keys.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        SandboxBuilder::default().start().await
    }

    /// Configures a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`, or `https://…` in TLS mode.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls_certificate.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// In TLS mode, the server's self-signed certificate (PEM): what a
    /// client must trust as a root.
    pub fn tls_certificate_pem(&self) -> Option<Vec<u8>> {
        self.tls_certificate.as_ref().and_then(|c| c.to_pem().ok())
    }

    /// What a client needs to know.
    pub fn info(&self) -> SandboxInfo {
        info_of(&self.shared)
    }

    /// The merchant served.
    pub fn merchant(&self) -> Result<Merchant, SandboxError> {
        let merchants = self.shared.merchants.read().recover();
        merchants
            .values()
            .next()
            .cloned()
            .ok_or_else(|| SandboxError::Config("no merchant".into()))
    }

    /// A client builder with the merchant's side only: base URL, `http`
    /// allowed (or, in TLS mode, HTTPS only with the sandbox's certificate
    /// trusted), credentials (when the sandbox knows the merchant's private
    /// key) and the APIv3 key. Choose the platform-key mode on it, e.g.
    /// `.download_platform_certificates(true)` for certificate mode.
    pub fn merchant_client_builder(&self) -> Result<ClientBuilder, SandboxError> {
        let merchant = self.merchant()?;
        let key = merchant.private_key.clone().ok_or_else(|| {
            SandboxError::Config("the sandbox does not know this merchant's private key".into())
        })?;
        let apiv3_key = merchant.apiv3_key.clone();
        let credentials = Credentials::new(merchant.mchid, merchant.serial, key)
            .map_err(|e| SandboxError::Config(e.to_string()))?;
        let builder = Client::builder()
            .base_url(self.base_url())
            .credentials(credentials)
            .apiv3_key(&apiv3_key);
        Ok(match self.tls_certificate_pem() {
            Some(pem) => builder.add_root_certificate_pem(&pem),
            None => builder.allow_http(true),
        })
    }

    /// A client builder set up for this sandbox: what
    /// [`merchant_client_builder`](Self::merchant_client_builder) sets, plus
    /// every platform key given statically (no certificate download), the
    /// default one preferred.
    pub fn client_builder(&self) -> Result<ClientBuilder, SandboxError> {
        let platform = self.shared.platform();
        let mut builder = self.merchant_client_builder()?;
        for key in &platform.keys {
            builder = match &key.certificate {
                Some(cert) => builder.platform_certificate(cert),
                None => {
                    builder.platform_public_key(key.serial.clone(), key.private_key.public_key()?)
                }
            };
        }
        Ok(builder.preferred_platform_serial(platform.default_serial))
    }

    /// A ready client for the sandbox's merchant.
    pub fn client(&self) -> Result<Client, SandboxError> {
        self.client_builder()?
            .build()
            .map_err(|e| SandboxError::Config(e.to_string()))
    }

    /// Adds (or replaces) a route, for endpoints the sandbox does not
    /// implement: requests are still authenticated and answers still signed.
    ///
    /// ```no_run
    /// # async fn run(sandbox: wxpay_sandbox::Sandbox) {
    /// use wxpay_sandbox::Reply;
    /// sandbox.route(http::Method::GET, "/v3/custom/{id}", |req| async move {
    ///     Reply::ok(&serde_json::json!({ "id": req.param("id") }))
    /// });
    /// # }
    /// ```
    pub fn route<F, Fut>(&self, method: http::Method, template: &str, handler: F)
    where
        F: Fn(SandboxRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: router::Handler = Arc::new(move |_, req| Box::pin(handler(req)));
        self.shared
            .router
            .write()
            .recover()
            .add(Route::new(method, template, handler));
    }

    /// Adds a fault rule.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.lock().recover().push(rule);
    }

    /// How many times faults of this [`kind`](crate::Fault::kind) were applied
    /// (e.g. `"tamper_body"`), over the sandbox's life.
    pub fn faults_applied(&self, kind: &str) -> u64 {
        self.shared
            .faults_applied
            .lock()
            .recover()
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    /// The last authenticated requests (up to 1024), oldest first: their
    /// nonces and timestamps show whether each attempt was signed anew.
    pub fn recent_requests(&self) -> Vec<SeenRequest> {
        self.shared.seen.lock().recover().iter().cloned().collect()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().recover().clear();
    }

    /// Shifts the platform's clock by `seconds`: the timestamps answers and
    /// notifications are signed with, and the clock request timestamps are
    /// checked against (a client whose clock is off by more than five
    /// minutes is refused with `401 SIGN_ERROR`, as by the platform).
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// How many authenticated requests reached the route `METHOD template`
    /// (e.g. `"GET /v3/certificates"`).
    pub fn hits(&self, route: &str) -> u64 {
        self.shared
            .hits
            .lock()
            .recover()
            .get(route)
            .copied()
            .unwrap_or(0)
    }

    /// The platform keys, each with its private half (to decrypt what a
    /// client encrypted, in tests).
    pub fn platform_keys(&self) -> Vec<SigningKey> {
        self.shared.platform().keys
    }

    /// The serial answers are signed with unless a request names another
    /// key that still signs.
    pub fn default_serial(&self) -> String {
        self.shared.platform().default_serial
    }

    /// Rotation, step one: a new platform certificate, listed by
    /// `GET /v3/certificates` but not yet signing by default. Returns its serial.
    pub fn announce_certificate(&self) -> Result<String, SandboxError> {
        platform::announce_certificate(&self.shared)
    }

    /// Rotation, step two: the certificate signs by default; the one it
    /// replaces is retired (still listed and accepted for encrypted fields,
    /// no longer signing).
    pub fn activate_certificate(&self, serial: &str) -> Result<(), SandboxError> {
        platform::activate_certificate(&self.shared, serial)
    }

    /// Announces and activates a new certificate at once; returns its serial.
    pub fn rotate_certificate(&self) -> Result<String, SandboxError> {
        let serial = self.announce_certificate()?;
        self.activate_certificate(&serial)?;
        Ok(serial)
    }

    /// Rotation, last step: a certificate is gone (as when it expires).
    pub fn remove_certificate(&self, serial: &str) -> Result<(), SandboxError> {
        platform::remove_certificate(&self.shared, serial)
    }

    /// Migration, step one: the merchant applied for the WeChat Pay public
    /// key `id` (whose private half is `private_key`). The platform signs
    /// answers to requests naming it with it and decrypts fields encrypted
    /// to it; certificates still sign by default (mixed mode).
    pub fn add_public_key(&self, id: &str, private_key: PrivateKey) -> Result<(), SandboxError> {
        platform::add_public_key(&self.shared, id, private_key)
    }

    /// Migration, step two: the public key `id` (added now if it was not)
    /// signs by default; certificates still sign answers to requests that
    /// name them (mixed mode).
    pub fn switch_to_public_key(
        &self,
        id: &str,
        private_key: PrivateKey,
    ) -> Result<(), SandboxError> {
        platform::switch_to_public_key(&self.shared, id, private_key)
    }

    /// Migration, last step: every certificate is removed; `GET
    /// /v3/certificates` answers `404 RESOURCE_NOT_EXISTS`. Returns how many
    /// were removed.
    pub fn remove_certificates(&self) -> Result<usize, SandboxError> {
        platform::remove_certificates(&self.shared)
    }

    /// An abnormal-refund application, by merchant and `refund_id`.
    pub fn abnormal_refund(
        &self,
        mchid: &str,
        refund_id: &str,
    ) -> Option<AbnormalRefundApplication> {
        self.shared
            .state()
            .abnormal_refunds
            .get(&(mchid.to_owned(), refund_id.to_owned()))
            .cloned()
    }

    /// A transfer batch, by merchant and `out_batch_no`.
    pub fn transfer_batch(&self, mchid: &str, out_batch_no: &str) -> Option<TransferBatch> {
        self.shared
            .state()
            .transfer_batches
            .get(&(mchid.to_owned(), out_batch_no.to_owned()))
            .cloned()
    }

    /// An order, by the merchant it belongs to (the sub-merchant for a
    /// partner order) and `out_trade_no`; `CLOSED` once past its
    /// `time_expire` unpaid.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<Order> {
        let now = self.shared.unix_now();
        let mut state = self.shared.state();
        state.current_order(mchid, out_trade_no, now).ok().cloned()
    }

    /// The user pays an unpaid order, as in WeChat: it becomes `SUCCESS`
    /// with a `transaction_id`, a `success_time` and the payer's amount,
    /// and a pending contract it was placed under (by pre-sign token) is
    /// signed. Both are notified (`TRANSACTION.SUCCESS`, `PAPAY.SIGN`; see
    /// [`notify`](crate::notify)); a code payment, which has no
    /// `notify_url`, is not. An order placed without a payer (Native, H5,
    /// APP, code payments) is paid by the user
    /// [`payer_openid`](crate::payer_openid) names. `USERPAYING` code
    /// payments can be paid too; orders past their `time_expire` cannot.
    /// Also `POST /sandbox/orders/{mchid}/{out_trade_no}/pay`.
    pub fn pay_order(&self, mchid: &str, out_trade_no: &str) -> Result<Order, SandboxError> {
        Ok(control::pay_order(&self.shared, mchid, out_trade_no)?)
    }

    /// The payment fails (the bank refuses it, or the payer gives up on a
    /// code payment): a `NOTPAY` or `USERPAYING` order becomes `PAYERROR`.
    /// Nothing is notified. Also
    /// `POST /sandbox/orders/{mchid}/{out_trade_no}/fail`.
    pub fn fail_order(&self, mchid: &str, out_trade_no: &str) -> Result<Order, SandboxError> {
        Ok(payer::fail_order(&self.shared, mchid, out_trade_no)?)
    }

    /// The payer lets the order expire: an unpaid order becomes `CLOSED`
    /// now, as it does by itself once its `time_expire` has passed, and
    /// can no longer be paid. Also
    /// `POST /sandbox/orders/{mchid}/{out_trade_no}/expire`.
    pub fn expire_order(&self, mchid: &str, out_trade_no: &str) -> Result<Order, SandboxError> {
        Ok(payer::expire_order(&self.shared, mchid, out_trade_no)?)
    }

    /// The payer's mini-program or official-account page calls
    /// `wx.requestPayment` with these parameters, as the merchant's server
    /// made them ([`Client::jsapi_pay_params`]): `paySign` must verify
    /// with the key of the merchant that placed the order, `package` name
    /// an unpaid JSAPI order and `appId` be its appid; then the order is
    /// paid as by [`pay_order`](Self::pay_order). A signature that does
    /// not verify is [`SandboxError::Refused`]. Also
    /// `POST /sandbox/payer/request-payment`.
    pub fn request_payment(&self, params: &JsapiPayParams) -> Result<Order, SandboxError> {
        Ok(payer::request_payment(&self.shared, params)?)
    }

    /// The payer's app calls the WeChat SDK with this `PayReq`
    /// ([`Client::app_pay_params`]): `sign` must verify, `prepayid` name
    /// an unpaid APP order, `appid` be its appid and `partnerid` the
    /// merchant it is for (the sub-merchant of a partner order); then the
    /// order is paid. Also `POST /sandbox/payer/request-payment`.
    pub fn request_app_payment(&self, params: &AppPayParams) -> Result<Order, SandboxError> {
        Ok(payer::request_app_payment(&self.shared, params)?)
    }

    /// The payer scans a Native order's `code_url` and pays it. Also
    /// `POST /sandbox/payer/scan`.
    pub fn scan(&self, code_url: &str) -> Result<Order, SandboxError> {
        Ok(payer::scan(&self.shared, code_url)?)
    }

    /// A password-free contract in any state (pending ones included), by
    /// the merchant that pre-signed it, the service and the contract number.
    pub fn contract(
        &self,
        mchid: &str,
        service_id: u64,
        out_contract_code: &str,
    ) -> Option<Contract> {
        let key = ContractKey {
            mchid: mchid.to_owned(),
            service_id,
            out_contract_code: out_contract_code.to_owned(),
        };
        self.shared.state().contracts.get(&key).cloned()
    }

    /// The user signs a pre-signed contract, as in WeChat's signing pages:
    /// it gets a `contract_id` and becomes `SIGNED`, which is notified
    /// (`PAPAY.SIGN`). Also
    /// `POST /sandbox/contracts/{mchid}/{service_id}/{out_contract_code}/sign`.
    pub fn sign_contract(
        &self,
        mchid: &str,
        service_id: u64,
        out_contract_code: &str,
    ) -> Result<Contract, SandboxError> {
        let key = ContractKey {
            mchid: mchid.to_owned(),
            service_id,
            out_contract_code: out_contract_code.to_owned(),
        };
        Ok(control::sign_contract(&self.shared, &key)?)
    }

    /// [`sign_contract`](Self::sign_contract) by the `pre_entrustweb_id`
    /// of a mini-program pre-sign. Also
    /// `POST /sandbox/contracts/pre-entrust/{pre_entrustweb_id}/sign`.
    pub fn sign_pre_entrust(&self, pre_entrustweb_id: &str) -> Result<Contract, SandboxError> {
        Ok(control::sign_pre_entrust(&self.shared, pre_entrustweb_id)?)
    }

    /// A refund, by the merchant its order belongs to and `out_refund_no`.
    pub fn refund(&self, mchid: &str, out_refund_no: &str) -> Option<Refund> {
        self.shared
            .state()
            .refunds
            .get(&(mchid.to_owned(), out_refund_no.to_owned()))
            .cloned()
    }

    /// Settles a `PROCESSING` (or `ABNORMAL`) refund: `SUCCESS` sets its
    /// `success_time`; `CLOSED` makes its amount refundable again. Refunds
    /// stay `PROCESSING` until this is called. The outcome is notified
    /// (`REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL`; the APIv2
    /// way for a refund placed over APIv2, see [`notify`](crate::notify#apiv2)). Also
    /// `POST /sandbox/refunds/{mchid}/{out_refund_no}/settle`.
    pub fn settle_refund(
        &self,
        mchid: &str,
        out_refund_no: &str,
        status: RefundStatus,
    ) -> Result<Refund, SandboxError> {
        Ok(control::settle_refund(
            &self.shared,
            mchid,
            out_refund_no,
            status,
        )?)
    }

    /// A file uploaded through a media route, by its `media_id` (or the
    /// last segment of a marketing image's `media_url`). Also
    /// `GET /sandbox/media/{media_id}`.
    pub fn media(&self, media_id: &str) -> Option<Media> {
        self.shared.state().media.get(media_id).cloned()
    }

    /// Makes a bill's download serve the bill with one digit changed (and
    /// compressed and encrypted as asked, so only its digest tells), as
    /// if damaged on the way. `bill` is the `download_url` or its token.
    /// Also `POST /sandbox/bills/{token}/corrupt`.
    pub fn corrupt_bill(&self, bill: &str) -> Result<(), SandboxError> {
        Ok(control::corrupt_bill(
            &self.shared,
            control::bill_token(bill),
        )?)
    }

    /// Stops serving: no new connections, open ones are closed.
    pub fn shutdown(self) {
        drop(self);
    }

    /// A combined order, by `combine_mchid` and `combine_out_trade_no`. Its
    /// sub-orders are [`order`](Self::order)s under their owner
    /// (`sub_mchid`, else `mchid`): see [`CombinedSubOrder::order_key`](crate::CombinedSubOrder::order_key).
    pub fn combine_order(
        &self,
        combine_mchid: &str,
        combine_out_trade_no: &str,
    ) -> Option<CombinedOrder> {
        combine::combined(&self.shared, combine_mchid, combine_out_trade_no)
    }

    /// The payer pays an unpaid combined order: every sub-order becomes
    /// `SUCCESS` with its own `transaction_id`, and one `TRANSACTION.SUCCESS`
    /// carrying the combined order goes to its `notify_url`. Answers the
    /// sub-orders. Also `POST /sandbox/combine-orders/{combine_mchid}/{combine_out_trade_no}/pay`.
    pub fn pay_combine_order(
        &self,
        combine_mchid: &str,
        combine_out_trade_no: &str,
    ) -> Result<Vec<Order>, SandboxError> {
        Ok(combine::pay_combined(
            &self.shared,
            combine_mchid,
            combine_out_trade_no,
        )?)
    }

    /// The payment of an unpaid combined order fails: every sub-order
    /// becomes `PAYERROR`. Also `POST …/fail`.
    pub fn fail_combine_order(
        &self,
        combine_mchid: &str,
        combine_out_trade_no: &str,
    ) -> Result<Vec<Order>, SandboxError> {
        Ok(combine::fail_combined(
            &self.shared,
            combine_mchid,
            combine_out_trade_no,
        )?)
    }

    /// An unpaid combined order expires: every sub-order becomes `CLOSED`.
    /// Also `POST …/expire`.
    pub fn expire_combine_order(
        &self,
        combine_mchid: &str,
        combine_out_trade_no: &str,
    ) -> Result<Vec<Order>, SandboxError> {
        Ok(combine::expire_combined(
            &self.shared,
            combine_mchid,
            combine_out_trade_no,
        )?)
    }
}
