//! Settings from flags, `WXPAY_*` variables and a profile file, in that
//! order of precedence, each remembered with where it came from; and the
//! client they make.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use wxpay::crypto::Certificate;
use wxpay::prelude::*;

use crate::cli::Global;
use crate::exit::{CliError, chain};
use crate::transport::Recorder;

/// One profile of the profile file; every field optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    mchid: Option<String>,
    merchant_serial: Option<String>,
    merchant_key_file: Option<PathBuf>,
    merchant_cert_file: Option<PathBuf>,
    public_key_id: Option<String>,
    public_key_file: Option<PathBuf>,
    apiv3_key: Option<Secret>,
    apiv3_key_file: Option<PathBuf>,
    platform_certificates: Option<bool>,
    base_url: Option<String>,
    ca_file: Option<PathBuf>,
}

/// The profile file: `default_profile = "name"` and one table per profile.
#[derive(Debug, Default, Deserialize)]
struct ProfileFile {
    default_profile: Option<String>,
    #[serde(flatten)]
    profiles: BTreeMap<String, Profile>,
}

/// A secret (the APIv3 key): `Debug` shows only that it is there, so no
/// `{:?}` of the settings or a profile can print it.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// A value and where it came from: `--mchid`, `WXPAY_MCHID`, `profile "x"`.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it was found.
    pub source: String,
}

/// The settings, resolved.
#[derive(Debug, Default)]
pub struct Settings {
    pub mchid: Option<Setting<String>>,
    pub merchant_serial: Option<Setting<String>>,
    pub merchant_key_file: Option<Setting<PathBuf>>,
    pub merchant_cert_file: Option<Setting<PathBuf>>,
    pub public_key_id: Option<Setting<String>>,
    pub public_key_file: Option<Setting<PathBuf>>,
    /// The APIv3 key: a secret, never printed.
    pub apiv3_key: Option<Setting<Secret>>,
    pub platform_certificates: Option<Setting<bool>>,
    pub base_url: Option<Setting<String>>,
    pub ca_file: Option<Setting<PathBuf>>,
    /// The profile file and profile used, if any.
    pub profile: Option<(PathBuf, String)>,
}

/// How the client knows the platform's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// The WeChat Pay public key only.
    PublicKey,
    /// Platform certificates, downloaded with the APIv3 key.
    Certificates,
    /// Both (a migration).
    Both,
    /// Neither is configured.
    None,
}

