//! The client through a real HTTP proxy (tinyproxy, started here on a free
//! loopback port): a CONNECT tunnel to the sandbox over TLS, plain HTTP in
//! absolute form to the sandbox without TLS, credentials, and a proxy that
//! refuses connections or goes away.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::error::Error as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wxpay_core::Error;
use wxpay_core::error::TransportErrorKind;
use wxpay_core::platform::Certificates;
use wxpay_core::transport::{ProxyError, ProxyErrorKind};
use wxpay_sandbox::Sandbox;

const TINYPROXY: &str = "/usr/bin/tinyproxy";

/// A tinyproxy process in the foreground, with its own config and log.
struct Tinyproxy {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Tinyproxy {
    /// Starts tinyproxy on a free loopback port; `auth` adds a `BasicAuth` line.
    fn start(auth: Option<(&str, &str)>) -> Tinyproxy {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("wxpay-proxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\nLogFile \"{}\"\nMaxClients 50\nAllow 127.0.0.1\n",
            dir.join("log").display()
        );
        if let Some((user, pass)) = auth {
            conf.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        std::fs::write(dir.join("conf"), conf).unwrap();
        let child = Command::new(TINYPROXY)
            .arg("-d")
            .arg("-c")
            .arg(dir.join("conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy starts (installed by .ci/setup)");
        let proxy = Tinyproxy { child, port, dir };
        proxy.wait_listening();
        proxy
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "tinyproxy did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on (bound, read, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A sandbox with a platform certificate besides its public key, so that
/// `GET /v3/certificates` has something to list.
async fn sandbox(tls: bool) -> Sandbox {
    Sandbox::builder()
        .tls(tls)
        .generated_certificate()
        .unwrap()
        .start()
        .await
        .unwrap()
}

fn have_tinyproxy() -> bool {
    Path::new(TINYPROXY).exists()
}

/// The proxy error under `e`, after checking it is a connect-stage
/// transport error whose message names the proxy and hides `secret`.
fn proxy_error<'a>(e: &'a Error, proxy: &str, secret: Option<&str>) -> &'a ProxyError {
    let Error::Transport(t) = e else {
        panic!("not a transport error: {e:?}");
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect, "{e}");
    let message = e.to_string();
    assert!(message.contains(proxy), "{message}");
    let found = ProxyError::find(t).unwrap_or_else(|| panic!("no ProxyError under {e:?}"));
    assert_eq!(found.proxy(), proxy);
    if let Some(secret) = secret {
        let mut chain = format!("{e} {e:?}");
        let mut next = e.source();
        while let Some(inner) = next {
            chain.push_str(&format!(" {inner} {inner:?}"));
            next = inner.source();
        }
        assert!(!chain.contains(secret), "the password leaked: {chain}");
    }
    found
}

#[tokio::test]
async fn tls_goes_through_a_connect_tunnel() {
    if !have_tinyproxy() {
        panic!("{TINYPROXY} is missing: run .ci/setup");
    }
    let sandbox = sandbox(true).await;
    let port = sandbox.addr().port();
    let mut proxy = Tinyproxy::start(None);
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&proxy.url())
        .retry_policy(wxpay_core::RetryPolicy::none())
        .build()
        .unwrap();

    let answer = client.call(Certificates::default()).await.unwrap();
    assert!(!answer.data.is_empty());
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT 127.0.0.1:{port} ")),
        "tinyproxy saw no tunnel to the sandbox:\n{log}"
    );

    // With the proxy gone the same client cannot reach the sandbox, though
    // the sandbox is still there. The pooled tunnel died with the proxy: a
    // call may still try it (the connection broke, through that proxy),
    // and the next one finds the proxy unreachable.
    proxy.stop();
    let e = client.call(Certificates::default()).await.unwrap_err();
    let Error::Transport(t) = &e else {
        panic!("{e:?}")
    };
    let found = ProxyError::find(t).unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(found.proxy(), proxy.url());
    match t.kind() {
        TransportErrorKind::Io => assert_eq!(found.kind(), ProxyErrorKind::ConnectionLost),
        _ => assert_eq!(found.kind(), ProxyErrorKind::Connect),
    }
    let e = client.call(Certificates::default()).await.unwrap_err();
    let found = proxy_error(&e, &proxy.url(), None);
    assert_eq!(found.kind(), ProxyErrorKind::Connect);
}

#[tokio::test]
async fn plain_http_goes_in_absolute_form_with_credentials() {
    let sandbox = sandbox(false).await;
    let port = sandbox.addr().port();
    let proxy = Tinyproxy::start(Some(("merchant", "pr0xy-s3cret")));
    let url = format!("http://merchant:pr0xy-s3cret@127.0.0.1:{}", proxy.port);
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&url)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("pr0xy-s3cret"));

    client.call(Certificates::default()).await.unwrap();
    let log = proxy.log();
    assert!(
        log.contains(&format!("GET http://127.0.0.1:{port}/v3/certificates")),
        "tinyproxy forwarded no request to the sandbox:\n{log}"
    );

    // Wrong password: the proxy answers, not the sandbox.
    let wrong = format!("http://merchant:not-the-s3cret@127.0.0.1:{}", proxy.port);
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&wrong)
        .build()
        .unwrap();
    let e = client.call(Certificates::default()).await.unwrap_err();
    let found = proxy_error(&e, &proxy.url(), Some("not-the-s3cret"));
    assert_eq!(found.kind(), ProxyErrorKind::AuthRequired);
}

