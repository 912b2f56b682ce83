//! A few slots per user: taken for the length of a request (or a stream), given back
//! when its guard drops. A user who has them all waits a little, then is refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Per-user slots.
pub struct UserSlots {
    per_user: usize,
    wait: Duration,
    users: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

/// A slot held; dropping it gives it back.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl UserSlots {
    pub fn new(per_user: usize, wait: Duration) -> Self {
        Self {
            per_user: per_user.max(1),
            wait,
            users: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, user: i64) -> Arc<Semaphore> {
        let mut users = self
            .users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Users with every slot free need no entry: forget them now and then, so the map
        // holds only users with something running.
        if users.len() > 1_024 {
            let per_user = self.per_user;
            users.retain(|_, s| s.available_permits() < per_user || Arc::strong_count(s) > 1);
        }
        users
            .entry(user)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_user)))
            .clone()
    }

    /// One of `user`'s slots, waiting up to the configured time; `None` when they stay
    /// taken.
    pub async fn take(&self, user: i64) -> Option<Slot> {
        let semaphore = self.semaphore(user);
        if let Ok(permit) = semaphore.clone().try_acquire_owned() {
            return Some(Slot { _permit: permit });
        }
        if self.wait.is_zero() {
            return None;
        }
        match tokio::time::timeout(self.wait, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Some(Slot { _permit: permit }),
            _ => None,
        }
    }

    /// How many slots each user has.
    pub fn per_user(&self) -> usize {
        self.per_user
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_user_has_their_own_slots_and_gets_them_back() {
        let slots = UserSlots::new(2, Duration::ZERO);
        let a = slots.take(1).await.unwrap();
        let _b = slots.take(1).await.unwrap();
        assert!(slots.take(1).await.is_none(), "a third is refused");
        assert!(
            slots.take(2).await.is_some(),
            "another user is not affected"
        );
        drop(a);
        assert!(
            slots.take(1).await.is_some(),
            "a slot given back is free again"
        );
    }

    #[tokio::test]
    async fn a_waiting_request_gets_the_next_free_slot() {
        let slots = Arc::new(UserSlots::new(1, Duration::from_secs(5)));
        let held = slots.take(7).await.unwrap();
        let waiter = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.take(7).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        assert!(waiter.await.unwrap());
    }
}
