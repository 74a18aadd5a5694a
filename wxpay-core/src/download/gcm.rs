//! AEAD_AES_256_GCM decryption of an encrypted bill, as it streams in.

use bytes::Bytes;
use openssl::symm::{Cipher, Crypter, Mode};

use crate::error::{BuildError, Error};

/// Length of the AES-GCM tag ending an encrypted file.
const GCM_TAG_LEN: usize = 16;

/// AEAD_AES_256_GCM decryption of a stream whose last 16 bytes are the tag.
pub(super) struct GcmDecrypt {
    crypter: Crypter,
    /// Input not yet decrypted: at least the last 16 bytes seen.
    held: Vec<u8>,
}

impl GcmDecrypt {
    pub(super) fn new(key: &[u8], nonce: &[u8]) -> Result<Self, Error> {
        if key.len() != 32 {
            return Err(Error::build(format!(
                "the bill's key is {} bytes; only AEAD_AES_256_GCM (32-byte keys) is supported",
                key.len()
            )));
        }
        if nonce.is_empty() {
            return Err(Error::build("the bill's nonce is empty"));
        }
        let crypter = Crypter::new(Cipher::aes_256_gcm(), Mode::Decrypt, key, Some(nonce))
            .map_err(|e| BuildError::with_source("AES-256-GCM could not be set up", e))?;
        Ok(GcmDecrypt {
            crypter,
            held: Vec::new(),
        })
    }

    pub(super) fn update(&mut self, data: &[u8]) -> Result<Bytes, ()> {
        self.held.extend_from_slice(data);
        let ready = self.held.len().saturating_sub(GCM_TAG_LEN);
        if ready == 0 {
            return Ok(Bytes::new());
        }
        let mut out = vec![0u8; ready + 16];
        let input = self.held.get(..ready).ok_or(())?;
        let n = self.crypter.update(input, &mut out).map_err(|_| ())?;
        out.truncate(n);
        self.held.drain(..ready);
        Ok(Bytes::from(out))
    }

    pub(super) fn finish(&mut self) -> Result<(), ()> {
        if self.held.len() != GCM_TAG_LEN {
            return Err(());
        }
        self.crypter.set_tag(&self.held).map_err(|_| ())?;
        let mut rest = [0u8; 16];
        self.crypter.finalize(&mut rest).map_err(|_| ())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_streams_and_checks_the_tag() {
        let key = [7u8; 32];
        let nonce = b"a8607ef79034c49c";
        let plain: Vec<u8> = (0..5000u32).map(|i| (i % 200) as u8).collect();
        let mut tag = [0u8; 16];
        let mut sealed = openssl::symm::encrypt_aead(
            Cipher::aes_256_gcm(),
            &key,
            Some(nonce),
            b"",
            &plain,
            &mut tag,
        )
        .unwrap();
        sealed.extend_from_slice(&tag);
        let mut d = GcmDecrypt::new(&key, nonce).unwrap();
        let mut out = Vec::new();
        for piece in sealed.chunks(333) {
            out.extend_from_slice(&d.update(piece).unwrap());
        }
        d.finish().unwrap();
        assert_eq!(out, plain);

        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let mut d = GcmDecrypt::new(&key, nonce).unwrap();
        d.update(&bad).unwrap();
        assert!(d.finish().is_err());
        assert!(GcmDecrypt::new(&[0; 16], nonce).is_err());
    }
}
