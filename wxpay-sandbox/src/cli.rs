//! The `wxpay-sandbox` binary's flags and start-up, shared with the
//! `wxpay sandbox` command: [`parse`] reads the flags, [`run`] starts the
//! sandbox they describe, writing generated keys to files a client can
//! read, and returns the JSON line announcing it. See the binary's docs
//! for the flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::{Merchant, Sandbox, SandboxBuilder, keys};
use serde_json::json;
use wxpay_core::crypto::{Certificate, PrivateKey};

/// The binary's usage line.
pub const USAGE: &str = "usage: wxpay-sandbox [--listen ADDR] [--mchid ID] [--merchant-cert PEM] \
[--public-key-id ID --public-key-private PEM] [--platform-cert PEM --platform-key PEM] \
[--generated-certificate] [--apiv3-key KEY] [--write-keys DIR] [--tls] \
[--notify-target http://HOST:PORT] [--notify-time-scale X] [--spec-mode] \
[--appid APPID]... [--sub-merchant SUB_MCHID[=APPID,...]]... [--no-default-relations] \
[--v2-key KEY] [--v2-mutual-tls-over-http]";

/// The binary's flags, parsed by [`parse`].
#[derive(Debug, Default)]
pub struct Options {
    listen: Option<SocketAddr>,
    mchid: Option<String>,
    merchant_cert: Option<PathBuf>,
    public_key_id: Option<String>,
    public_key_private: Option<PathBuf>,
    platform_cert: Option<PathBuf>,
    platform_key: Option<PathBuf>,
    generated_certificate: bool,
    apiv3_key: Option<String>,
    write_keys: Option<PathBuf>,
    tls: bool,
    spec_mode: bool,
    notify_target: Option<String>,
    notify_time_scale: Option<f64>,
    appids: Vec<String>,
    /// Sub-merchants with their appids.
    sub_merchants: Vec<(String, Vec<String>)>,
    no_default_relations: bool,
    /// The merchant's APIv2 key.
    v2_key: Option<String>,
    v2_mutual_tls_over_http: bool,
}

/// Reads the flags (without the program name); `Err` holds the message
/// to print (the usage for `--help`).
pub fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_owned());
        }
        if flag == "--tls" {
            o.tls = true;
            continue;
        }
        if flag == "--spec-mode" {
            o.spec_mode = true;
            continue;
        }
        if flag == "--no-default-relations" {
            o.no_default_relations = true;
            continue;
        }
        if flag == "--v2-mutual-tls-over-http" {
            o.v2_mutual_tls_over_http = true;
            continue;
        }
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => o.listen = Some(value()?.parse().map_err(|e| format!("--listen: {e}"))?),
            "--mchid" => o.mchid = Some(value()?),
            "--merchant-cert" => o.merchant_cert = Some(value()?.into()),
            "--public-key-id" => o.public_key_id = Some(value()?),
            "--public-key-private" => o.public_key_private = Some(value()?.into()),
            "--platform-cert" => o.platform_cert = Some(value()?.into()),
            "--platform-key" => o.platform_key = Some(value()?.into()),
            "--generated-certificate" => o.generated_certificate = true,
            "--apiv3-key" => o.apiv3_key = Some(value()?),
            "--v2-key" => o.v2_key = Some(value()?),
            "--write-keys" => o.write_keys = Some(value()?.into()),
            "--notify-target" => o.notify_target = Some(value()?),
            "--appid" => o.appids.push(value()?),
            "--sub-merchant" => {
                let text = value()?;
                let (sub, appids) = text.split_once('=').unwrap_or((&text, ""));
                let appids = appids.split(',').filter(|a| !a.is_empty());
                o.sub_merchants
                    .push((sub.to_owned(), appids.map(str::to_owned).collect()));
            }
            "--notify-time-scale" => {
                o.notify_time_scale = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--notify-time-scale: {e}"))?,
                )
            }
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    if o.public_key_id.is_some() != o.public_key_private.is_some() {
        return Err("--public-key-id and --public-key-private go together".into());
    }
    if o.platform_cert.is_some() != o.platform_key.is_some() {
        return Err("--platform-cert and --platform-key go together".into());
    }
    Ok(o)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Files the binary writes for clients (generated keys, the TLS
/// certificate), named in the JSON line it prints.
struct Files {
    dir: PathBuf,
    written: serde_json::Map<String, serde_json::Value>,
}

impl Files {
    /// Writes `name` in the directory and records its path as `key`.
    fn write(
        &mut self,
        key: &str,
        name: &str,
        bytes: Result<Vec<u8>, wxpay_core::crypto::CryptoError>,
    ) -> Result<(), String> {
        let dir = &self.dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes.map_err(|e| e.to_string())?)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.written
            .insert(key.into(), json!(path.display().to_string()));
        Ok(())
    }
}

