//! Background work as named jobs: the sync scheduler and workers, scheduled sends, push
//! maintenance and the event tail. Each is a [`Job`] whose steps the runner repeats,
//! pausing between them as the step asks (woken early by its [`Job::wake`]), counting
//! each step in the metrics by job and outcome, and catching a step that panics so one
//! bad mailbox never silently ends a loop for the whole process.
//!
//! Shutdown (SIGTERM, SIGINT; `startup` calls [`Jobs::shutdown`]): no job starts another
//! step, a pause ends at once, and a step that watches [`Stopping`] gives up what it
//! holds — a sync run stops where it is and releases its lease, so another replica takes
//! the mailbox over in seconds rather than after the lease; a scheduled send already
//! handed to the provider is finished, never abandoned half way. Open event streams
//! watch the same signal and end, so the HTTP server's graceful stop does not wait on them.

use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// A pause after a step that panicked, so a step that always panics does not spin.
const AFTER_PANIC: Duration = Duration::from_secs(5);

/// Whether the process is stopping, as jobs and long responses see it.
#[derive(Debug, Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    /// True once shutdown has begun.
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once shutdown has begun (at once if it has).
    pub async fn wait(&self) {
        let mut receiver = self.0.clone();
        // An error means the runner is gone, which only happens as the process ends.
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }
}

/// How a step went, for the metrics and the pause that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did something; there may be more.
    Worked,
    /// There was nothing to do.
    Idle,
    /// It failed (and logged why); the job tries again after the pause.
    Failed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Worked => "worked",
            Outcome::Idle => "idle",
            Outcome::Failed => "failed",
        }
    }
}

/// What a step asks of the runner: how it went and how long to wait before the next.
#[derive(Debug, Clone, Copy)]
pub struct Next {
    pub outcome: Outcome,
    pub pause: Duration,
}

impl Next {
    pub fn after(outcome: Outcome, pause: Duration) -> Self {
        Next { outcome, pause }
    }

    /// Worked, and the next step may start at once.
    pub fn again() -> Self {
        Next::after(Outcome::Worked, Duration::ZERO)
    }
}

/// One kind of background work.
pub trait Job: Send + Sync + 'static {
    /// One unit of work. A step that holds something another process could take over
    /// watches `stopping` and lets go of it when it is set.
    fn step(&mut self, stopping: &Stopping) -> impl Future<Output = Next> + Send;

    /// What wakes this job early from a pause (new work was queued in this process).
    fn wake(&self) -> Option<&Notify> {
        None
    }
}

/// The process's jobs and its stop signal.
#[derive(Debug)]
pub struct Jobs {
    stop: watch::Sender<bool>,
    running: Mutex<Vec<(&'static str, JoinHandle<()>)>>,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            stop: watch::Sender::new(false),
            running: Mutex::new(Vec::new()),
        }
    }
}

impl Jobs {
    /// The stop signal, for work that must end when the process stops.
    pub fn stopping(&self) -> Stopping {
        Stopping(self.stop.subscribe())
    }

    /// Starts `job` under `name` (a metrics label: the kind of job, not an instance).
    pub fn spawn<J: Job>(&self, name: &'static str, mut job: J) {
        let stopping = self.stopping();
        let handle = tokio::spawn(async move {
            while !stopping.is_set() {
                let started = Instant::now();
                let next = match AssertUnwindSafe(job.step(&stopping)).catch_unwind().await {
                    Ok(next) => next,
                    Err(_) => {
                        tracing::error!(job = name, "a background step panicked; the job goes on");
                        Next::after(Outcome::Failed, AFTER_PANIC)
                    }
                };
                crate::metrics::job_step(name, next.outcome.label(), started.elapsed());
                if next.pause.is_zero() {
                    // Let the other tasks on this thread run between back-to-back steps.
                    tokio::task::yield_now().await;
                    continue;
                }
                let woken = async {
                    match job.wake() {
                        Some(notify) => notify.notified().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep(next.pause) => {}
                    () = woken => {}
                    () = stopping.wait() => {}
                }
            }
            tracing::debug!(job = name, "job stopped");
        });
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name, handle));
    }

    /// Begins shutdown: no job starts another step and every pause ends.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stops every job and waits up to `grace` for them to let go of what they hold;
    /// a job still running then is cut off (and logged). Returns how many were.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        self.stop();
        let running: Vec<_> = std::mem::take(
            &mut *self
                .running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let deadline = tokio::time::Instant::now() + grace;
        let mut cut_off = 0;
        for (name, mut handle) in running {
            if tokio::time::timeout_at(deadline, &mut handle)
                .await
                .is_err()
            {
                handle.abort();
                cut_off += 1;
                tracing::warn!(job = name, "a job did not stop in time and was cut off");
            }
        }
        cut_off
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(Arc<AtomicUsize>);

    impl Job for Counting {
        async fn step(&mut self, _: &Stopping) -> Next {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            assert!(n != 1, "the second step panics");
            Next::after(Outcome::Idle, Duration::from_millis(1))
        }
    }

    /// Holds its step until stopped, as a sync run holds its lease.
    struct Holding(Arc<AtomicUsize>);

    impl Job for Holding {
        async fn step(&mut self, stopping: &Stopping) -> Next {
            stopping.wait().await;
            self.0.fetch_add(1, Ordering::SeqCst);
            Next::after(Outcome::Worked, Duration::from_secs(3600))
        }
    }

    #[tokio::test]
    async fn a_panicking_step_does_not_end_its_job() {
        let jobs = Jobs::default();
        let steps = Arc::new(AtomicUsize::new(0));
        jobs.spawn("counting", Counting(steps.clone()));
        // The panic's report (a backtrace, when asked for) takes its time: wait for the
        // steps after the pause rather than guess how long it lasts.
        let waited = Instant::now();
        while steps.load(Ordering::SeqCst) <= 2 {
            assert!(
                waited.elapsed() < AFTER_PANIC * 4,
                "no step ran after the panic"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(jobs.shutdown(Duration::from_secs(1)).await, 0);
    }

    #[tokio::test]
    async fn shutdown_lets_a_held_step_let_go_and_ends_every_pause() {
        let jobs = Jobs::default();
        let released = Arc::new(AtomicUsize::new(0));
        jobs.spawn("holding", Holding(released.clone()));
        jobs.spawn("counting", Counting(Arc::new(AtomicUsize::new(5))));
        // Both are in their first step or pause.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        assert_eq!(jobs.shutdown(Duration::from_secs(5)).await, 0);
        assert_eq!(released.load(Ordering::SeqCst), 1);
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(jobs.stopping().is_set());
    }
}