#[tokio::test]
async fn a_tunnel_with_wrong_credentials_is_refused_by_the_proxy() {
    let sandbox = sandbox(true).await;
    let proxy = Tinyproxy::start(Some(("merchant", "pr0xy-s3cret")));
    let good = format!("http://merchant:pr0xy-s3cret@127.0.0.1:{}", proxy.port);
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&good)
        .build()
        .unwrap();
    client.call(Certificates::default()).await.unwrap();

    let wrong = format!("http://merchant:not-the-s3cret@127.0.0.1:{}", proxy.port);
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&wrong)
        .retry_policy(wxpay_core::RetryPolicy::none())
        .build()
        .unwrap();
    let e = client.call(Certificates::default()).await.unwrap_err();
    let found = proxy_error(&e, &proxy.url(), Some("not-the-s3cret"));
    // tinyproxy 1.11 answers CONNECT with 401 rather than 407, which
    // hyper-util reports as an unsuccessful tunnel; a 407 is AuthRequired.
    assert!(
        matches!(
            found.kind(),
            ProxyErrorKind::AuthRequired | ProxyErrorKind::Refused
        ),
        "{found:?}"
    );
    assert!(proxy.log().contains("CONNECT 127.0.0.1"));
}

#[tokio::test]
async fn a_proxy_that_refuses_connections_is_named() {
    let sandbox = sandbox(true).await;
    let url = format!("http://user:s3cret-pass@127.0.0.1:{}", free_port());
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(&url)
        .retry_policy(wxpay_core::RetryPolicy::none())
        .build()
        .unwrap();
    let e = client.call(Certificates::default()).await.unwrap_err();
    let named = url.replace("user:s3cret-pass@", "");
    let found = proxy_error(&e, &named, Some("s3cret-pass"));
    assert_eq!(found.kind(), ProxyErrorKind::Connect);
}

#[test]
fn proxy_urls_are_checked_when_building() {
    for bad in [
        "socks5://user:s3cret@127.0.0.1:1080",
        "https://127.0.0.1:3128",
        "127.0.0.1:3128/path",
        "not a url",
    ] {
        let e = wxpay_core::Client::builder()
            .credentials(
                wxpay_core::Credentials::new(
                    "1",
                    "S",
                    wxpay_core::crypto::PrivateKey::generate().unwrap(),
                )
                .unwrap(),
            )
            .platform_public_key(
                "PUB_KEY_ID_1",
                wxpay_core::crypto::PrivateKey::generate()
                    .unwrap()
                    .public_key()
                    .unwrap(),
            )
            .proxy(bad)
            .build()
            .unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::Build(_)), "{bad}: {text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}

/// Run by [`the_environment_names_the_proxy`] in a child process, whose
/// environment holds the proxy variables; does nothing otherwise.
#[tokio::test]
async fn env_child() {
    let Ok(base_url) = std::env::var("WXPAY_PROXY_TEST_SANDBOX") else {
        return;
    };
    let pem = std::env::var("WXPAY_PROXY_TEST_ROOT").unwrap();
    let merchant_key = std::env::var("WXPAY_PROXY_TEST_KEY").unwrap();
    let platform = std::env::var("WXPAY_PROXY_TEST_PLATFORM").unwrap();
    let platform_id = std::env::var("WXPAY_PROXY_TEST_PLATFORM_ID").unwrap();
    let mchid = std::env::var("WXPAY_PROXY_TEST_MCHID").unwrap();
    let serial = std::env::var("WXPAY_PROXY_TEST_SERIAL").unwrap();
    let client = wxpay_core::Client::builder()
        .base_url(base_url)
        .add_root_certificate_pem(pem.as_bytes())
        .credentials(
            wxpay_core::Credentials::from_pem(mchid, serial, merchant_key.as_bytes()).unwrap(),
        )
        .platform_public_key_pem(platform_id, platform.as_bytes())
        .proxy_from_env()
        .build()
        .unwrap();
    client.call(Certificates::default()).await.unwrap();
}

/// `HTTPS_PROXY` sends the call through the proxy; `NO_PROXY` naming the
/// sandbox's host sends it straight there. (Multi-threaded: the sandbox
/// serves the child while this thread waits for it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_names_the_proxy() {
    let sandbox = sandbox(true).await;
    let proxy = Tinyproxy::start(None);
    let merchant = sandbox.merchant().unwrap();
    let key = merchant.private_key.clone().unwrap().to_pem().unwrap();
    let platform = sandbox
        .platform_keys()
        .into_iter()
        .find(|k| k.serial == sandbox.default_serial())
        .unwrap();
    let platform_pem = platform.private_key.public_key().unwrap().to_pem().unwrap();
    let run = |no_proxy: &str| {
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "env_child", "--quiet"])
            .env("WXPAY_PROXY_TEST_SANDBOX", sandbox.base_url())
            .env(
                "WXPAY_PROXY_TEST_ROOT",
                String::from_utf8(sandbox.tls_certificate_pem().unwrap()).unwrap(),
            )
            .env(
                "WXPAY_PROXY_TEST_KEY",
                String::from_utf8(key.clone()).unwrap(),
            )
            .env(
                "WXPAY_PROXY_TEST_PLATFORM",
                String::from_utf8(platform_pem.clone()).unwrap(),
            )
            .env("WXPAY_PROXY_TEST_SERIAL", &merchant.serial)
            .env("WXPAY_PROXY_TEST_MCHID", &merchant.mchid)
            .env("WXPAY_PROXY_TEST_PLATFORM_ID", &platform.serial)
            .env("https_proxy", proxy.url())
            .env("no_proxy", no_proxy)
            .env_remove("HTTPS_PROXY")
            .env_remove("NO_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    let tunnels = |log: String| log.matches("CONNECT 127.0.0.1").count();

    run("");
    assert_eq!(tunnels(proxy.log()), 1, "{}", proxy.log());
    run("example.com,127.0.0.1");
    assert_eq!(tunnels(proxy.log()), 1, "NO_PROXY was ignored");
}
