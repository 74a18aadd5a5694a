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
/// instances need a store they share: `RedisDeduplicator` in `wxpay-redis`
/// (the `redis` feature of `wxpay`), or their own implementation (a unique
/// key in their database, …); errors it returns make the handler refuse the
/// notification, so it comes again.
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
    /// Ids from oldest to newest: in the order they were first claimed,
    /// except that a claim still in progress when room was needed moved to
    /// the back. Room is made from the front.
    order: VecDeque<String>,
}

/// The refusal [`MemoryDeduplicator`] answers a claim with when every id
/// it remembers is still being processed: [`Notifications`] reports it as
/// [`Outcome::Store`] (answer `500`), so the platform delivers the
/// notification again later.
///
/// [`Notifications`]: crate::notify::Notifications
/// [`Outcome::Store`]: crate::notify::Outcome::Store
#[derive(Debug, PartialEq, Eq)]
struct Full {
    capacity: usize,
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "all {} notification ids remembered are still in progress; refused for now, the platform delivers it again (raise MemoryDeduplicator's capacity?)",
            self.capacity
        )
    }
}

impl std::error::Error for Full {}

/// An in-memory [`Deduplicator`] for one process, bounded: it remembers at
/// most `capacity` ids (default 10 000). To make room it forgets finished
/// ids, oldest first, and lapsed claims; never a claim still in progress,
/// which would let a concurrent redelivery be processed a second time.
/// When every id it remembers is in progress, a claim for a new id is
/// refused with an error (the handler answers `500` and the platform
/// delivers the notification again later) until one finishes or lapses.
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

    /// Whether a claim made at `since` is still in force at `now`.
    fn live(&self, since: Instant, now: Instant) -> bool {
        now.saturating_duration_since(since) < self.processing_timeout
    }

    /// The synchronous core of [`Deduplicator::claim`], at time `now`.
    fn claim_at(&self, id: &str, now: Instant) -> Result<Claim, Full> {
        let mut ids = self.lock();
        match ids.entries.get_mut(id) {
            Some(Entry::Done) => return Ok(Claim::Done),
            Some(Entry::Processing(since)) if self.live(*since, now) => {
                return Ok(Claim::InProgress);
            }
            Some(entry) => {
                // A lapsed claim: taken over.
                *entry = Entry::Processing(now);
                return Ok(Claim::New);
            }
            None => {}
        }
        // Make room from the oldest end, passing over (to the back) claims
        // still in progress; each remembered id is looked at once at most.
        let mut unseen = ids.order.len();
        while ids.entries.len() >= self.capacity && unseen > 0 {
            unseen -= 1;
            let Some(oldest) = ids.order.pop_front() else {
                break;
            };
            match ids.entries.get(&oldest) {
                Some(Entry::Processing(since)) if self.live(*since, now) => {
                    ids.order.push_back(oldest);
                }
                _ => {
                    ids.entries.remove(&oldest);
                }
            }
        }
        if ids.entries.len() >= self.capacity {
            return Err(Full {
                capacity: self.capacity,
            });
        }
        ids.entries.insert(id.to_owned(), Entry::Processing(now));
        ids.order.push_back(id.to_owned());
        Ok(Claim::New)
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
        Box::pin(async move { claim.map_err(BoxError::from) })
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
        assert_eq!(d.claim_at("EV-1", t), Ok(Claim::New));
        assert_eq!(d.claim_at("EV-1", t), Ok(Claim::InProgress));
        d.release_now("EV-1");
        assert_eq!(d.claim_at("EV-1", t), Ok(Claim::New));
        d.complete_now("EV-1");
        assert_eq!(d.claim_at("EV-1", t), Ok(Claim::Done));
        assert_eq!(d.claim_at("EV-2", t), Ok(Claim::New));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn unfinished_claims_lapse() {
        let d = MemoryDeduplicator::new(10).processing_timeout(Duration::from_secs(60));
        let t = Instant::now();
        assert_eq!(d.claim_at("EV-1", t), Ok(Claim::New));
        assert_eq!(
            d.claim_at("EV-1", t + Duration::from_secs(59)),
            Ok(Claim::InProgress)
        );
        assert_eq!(
            d.claim_at("EV-1", t + Duration::from_secs(61)),
            Ok(Claim::New)
        );
        d.complete_now("EV-1");
        // Done never lapses.
        assert_eq!(
            d.claim_at("EV-1", t + Duration::from_secs(10_000)),
            Ok(Claim::Done)
        );
    }

    #[test]
    fn memory_is_bounded_and_forgets_the_oldest() {
        let d = MemoryDeduplicator::new(3);
        let t = Instant::now();
        for id in ["a", "b", "c"] {
            assert_eq!(d.claim_at(id, t), Ok(Claim::New));
            d.complete_now(id);
        }
        assert_eq!(d.claim_at("d", t), Ok(Claim::New));
        assert_eq!(d.len(), 3);
        assert_eq!(
            d.claim_at("a", t),
            Ok(Claim::New),
            "the oldest was forgotten"
        );
        assert_eq!(d.claim_at("d", t), Ok(Claim::InProgress));
        assert_eq!(d.claim_at("c", t), Ok(Claim::Done));
        // A released id leaves no trace in the order either.
        d.release_now("d");
        assert_eq!(d.len(), 2);
        assert_eq!(MemoryDeduplicator::new(0).capacity, 1);
    }

    #[tokio::test]
    async fn a_claim_in_progress_is_never_forgotten_to_make_room() {
        let d = MemoryDeduplicator::new(2);
        assert_eq!(d.claim("EV-1").await.unwrap(), Claim::New);
        assert_eq!(d.claim("EV-2").await.unwrap(), Claim::New);
        // Full of deliveries being processed: a third is refused (the
        // handler answers 500 and the platform delivers it again later)
        // rather than making room by forgetting one of them.
        let refused = d.claim("EV-3").await;
        assert!(refused.is_err(), "{refused:?}");
        let text = refused.unwrap_err().to_string();
        assert!(text.contains("in progress"), "{text}");
        // A redelivery of one being processed is still seen as such: it is
        // not processed a second time.
        assert_eq!(d.claim("EV-1").await.unwrap(), Claim::InProgress);
        assert_eq!(d.claim("EV-2").await.unwrap(), Claim::InProgress);
        assert_eq!(d.len(), 2);
        // Once one is finished there is room again, made by forgetting it.
        d.complete("EV-1").await.unwrap();
        assert_eq!(d.claim("EV-3").await.unwrap(), Claim::New);
        assert_eq!(d.claim("EV-2").await.unwrap(), Claim::InProgress);
        assert_eq!(d.claim("EV-3").await.unwrap(), Claim::InProgress);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn room_is_made_from_finished_and_lapsed_claims_oldest_first() {
        let d = MemoryDeduplicator::new(3).processing_timeout(Duration::from_secs(60));
        let t = Instant::now();
        assert_eq!(d.claim_at("busy", t), Ok(Claim::New));
        assert_eq!(d.claim_at("done-1", t), Ok(Claim::New));
        d.complete_now("done-1");
        assert_eq!(d.claim_at("done-2", t), Ok(Claim::New));
        d.complete_now("done-2");
        // The oldest finished id goes first; the older claim in progress stays.
        assert_eq!(d.claim_at("new-1", t), Ok(Claim::New));
        assert_eq!(d.claim_at("busy", t), Ok(Claim::InProgress));
        assert_eq!(d.claim_at("done-2", t), Ok(Claim::Done));
        // done-1 was forgotten, so it is new; done-2 makes room for it.
        assert_eq!(d.claim_at("done-1", t), Ok(Claim::New));
        assert_eq!(d.claim_at("busy", t), Ok(Claim::InProgress));
        assert_eq!(d.claim_at("new-1", t), Ok(Claim::InProgress));
        assert_eq!(d.len(), 3);
        // busy, new-1 and done-1 all in progress: no room…
        assert!(d.claim_at("new-2", t).is_err());
        // …until a claim lapses (a handler that died): then it is forgotten.
        let later = t + Duration::from_secs(61);
        assert_eq!(d.claim_at("new-2", later), Ok(Claim::New));
        assert_eq!(d.len(), 3);
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