impl KeyMode {
    /// For people and `--json`.
    pub fn describe(self) -> &'static str {
        match self {
            KeyMode::PublicKey => "public key",
            KeyMode::Certificates => "certificates downloaded",
            KeyMode::Both => "both (public key and certificates downloaded)",
            KeyMode::None => "none",
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The first of flag, variable and profile value that is set.
fn pick<T: Clone>(
    flag: (Option<&T>, &str),
    var: (&str, fn(String) -> Option<T>),
    profile: (Option<&T>, &str),
) -> Option<Setting<T>> {
    let found = |value: &T, source: &str| {
        Some(Setting {
            value: value.clone(),
            source: source.to_owned(),
        })
    };
    if let Some(v) = flag.0 {
        return found(v, flag.1);
    }
    if let Some(v) = env(var.0).and_then(var.1) {
        return found(&v, var.0);
    }
    profile.0.and_then(|v| found(v, profile.1))
}

fn text(s: String) -> Option<String> {
    Some(s)
}

fn path(s: String) -> Option<PathBuf> {
    Some(PathBuf::from(s))
}

fn boolean(s: String) -> Option<bool> {
    Some(matches!(
        s.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    ))
}

/// The default profile file, `$XDG_CONFIG_HOME/wxpay/profiles.toml` or
/// `~/.config/wxpay/profiles.toml`, when it exists.
fn default_profile_file() -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    let file = base.join("wxpay").join("profiles.toml");
    file.is_file().then_some(file)
}

/// Reads the profile chosen by `--profile`, `WXPAY_PROFILE` or the file's
/// `default_profile`.
fn load_profile(global: &Global) -> Result<(Profile, Option<(PathBuf, String)>), CliError> {
    let chosen = global.profile.clone().or_else(|| env("WXPAY_PROFILE"));
    let file = global
        .config
        .clone()
        .or_else(|| env("WXPAY_CONFIG").map(PathBuf::from))
        .or_else(default_profile_file);
    let Some(file) = file else {
        if let Some(name) = &chosen {
            return Err(CliError::config(format!(
                "profile \"{name}\" asked for, but there is no profile file (--config, WXPAY_CONFIG, ~/.config/wxpay/profiles.toml)"
            )));
        }
        return Ok((Profile::default(), None));
    };
    let text = std::fs::read_to_string(&file).map_err(|e| {
        CliError::config(format!(
            "cannot read the profile file {}: {e}",
            file.display()
        ))
    })?;
    let parsed: ProfileFile = toml::from_str(&text)
        .map_err(|e| CliError::config(format!("{}: {}", file.display(), e.message())))?;
    let Some(name) = chosen.or(parsed.default_profile) else {
        return Ok((Profile::default(), None));
    };
    let profile = parsed.profiles.get(&name).cloned().ok_or_else(|| {
        let names: Vec<&str> = parsed.profiles.keys().map(String::as_str).collect();
        CliError::config(format!(
            "{} has no profile \"{name}\"; profiles: {}",
            file.display(),
            names.join(", ")
        ))
    })?;
    Ok((profile, Some((file, name))))
}

impl Settings {
    /// Resolves every setting: flags, then variables, then the profile.
    pub fn load(g: &Global) -> Result<Settings, CliError> {
        let (p, profile) = load_profile(g)?;
        let from = match &profile {
            Some((_, name)) => format!("profile \"{name}\""),
            None => "profile".to_owned(),
        };
        let pf = from.as_str();
        let certificates = g.platform_certificates.then_some(true);
        let apiv3_key = apiv3_key(g, &p, pf)?;
        Ok(Settings {
            mchid: pick(
                (g.mchid.as_ref(), "--mchid"),
                ("WXPAY_MCHID", text),
                (p.mchid.as_ref(), pf),
            ),
            merchant_serial: pick(
                (g.merchant_serial.as_ref(), "--merchant-serial"),
                ("WXPAY_MERCHANT_SERIAL", text),
                (p.merchant_serial.as_ref(), pf),
            ),
            merchant_key_file: pick(
                (g.merchant_key_file.as_ref(), "--merchant-key-file"),
                ("WXPAY_MERCHANT_KEY_FILE", path),
                (p.merchant_key_file.as_ref(), pf),
            ),
            merchant_cert_file: pick(
                (g.merchant_cert_file.as_ref(), "--merchant-cert-file"),
                ("WXPAY_MERCHANT_CERT_FILE", path),
                (p.merchant_cert_file.as_ref(), pf),
            ),
            public_key_id: pick(
                (g.public_key_id.as_ref(), "--public-key-id"),
                ("WXPAY_PUBLIC_KEY_ID", text),
                (p.public_key_id.as_ref(), pf),
            ),
            public_key_file: pick(
                (g.public_key_file.as_ref(), "--public-key-file"),
                ("WXPAY_PUBLIC_KEY_FILE", path),
                (p.public_key_file.as_ref(), pf),
            ),
            apiv3_key,
            platform_certificates: pick(
                (certificates.as_ref(), "--platform-certificates"),
                ("WXPAY_PLATFORM_CERTIFICATES", boolean),
                (p.platform_certificates.as_ref(), pf),
            ),
            base_url: pick(
                (g.base_url.as_ref(), "--base-url"),
                ("WXPAY_BASE_URL", text),
                (p.base_url.as_ref(), pf),
            ),
            ca_file: pick(
                (g.ca_file.as_ref(), "--ca-file"),
                ("WXPAY_CA_FILE", path),
                (p.ca_file.as_ref(), pf),
            ),
            profile,
        })
    }

    /// The platform-key mode these settings make.
    pub fn key_mode(&self) -> KeyMode {
        let public_key = self.public_key_id.is_some() && self.public_key_file.is_some();
        let downloads = self.downloads_certificates();
        match (public_key, downloads) {
            (true, true) => KeyMode::Both,
            (true, false) => KeyMode::PublicKey,
            (false, true) => KeyMode::Certificates,
            (false, false) => KeyMode::None,
        }
    }

    /// Certificates are downloaded with an APIv3 key and no public key, or
    /// when asked for (`platform_certificates`).
    pub fn downloads_certificates(&self) -> bool {
        let asked = self.platform_certificates.as_ref().is_some_and(|s| s.value);
        let public_key = self.public_key_id.is_some() && self.public_key_file.is_some();
        self.apiv3_key.is_some() && (asked || !public_key)
    }

    /// The merchant serial: as set, or read from the merchant certificate.
    pub fn merchant_serial(&self) -> Result<Option<Setting<String>>, CliError> {
        if let Some(serial) = &self.merchant_serial {
            return Ok(Some(serial.clone()));
        }
        let Some(cert) = &self.merchant_cert_file else {
            return Ok(None);
        };
        let pem = read(&cert.value, "the merchant certificate")?;
        let certificate = Certificate::from_pem(&pem).map_err(|e| {
            CliError::config(format!(
                "the merchant certificate {} does not parse: {}",
                cert.value.display(),
                chain(&e)
            ))
        })?;
        Ok(Some(Setting {
            value: certificate.serial().to_owned(),
            source: format!("the certificate {}", cert.value.display()),
        }))
    }

