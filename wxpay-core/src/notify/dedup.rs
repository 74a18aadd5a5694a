//! Processing each notification once: the [`Deduplicator`] hook and its
//! in-memory default.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::BoxError;
use crate::transport::BoxFuture;

/// What [`Deduplicator::claim`] found for a notification id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not seen before (or released after a failure): the caller now holds
    /// it and must [`complete`](Deduplicator::complete) or
    /// [`release`](Deduplicator::release) it.
    New,
    /// Another delivery of it is being processed right now: refuse this one
    /// (the platform sends it again later), so that it is not acknowledged
    /// before the other processing is known to have succeeded.
    InProgress,
    /// Already processed: acknowledge without processing again.
    Done,
}

/// Remembers which notification ids were processed, so a handler processes
/// each notification once although the platform may deliver it more than
/// once.
///
/// The life of an id: [`claim`](Self::claim) → processing →
/// [`complete`](Self::complete) on success, or [`release`](Self::release)
/// on failure so that the next delivery is processed. A claim (rather than
/// a single "seen?" test) keeps two concurrent deliveries of one
/// notification from both being processed, and keeps a delivery from being
/// acknowledged as a duplicate while the first processing may still fail.
///
/// [`MemoryDeduplicator`] serves one process. Services with several
/// instances implement this over a shared store (a unique key in their
/// database, Redis `SET NX` with an expiry, …); errors they return make the
/// handler refuse the notification, so it comes again.
pub trait Deduplicator: Send + Sync + 'static {
    /// Claims `id` for processing; see [`Claim`].
    fn claim<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Claim, BoxError>>;
    /// Marks `id` processed: later deliveries are [`Claim::Done`].
    fn complete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
    /// Forgets a claim after a failure: the next delivery is [`Claim::New`].
    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Processing(Instant),
    Done,
}

#[derive(Debug, Default)]
struct Ids {
    entries: HashMap<String, Entry>,
    /// Ids in the order they were first claimed; the oldest are forgotten
    /// first when the capacity is reached.
    order: VecDeque<String>,
}

/// An in-memory [`Deduplicator`] for one process, bounded: it remembers at
/// most `capacity` ids (default 10 000) and forgets the oldest first.
///
/// A claim not completed nor released within `processing_timeout` (default
/// 5 minutes; a handler that panicked, say) lapses, and the next delivery
/// is processed.
///
/// The platform's retries span about 24 hours; size the capacity for the
/// notifications a day brings, or accept that a duplicate older than the
/// memory is processed again (processing should tolerate it anyway).
#[derive(Debug)]
pub struct MemoryDeduplicator {
    capacity: usize,
    processing_timeout: Duration,
    ids: Mutex<Ids>,
}

impl Default for MemoryDeduplicator {
    fn default() -> Self {
        Self::new(10_000)
    }
}

impl MemoryDeduplicator {
    /// Remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDeduplicator {
            capacity: capacity.max(1),
            processing_timeout: Duration::from_secs(300),
            ids: Mutex::new(Ids::default()),
        }
    }

    /// How long a claim may stay unfinished before it lapses.
    pub fn processing_timeout(mut self, timeout: Duration) -> Self {
        self.processing_timeout = timeout;
        self
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ids> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The synchronous core of [`Deduplicator::claim`], at time `now`.
    fn claim_at(&self, id: &str, now: Instant) -> Claim {
        let mut ids = self.lock();
        match ids.entries.get_mut(id) {
            Some(Entry::Done) => return Claim::Done,
            Some(Entry::Processing(since))
                if now.saturating_duration_since(*since) < self.processing_timeout =>
            {
                return Claim::InProgress;
            }
            Some(entry) => {
                // A lapsed claim: taken over.
                *entry = Entry::Processing(now);
                return Claim::New;
            }
            None => {}
        }
        while ids.entries.len() >= self.capacity {
            let Some(oldest) = ids.order.pop_front() else {
                break;
            };
            ids.entries.remove(&oldest);
        }
        ids.entries.insert(id.to_owned(), Entry::Processing(now));
        ids.order.push_back(id.to_owned());
        Claim::New
    }

    fn complete_now(&self, id: &str) {
        if let Some(entry) = self.lock().entries.get_mut(id) {
            *entry = Entry::Done;
        }
    }

    fn release_now(&self, id: &str) {
        let mut ids = self.lock();
        if ids.entries.remove(id).is_some() {
            ids.order.retain(|o| o != id);
        }
    }
}

impl Deduplicator for MemoryDeduplicator {
    fn claim<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Claim, BoxError>> {
        let claim = self.claim_at(id, Instant::now());
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        self.complete_now(id);
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        self.release_now(id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_processed_once_and_retried_after_a_failure() {
        let d = MemoryDeduplicator::new(10);
        let t = Instant::now();
        assert_eq!(d.claim_at("EV-1", t), Claim::New);
        assert_eq!(d.claim_at("EV-1", t), Claim::InProgress);
        d.release_now("EV-1");
        assert_eq!(d.claim_at("EV-1", t), Claim::New);
        d.complete_now("EV-1");
        assert_eq!(d.claim_at("EV-1", t), Claim::Done);
        assert_eq!(d.claim_at("EV-2", t), Claim::New);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn unfinished_claims_lapse() {
        let d = MemoryDeduplicator::new(10).processing_timeout(Duration::from_secs(60));
        let t = Instant::now();
        assert_eq!(d.claim_at("EV-1", t), Claim::New);
        assert_eq!(
            d.claim_at("EV-1", t + Duration::from_secs(59)),
            Claim::InProgress
        );
        assert_eq!(d.claim_at("EV-1", t + Duration::from_secs(61)), Claim::New);
        d.complete_now("EV-1");
        // Done never lapses.
        assert_eq!(
            d.claim_at("EV-1", t + Duration::from_secs(10_000)),
            Claim::Done
        );
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let d = MemoryDeduplicator::new(3);
        let t = Instant::now();
        for id in ["a", "b", "c"] {
            assert_eq!(d.claim_at(id, t), Claim::New);
            d.complete_now(id);
        }
        assert_eq!(d.claim_at("d", t), Claim::New);
        assert_eq!(d.len(), 3);
        assert_eq!(d.claim_at("a", t), Claim::New, "the oldest was forgotten");
        assert_eq!(d.claim_at("d", t), Claim::InProgress);
        assert_eq!(d.claim_at("c", t), Claim::Done);
        // A released id leaves no trace in the order either.
        d.release_now("d");
        assert_eq!(d.len(), 2);
        assert_eq!(MemoryDeduplicator::new(0).capacity, 1);
    }

    #[tokio::test]
    async fn works_through_the_trait_object() {
        let d: Box<dyn Deduplicator> = Box::new(MemoryDeduplicator::default());
        assert_eq!(d.claim("EV-9").await.unwrap(), Claim::New);
        d.complete("EV-9").await.unwrap();
        assert_eq!(d.claim("EV-9").await.unwrap(), Claim::Done);
        d.release("EV-9").await.unwrap();
        assert_eq!(d.claim("EV-9").await.unwrap(), Claim::New);
    }
}
