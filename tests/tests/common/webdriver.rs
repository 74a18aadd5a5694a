//! A small W3C WebDriver client for headless Chromium: starts
//! `chromedriver` on a free loopback port, opens one session, and speaks
//! the protocol's JSON over HTTP with the SDK's own hyper transport (no
//! other dependency). Only what the dashboard test needs: navigate, find,
//! click, read text, run a script, take a screenshot.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};
use wxpay_core::transport::{HyperTransport, Transport};

/// Where `.ci/setup` installs them (Debian's packages).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser chromedriver drives.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The key an element reference is sent under (W3C).
const ELEMENT_KEY: &str = "element-6066-11e4-a1d0-4b7ad6c0a8a2";

/// A running chromedriver with one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    transport: HyperTransport,
    _profile: TempDir,
}

/// A directory removed on drop (the browser's fresh profile).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An element found on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Whether chromedriver and Chromium are installed.
    pub fn available() -> bool {
        Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists()
    }

    /// Starts chromedriver and a headless Chromium session.
    pub async fn start() -> Browser {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("its address").port()
        };
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = std::env::temp_dir().join(format!(
            "wxpay-dashboard-chromium-{}-{port}",
            std::process::id()
        ));
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            transport: HyperTransport::builder()
                .allow_http(true)
                .max_response_bytes(64 << 20)
                .build()
                .expect("transport"),
            _profile: TempDir(profile.clone()),
        };
        browser.wait_ready().await;
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,2000",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let session = browser
            .raw(Method::POST, "/session", Some(capabilities))
            .await;
        browser.session = session["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_owned();
        browser
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(status) = self.try_raw(Method::GET, "/status", None).await {
                if status["ready"] == json!(true) {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn try_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json; charset=utf-8")
            .body(bytes::Bytes::from(bytes))
            .map_err(|e| e.to_string())?;
        let answer = self
            .transport
            .send(request)
            .await
            .map_err(|e| e.to_string())?;
        let json: Value = serde_json::from_slice(answer.body()).map_err(|e| e.to_string())?;
        if !answer.status().is_success() {
            return Err(format!("{}: {}", answer.status(), json["value"]));
        }
        Ok(json["value"].clone())
    }

    async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        self.try_raw(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
    }

    async fn command(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.raw(method, &path, body).await
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.command(Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let path = format!("/session/{}/element", self.session);
        let body = json!({ "using": "css selector", "value": css });
        let found = self.try_raw(Method::POST, &path, Some(body)).await.ok()?;
        // The reference is under the W3C key (or the legacy `ELEMENT`).
        let id = found[ELEMENT_KEY]
            .as_str()
            .or_else(|| found["ELEMENT"].as_str())
            .or_else(|| found.as_object()?.values().next()?.as_str())
            .unwrap_or_else(|| panic!("an element reference: {found}"));
        Some(Element(id.to_owned()))
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            if Instant::now() >= deadline {
                let source = self
                    .raw(
                        Method::GET,
                        &format!("/session/{}/source", self.session),
                        None,
                    )
                    .await;
                panic!(
                    "no element {css} within {timeout:?}; the page:\n{}",
                    source.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a script in the page with `args`; its return value.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        let body = json!({ "script": script, "args": args });
        self.command(Method::POST, "/execute/sync", Some(body))
            .await
    }

    /// The text of the first element matching `css`, read in one step
    /// (the page replaces its live part when it changes, so an element
    /// found earlier may be gone).
    pub async fn text_of(&self, css: &str) -> Option<String> {
        let script =
            "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
        let text = self.script(script, json!([css])).await;
        text.as_str().map(str::to_owned)
    }

    /// Clicks the first element matching `css`, finding it again if the
    /// page replaced it in between; fails after `timeout`.
    pub async fn click_on(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find(css).await {
                let path = format!("/session/{}/element/{}/click", self.session, e.0);
                if self
                    .try_raw(Method::POST, &path, Some(json!({})))
                    .await
                    .is_ok()
                {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "could not click {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A screenshot of the page as PNG bytes.
    pub async fn screenshot(&self) -> Vec<u8> {
        let png = self.command(Method::GET, "/screenshot", None).await;
        wxpay_core::crypto::base64_decode(png.as_str().unwrap_or_default())
            .expect("the screenshot is base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session (the browser quits), then the driver. Blocking
        // and by hand: drop cannot await, and this runs on panics too.
        if !self.session.is_empty() {
            let addr = self.base.trim_start_matches("http://").to_owned();
            if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let request = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = stream.write_all(request.as_bytes());
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