    /// The names of the settings a signed call needs and that are missing.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.mchid.is_none() {
            missing.push("WXPAY_MCHID (--mchid)");
        }
        if self.merchant_key_file.is_none() {
            missing.push("WXPAY_MERCHANT_KEY_FILE (--merchant-key-file)");
        }
        if self.merchant_serial.is_none() && self.merchant_cert_file.is_none() {
            missing.push("WXPAY_MERCHANT_SERIAL or WXPAY_MERCHANT_CERT_FILE");
        }
        if self.public_key_id.is_some() != self.public_key_file.is_some() {
            missing.push("WXPAY_PUBLIC_KEY_ID and WXPAY_PUBLIC_KEY_FILE go together");
        }
        if self.key_mode() == KeyMode::None {
            missing.push("a platform key: WXPAY_PUBLIC_KEY_ID + WXPAY_PUBLIC_KEY_FILE, or WXPAY_APIV3_KEY (certificates)");
        }
        missing
    }

    /// The client these settings describe; `Recorder` sees every answer.
    pub fn client(&self, recorder: &Arc<Recorder>) -> Result<Client, CliError> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(CliError::config(format!(
                "missing configuration: {} (see `wxpay config check`)",
                missing.join("; ")
            )));
        }
        let (Some(mchid), Some(key_file), Some(serial)) = (
            &self.mchid,
            &self.merchant_key_file,
            self.merchant_serial()?,
        ) else {
            return Err(CliError::config("missing configuration"));
        };
        let pem = read(&key_file.value, "the merchant private key")?;
        let credentials = Credentials::from_pem(&mchid.value, &serial.value, &pem)
            .map_err(|e| CliError::config(chain(&e)))?;
        let mut builder = Client::builder()
            .credentials(credentials)
            .transport(recorder.clone());
        if let Some(url) = &self.base_url {
            builder = builder
                .base_url(url.value.trim_end_matches('/'))
                .allow_http(url.value.starts_with("http://"));
        }
        if let (Some(id), Some(file)) = (&self.public_key_id, &self.public_key_file) {
            let pem = read(&file.value, "the WeChat Pay public key")?;
            builder = builder.platform_public_key_pem(&id.value, &pem);
        }
        if let Some(key) = &self.apiv3_key {
            builder = builder.apiv3_key(key.value.expose());
        }
        builder = builder.download_platform_certificates(self.downloads_certificates());
        builder.build().map_err(|e| CliError::config(chain(&e)))
    }

    /// The extra root certificate to trust, PEM.
    pub fn ca_pem(&self) -> Result<Option<Vec<u8>>, CliError> {
        self.ca_file
            .as_ref()
            .map(|f| read(&f.value, "the root certificate"))
            .transpose()
    }
}

/// The APIv3 key: `--apiv3-key-file`, `WXPAY_APIV3_KEY`,
/// `WXPAY_APIV3_KEY_FILE`, then the profile's `apiv3_key` or `apiv3_key_file`.
fn apiv3_key(g: &Global, p: &Profile, from: &str) -> Result<Option<Setting<Secret>>, CliError> {
    if let Some(found) = apiv3_key_from_file(g.apiv3_key_file.as_deref(), "--apiv3-key-file")? {
        return Ok(Some(found));
    }
    if let Some(key) = env("WXPAY_APIV3_KEY") {
        let source = "WXPAY_APIV3_KEY".to_owned();
        return Ok(Some(Setting {
            value: Secret(key),
            source,
        }));
    }
    let file = env("WXPAY_APIV3_KEY_FILE").map(PathBuf::from);
    if let Some(found) = apiv3_key_from_file(file.as_deref(), "WXPAY_APIV3_KEY_FILE")? {
        return Ok(Some(found));
    }
    match (&p.apiv3_key, &p.apiv3_key_file) {
        (Some(key), _) => Ok(Some(Setting {
            value: key.clone(),
            source: from.to_owned(),
        })),
        (None, file) => apiv3_key_from_file(file.as_deref(), from),
    }
}

/// The APIv3 key read from a file (trimmed), remembered as from `source`.
fn apiv3_key_from_file(
    file: Option<&Path>,
    source: &str,
) -> Result<Option<Setting<Secret>>, CliError> {
    let Some(file) = file else {
        return Ok(None);
    };
    let key = std::fs::read_to_string(file).map_err(|e| {
        CliError::config(format!(
            "cannot read the APIv3 key file {}: {e}",
            file.display()
        ))
    })?;
    Ok(Some(Setting {
        value: Secret(key.trim().to_owned()),
        source: format!("{source} ({})", file.display()),
    }))
}

/// Reads a configured file, naming it in the error.
pub fn read(file: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(file)
        .map_err(|e| CliError::config(format!("cannot read {what} {}: {e}", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apiv3_key_never_shows_in_debug() {
        let key = "0123456789abcdef0123456789abcdef";
        let settings = Settings {
            apiv3_key: Some(Setting {
                value: Secret(key.to_owned()),
                source: "WXPAY_APIV3_KEY".into(),
            }),
            ..Settings::default()
        };
        let profile: Profile = toml::from_str(&format!("apiv3_key = \"{key}\"")).unwrap();
        for shown in [format!("{settings:?}"), format!("{profile:?}")] {
            assert!(!shown.contains(key), "{shown}");
            assert!(shown.contains("Secret(redacted)"), "{shown}");
        }
    }
}
