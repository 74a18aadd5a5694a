//! The request nonce.

use std::fmt;

use crate::crypto::{CryptoError, random_bytes};

/// A 32-character request nonce of `[0-9A-Za-z]`, drawn from OpenSSL's CSPRNG.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Nonce([u8; 32]);

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Nonce {
    /// Draws a fresh nonce. Each byte from the CSPRNG below 248 (= 4 × 62)
    /// maps to one character, so every character is equally likely.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut out = [0u8; 32];
        let mut filled = 0;
        let mut pool = [0u8; 48];
        while filled < out.len() {
            random_bytes(&mut pool)?;
            for &b in &pool {
                if b < 248 {
                    if let (Some(slot), Some(&c)) =
                        (out.get_mut(filled), ALPHABET.get(usize::from(b % 62)))
                    {
                        *slot = c;
                        filled += 1;
                    }
                }
            }
        }
        Ok(Nonce(out))
    }

    /// Wraps a given 32-character nonce (tests, known-answer vectors).
    /// Returns `None` unless it is 32 characters of `[0-9A-Za-z]`.
    pub fn from_str_exact(s: &str) -> Option<Self> {
        let bytes: [u8; 32] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_alphanumeric)
            .then_some(Nonce(bytes))
    }

    /// The nonce text.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Nonce {
    // Like `Authorization`'s: a request nonce in a log helps a replay.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce(..)")
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_alphabet_length_and_freshness() {
        let a = Nonce::generate().unwrap();
        let b = Nonce::generate().unwrap();
        assert_ne!(a, b);
        for n in [a, b] {
            assert_eq!(n.as_str().len(), 32);
            assert!(n.as_str().bytes().all(|c| c.is_ascii_alphanumeric()));
        }
        // Over many draws every character of the alphabet shows up.
        let mut seen = [false; 128];
        for _ in 0..200 {
            for c in Nonce::generate().unwrap().as_str().bytes() {
                seen[usize::from(c)] = true;
            }
        }
        assert!(ALPHABET.iter().all(|&c| seen[usize::from(c)]));
        assert!(Nonce::from_str_exact("short").is_none());
        assert!(Nonce::from_str_exact("5K8264ILTKCH16CQ2502SI8ZNMTM67V-").is_none());
    }

    #[test]
    fn debug_hides_the_nonce() {
        let nonce = Nonce::generate().unwrap();
        assert!(!format!("{nonce:?}").contains(nonce.as_str()));
    }
}