/// The merchant served: one whose certificate was given (the sandbox then
/// cannot sign for it), or one with generated keys, written out so that
/// a client can sign.
fn merchant(
    o: &Options,
    mchid: &str,
    apiv3_key: &str,
    files: &mut Files,
) -> Result<Merchant, String> {
    if let Some(path) = &o.merchant_cert {
        let cert =
            Certificate::from_pem(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Merchant {
            mchid: mchid.to_owned(),
            serial: cert.serial().to_owned(),
            public_key: cert.public_key().clone(),
            private_key: None,
            apiv3_key: apiv3_key.to_owned(),
        });
    }
    let merchant = keys::generated_merchant(mchid, apiv3_key).map_err(|e| e.to_string())?;
    let cert = keys::generated_merchant_certificate().map_err(|e| e.to_string())?;
    if let Some(key) = &merchant.private_key {
        files.write("merchant_key_file", "merchant_key.pem", key.to_pem())?;
    }
    files.write("merchant_cert_file", "merchant_cert.pem", cert.to_pem())?;
    Ok(merchant)
}

/// The platform's keys as the flags give them; without any, the generated
/// WeChat Pay public key, whose public half is written for clients.
fn platform_keys(
    o: &Options,
    mut builder: SandboxBuilder,
    files: &mut Files,
) -> Result<SandboxBuilder, String> {
    if let (Some(id), Some(path)) = (&o.public_key_id, &o.public_key_private) {
        let key =
            PrivateKey::from_pem(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        builder = builder.platform_public_key(id, key);
    }
    if let (Some(cert), Some(key)) = (&o.platform_cert, &o.platform_key) {
        let c =
            Certificate::from_pem(&read(cert)?).map_err(|e| format!("{}: {e}", cert.display()))?;
        let k = PrivateKey::from_pem(&read(key)?).map_err(|e| format!("{}: {e}", key.display()))?;
        builder = builder.platform_certificate(c, k);
    }
    if o.generated_certificate {
        builder = builder.generated_certificate().map_err(|e| e.to_string())?;
    }
    if o.public_key_id.is_none() && o.platform_cert.is_none() && !o.generated_certificate {
        let platform =
            keys::generated_platform_key(keys::DEFAULT_PUBLIC_KEY_ID).map_err(|e| e.to_string())?;
        let pem = platform.private_key.public_key().and_then(|k| k.to_pem());
        files.write("public_key_file", "wechatpay_public_key.pem", pem)?;
    }
    Ok(builder)
}

/// Starts the sandbox the flags describe; returns it with the JSON line
/// the binary prints (base URL, ids, and the files it wrote keys to).
pub async fn run(o: Options) -> Result<(Sandbox, serde_json::Value), String> {
    let mut builder = SandboxBuilder::default();
    if let Some(addr) = o.listen {
        builder = builder.listen(addr);
    }
    let mchid = o
        .mchid
        .clone()
        .unwrap_or_else(|| keys::DEFAULT_MCHID.to_owned());
    let apiv3_key = o
        .apiv3_key
        .clone()
        .unwrap_or_else(|| keys::DEFAULT_APIV3_KEY.to_owned());
    builder = builder
        .mchid(&mchid)
        .apiv3_key(&apiv3_key)
        .default_relations(!o.no_default_relations);
    for appid in &o.appids {
        builder = builder.appid(&mchid, appid);
    }
    for (sub, appids) in &o.sub_merchants {
        builder = builder.sub_merchant(&mchid, sub, appids);
    }
    if let Some(target) = &o.notify_target {
        builder = builder.notify_target(target);
    }
    if let Some(scale) = o.notify_time_scale {
        builder = builder.notify_time_scale(scale);
    }
    if let Some(key) = &o.v2_key {
        builder = builder.v2_key(key);
    }
    builder = builder.v2_mutual_tls_over_http(o.v2_mutual_tls_over_http);
    let mut files = Files {
        dir: o.write_keys.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("wxpay-sandbox-{}", std::process::id()))
        }),
        written: serde_json::Map::new(),
    };
    builder = builder.merchant(merchant(&o, &mchid, &apiv3_key, &mut files)?);
    let sandbox = platform_keys(&o, builder, &mut files)?
        .tls(o.tls)
        .spec_mode(o.spec_mode)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    if let Some(pem) = sandbox.tls_certificate_pem() {
        files.write("tls_cert_file", "tls_cert.pem", Ok(pem))?;
    }
    let mut line = serde_json::to_value(sandbox.info()).map_err(|e| e.to_string())?;
    if let Some(obj) = line.as_object_mut() {
        // The certificate is in its file; keep the line short.
        obj.remove("tls_certificate_pem");
        obj.extend(files.written);
    }
    Ok((sandbox, line))
}
