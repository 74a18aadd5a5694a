//! Telling a GZIP file from a plain one, and inflating it a bounded step at
//! a time.
//!
//! Compressed input is queued as it arrives and inflated only when the
//! reader asks for more ([`Decoder::pull`]), at most [`OUTPUT_STEP`] (plus
//! what one [`INPUT_STEP`] can expand to) per call. Memory therefore stays
//! bounded by those constants and one network chunk, whatever the
//! compression ratio and however the transport cuts the body.

use std::io::Write as _;

use bytes::{Buf as _, Bytes};
use flate2::write::GzDecoder;

/// Compressed bytes handed to the inflater at once: deflate expands at most
/// about 1032 to 1, so one step yields at most about 260 KiB.
const INPUT_STEP: usize = 256;

/// A pull stops inflating once it has this much output.
pub(super) const OUTPUT_STEP: usize = 64 * 1024;

/// What the file turned out to be, and the state of its decoding.
pub(super) enum Decoder {
    /// Not yet known: the first two bytes decide (GZIP starts with 1f 8b).
    Sniff(Vec<u8>),
    Plain,
    Gzip {
        inflater: Box<GzDecoder<Vec<u8>>>,
        /// Compressed input not inflated yet.
        pending: Bytes,
    },
}

impl Decoder {
    pub(super) fn new() -> Self {
        Decoder::Sniff(Vec::new())
    }

    pub(super) fn is_gzip(&self) -> bool {
        matches!(self, Decoder::Gzip { .. })
    }

    /// Takes in bytes of the file as sent. Returns what can be handed out
    /// at once (a plain file's bytes); compressed input waits for [`pull`](Self::pull).
    pub(super) fn push(&mut self, data: Bytes) -> Bytes {
        match self {
            Decoder::Sniff(start) => {
                start.extend_from_slice(&data);
                if start.len() < 2 {
                    return Bytes::new();
                }
                let start = Bytes::from(std::mem::take(start));
                if start.starts_with(&[0x1f, 0x8b]) {
                    *self = Decoder::Gzip {
                        inflater: Box::new(GzDecoder::new(Vec::new())),
                        pending: start,
                    };
                    Bytes::new()
                } else {
                    *self = Decoder::Plain;
                    start
                }
            }
            Decoder::Plain => data,
            Decoder::Gzip { pending, .. } => {
                // Only called once the queue is empty (see `pull`).
                *pending = data;
                Bytes::new()
            }
        }
    }

    /// Inflates queued input until about [`OUTPUT_STEP`] bytes came out or
    /// the queue is empty. An empty result means more input is needed.
    pub(super) fn pull(&mut self) -> Result<Bytes, String> {
        let Decoder::Gzip { inflater, pending } = self else {
            return Ok(Bytes::new());
        };
        while !pending.is_empty() && inflater.get_ref().len() < OUTPUT_STEP {
            let step = pending.len().min(INPUT_STEP);
            let taken = inflater
                .write(pending.get(..step).unwrap_or_default())
                .map_err(|e| format!("gzip: {e}"))?;
            if taken == 0 {
                return Err("data after the end of the gzip stream".into());
            }
            pending.advance(taken);
        }
        Ok(Bytes::from(std::mem::take(inflater.get_mut())))
    }

    /// Whether input is queued that [`pull`](Self::pull) has not inflated yet.
    pub(super) fn has_pending(&self) -> bool {
        matches!(self, Decoder::Gzip { pending, .. } if !pending.is_empty())
    }

    /// The input ended: the rest of the file (a file shorter than two bytes,
    /// or what the inflater still held), or why it is incomplete.
    pub(super) fn finish(&mut self) -> Result<Bytes, String> {
        match self {
            Decoder::Sniff(start) => {
                let start = Bytes::from(std::mem::take(start));
                *self = Decoder::Plain;
                Ok(start)
            }
            Decoder::Plain => Ok(Bytes::new()),
            Decoder::Gzip { inflater, .. } => {
                let result = inflater.try_finish();
                let rest = Bytes::from(std::mem::take(inflater.get_mut()));
                result.map(|()| rest).map_err(|e| format!("gzip: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn each_pull_is_bounded_whatever_the_ratio() {
        // 16 MiB of zeros compress to about 16 KiB: a 1000-to-1 file.
        let original = vec![0u8; 16 << 20];
        let packed = gzip(&original);
        assert!(packed.len() < 32 << 10, "{}", packed.len());
        let mut d = Decoder::new();
        // The whole file arrives as one piece.
        assert!(d.push(Bytes::from(packed)).is_empty());
        assert!(d.is_gzip());
        let mut total = 0;
        let mut largest = 0;
        while d.has_pending() {
            let out = d.pull().unwrap();
            largest = largest.max(out.len());
            total += out.len();
        }
        total += d.finish().unwrap().len();
        assert_eq!(total, original.len());
        assert!(largest <= OUTPUT_STEP + 1032 * INPUT_STEP, "{largest}");
    }

    #[test]
    fn plain_files_pass_through_and_tiny_ones_at_the_end() {
        let mut d = Decoder::new();
        assert_eq!(d.push(Bytes::from_static(b"a")), Bytes::new());
        assert_eq!(d.finish().unwrap(), Bytes::from_static(b"a"));
        let mut d = Decoder::new();
        assert_eq!(d.push(Bytes::from_static(b"ab")), Bytes::from_static(b"ab"));
        assert_eq!(d.push(Bytes::from_static(b"c")), Bytes::from_static(b"c"));
        assert!(!d.is_gzip());
    }

    #[test]
    fn trailing_garbage_and_truncation_are_errors() {
        let mut packed = gzip(b"hello");
        packed.extend_from_slice(b"more");
        let mut d = Decoder::new();
        d.push(Bytes::from(packed));
        let mut result = Ok(Bytes::new());
        while d.has_pending() && result.is_ok() {
            result = d.pull();
        }
        assert!(result.unwrap_err().contains("after the end"));

        let packed = gzip(b"hello world");
        let mut d = Decoder::new();
        d.push(Bytes::copy_from_slice(&packed[..packed.len() - 4]));
        while d.has_pending() {
            d.pull().unwrap();
        }
        assert!(d.finish().is_err());
    }
}
