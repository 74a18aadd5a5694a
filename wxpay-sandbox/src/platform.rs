//! The platform's keys over time: certificate rotation and the migration
//! from certificates to the WeChat Pay public key, as the platform runs them.
//!
//! - **Certificate mode**: the platform signs with certificates, listed
//!   (encrypted) by `GET /v3/certificates`.
//! - **Public-key mode**: no certificate; `GET /v3/certificates` answers
//!   `404 RESOURCE_NOT_EXISTS`.
//! - **Mixed** (migration): both; each answer is signed with the key the
//!   request names in `Wechatpay-Serial` when the platform has it, else the
//!   default key. A migration is three steps: the merchant applies for the
//!   public key (the platform *adds* it, certificates still the default),
//!   the platform *switches* its default to it, and at last the
//!   certificates are *removed* (public-key mode).
//!
//! A rotation is two steps: a new certificate is *announced* (listed, not
//! yet the default), then *activated* (it signs by default; the previous
//! one is *retired*: still listed and still accepted for encrypted fields,
//! but no longer signing, even when a request names it), and at last the
//! old one is *removed* (it expired).

use std::sync::RwLockWriteGuard;
use std::time::{Duration, SystemTime};

use wxpay_core::crypto::PrivateKey;

use crate::SandboxError;
use crate::keys::{self, SigningKey};
use crate::lock::Recover;
use crate::server::{Platform, Shared};

/// How long certificates made by the sandbox stay valid (the platform's are
/// valid five years).
pub(crate) const CERTIFICATE_VALIDITY: Duration = Duration::from_secs(5 * 365 * 86_400);

fn write(shared: &Shared) -> RwLockWriteGuard<'_, Platform> {
    shared.platform.write().recover()
}

fn config(message: impl Into<String>) -> SandboxError {
    SandboxError::Config(message.into())
}

/// Adds a new certificate, listed but not yet signing by default; returns
/// its serial. Like the platform's, it expires after every certificate
/// already listed (at least a day later), so "the one that expires last"
/// names it.
pub(crate) fn announce_certificate(shared: &Shared) -> Result<String, SandboxError> {
    let now = SystemTime::now();
    let latest = shared
        .platform()
        .keys
        .iter()
        .filter_map(|k| k.certificate.as_ref().map(|c| c.not_after()))
        .max();
    let valid_for = latest
        .and_then(|t| t.duration_since(now).ok())
        .map(|left| left + Duration::from_secs(86_400))
        .filter(|d| *d > CERTIFICATE_VALIDITY)
        .unwrap_or(CERTIFICATE_VALIDITY);
    let key = keys::new_platform_certificate(valid_for)?;
    let serial = key.serial.clone();
    write(shared).keys.push(key);
    Ok(serial)
}

/// Makes a listed certificate the default signer; the certificate it
/// replaces is retired.
pub(crate) fn activate_certificate(shared: &Shared, serial: &str) -> Result<(), SandboxError> {
    let mut platform = write(shared);
    match platform.keys.iter().find(|k| k.serial == serial) {
        Some(k) if k.is_certificate() => {}
        Some(_) => return Err(config(format!("{serial} is not a certificate"))),
        None => return Err(config(format!("no platform certificate {serial}"))),
    }
    let previous = std::mem::replace(&mut platform.default_serial, serial.to_owned());
    let previous_is_certificate = platform
        .keys
        .iter()
        .any(|k| k.serial == previous && k.is_certificate());
    if previous != serial && previous_is_certificate && !platform.retired.contains(&previous) {
        platform.retired.push(previous);
    }
    platform.retired.retain(|r| r != serial);
    Ok(())
}

/// Removes a certificate (it expired): no longer listed, signing or decrypting.
pub(crate) fn remove_certificate(shared: &Shared, serial: &str) -> Result<(), SandboxError> {
    let mut platform = write(shared);
    if !platform
        .keys
        .iter()
        .any(|k| k.serial == serial && k.is_certificate())
    {
        return Err(config(format!("no platform certificate {serial}")));
    }
    if platform.default_serial == serial {
        return Err(config(format!(
            "{serial} signs by default: activate another key before removing it"
        )));
    }
    platform.keys.retain(|k| k.serial != serial);
    platform.retired.retain(|r| r != serial);
    Ok(())
}

/// The merchant applied for a WeChat Pay public key: the platform has it
/// (answers to requests naming it are signed with it, fields encrypted
/// with it decrypt) but certificates still sign by default.
pub(crate) fn add_public_key(
    shared: &Shared,
    id: &str,
    private_key: PrivateKey,
) -> Result<(), SandboxError> {
    public_key(shared, id, private_key, false)
}

/// The platform switches to the public key: added if needed, and the
/// default signer; certificates still sign answers to requests naming them.
pub(crate) fn switch_to_public_key(
    shared: &Shared,
    id: &str,
    private_key: PrivateKey,
) -> Result<(), SandboxError> {
    public_key(shared, id, private_key, true)
}

fn public_key(
    shared: &Shared,
    id: &str,
    private_key: PrivateKey,
    make_default: bool,
) -> Result<(), SandboxError> {
    if !id.starts_with("PUB_KEY_ID_") {
        return Err(config(format!(
            "a WeChat Pay public key id starts with PUB_KEY_ID_, not {id:?}"
        )));
    }
    let mut platform = write(shared);
    match platform.keys.iter().find(|k| k.serial == id) {
        Some(k) if k.is_certificate() => {
            return Err(config(format!("{id} names a certificate")));
        }
        Some(_) => {}
        None => platform.keys.push(SigningKey::public_key(id, private_key)),
    }
    if make_default {
        platform.default_serial = id.to_owned();
    }
    Ok(())
}

/// Ends the migration: every certificate is removed, leaving public-key mode.
/// Returns how many were removed.
pub(crate) fn remove_certificates(shared: &Shared) -> Result<usize, SandboxError> {
    let mut platform = write(shared);
    let Some(public_key) = platform
        .keys
        .iter()
        .find(|k| !k.is_certificate())
        .map(|k| k.serial.clone())
    else {
        return Err(config(
            "no WeChat Pay public key to sign with: switch to the public key first",
        ));
    };
    let before = platform.keys.len();
    platform.keys.retain(|k| !k.is_certificate());
    platform.retired.clear();
    platform.default_serial = public_key;
    Ok(before - platform.keys.len())
}

/// The key a request's encrypted fields may use: a public key, or a
/// certificate still listed (retired ones included) and not expired.
pub(crate) fn decryption_key(shared: &Shared, serial: &str) -> Option<SigningKey> {
    let platform = shared.platform();
    let now = SystemTime::now();
    platform
        .keys
        .into_iter()
        .find(|k| k.serial == serial)
        .filter(|k| k.certificate.as_ref().is_none_or(|c| now <= c.not_after()))
}
