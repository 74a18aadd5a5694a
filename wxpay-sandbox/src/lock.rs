//! Locks that survive a panic.
//!
//! Every lock of the sandbox is taken through [`Recover::recover`]: when a
//! thread panicked while holding one, the next user takes the data as it
//! was left instead of panicking too. Each change under a lock is a single
//! step (an insert, a state move), so what a panic leaves is still
//! consistent, and one failed request must not take every later one down.

use std::sync::{LockResult, PoisonError};

/// The guard of a lock, poisoned or not.
pub(crate) trait Recover<G> {
    /// The guard, recovered from a poisoned lock too.
    fn recover(self) -> G;
}

impl<G> Recover<G> for LockResult<G> {
    fn recover(self) -> G {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}
