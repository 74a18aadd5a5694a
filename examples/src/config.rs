//! The client for WeChat Pay itself, from `WXPAY_*` variables, or the
//! embedded sandbox when they are not set.

use std::env;

use wxpay::prelude::*;
use wxpay_sandbox::Sandbox;

/// A boxed error, as the examples' `main` returns.
pub type BoxError = Box<dyn std::error::Error>;

/// A variable's value, `None` when unset or empty.
pub fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// A variable's value, or `default`.
pub fn or(name: &str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_owned())
}

/// A client for the real API when `WXPAY_MCHID` is set, else `None`.
///
/// Reads `WXPAY_MERCHANT_SERIAL`, `WXPAY_MERCHANT_KEY_FILE`,
/// `WXPAY_PUBLIC_KEY_ID`, `WXPAY_PUBLIC_KEY_FILE` and the optional
/// `WXPAY_BASE_URL`.
pub fn real_client() -> Result<Option<Client>, BoxError> {
    let Some(mchid) = var("WXPAY_MCHID") else {
        return Ok(None);
    };
    let need =
        |name: &str| var(name).ok_or_else(|| format!("{name} must be set along with WXPAY_MCHID"));
    let credentials = Credentials::from_pem_file(
        mchid,
        need("WXPAY_MERCHANT_SERIAL")?,
        need("WXPAY_MERCHANT_KEY_FILE")?,
    )?;
    let mut builder = Client::builder()
        .credentials(credentials)
        .platform_public_key_pem_file(need("WXPAY_PUBLIC_KEY_ID")?, need("WXPAY_PUBLIC_KEY_FILE")?);
    if let Some(url) = var("WXPAY_BASE_URL") {
        builder = builder.base_url(url);
    }
    Ok(Some(builder.build()?))
}

/// The real API's client, or the embedded sandbox's (kept alive beside it).
pub async fn client_or_sandbox() -> Result<(Client, Option<Sandbox>), BoxError> {
    if let Some(client) = real_client()? {
        println!("talking to {}", client.base_url());
        return Ok((client, None));
    }
    let sandbox = Sandbox::start().await?;
    println!(
        "no WXPAY_MCHID set: using the embedded sandbox at {}",
        sandbox.base_url()
    );
    Ok((sandbox.client()?, Some(sandbox)))
}

/// A merchant order number unique to this run: `prefix` and the Unix time
/// in milliseconds.
pub fn order_number(prefix: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{prefix}{millis}")
}
