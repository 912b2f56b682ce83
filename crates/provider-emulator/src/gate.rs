//! What stands between a request and a provider's API: injected faults, the bearer
//! token, and the mailbox's quota. Each provider answers in its own error shape.

use crate::reply::Reply;
use crate::world::{FaultKind, Provider, QuotaVerdict, Shared, SlotGuard};
use crate::{google, microsoft};
use actix_web::HttpResponse;
use std::time::Duration;

/// Who is calling: the mailbox and what the token allows.
#[derive(Debug, Clone)]
pub struct Caller {
    pub email: String,
    pub scopes: Vec<String>,
}

/// An answer that drops the connection mid-response, as a reset would.
fn reset() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<actix_web::web::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json"))
        .streaming(failing)
}

/// What an injected fault does to one request.
pub enum Faulted {
    /// Serve it, after this delay (a `slow` fault: the caller waits after taking its
    /// concurrency slot, as a slow answer holds it).
    Serve(Option<Duration>),
    /// Send this instead.
    Answer(HttpResponse),
}

/// Draws an injected fault for this request.
pub fn fault(world: &Shared, provider: Provider, path: &str) -> Faulted {
    let (drawn, slow_ms) = {
        let mut world = world.lock();
        (world.faults.draw(provider, path), world.settings.slow_ms)
    };
    let Some(drawn) = drawn else {
        return Faulted::Serve(None);
    };
    let reply = match drawn.kind {
        FaultKind::Slow => return Faulted::Serve(Some(Duration::from_millis(slow_ms))),
        FaultKind::Reset => return Faulted::Answer(reset()),
        FaultKind::Status500 => server_error(provider, 500),
        FaultKind::Status503 => server_error(provider, 503),
        FaultKind::TooMany => throttled(provider, Some(Duration::from_secs(1))),
        FaultKind::TooManyNoRetryAfter => throttled(provider, None),
    };
    Faulted::Answer(reply.into_http())
}

fn server_error(provider: Provider, status: u16) -> Reply {
    match provider {
        Provider::Google => google::errors::backend(status),
        Provider::Microsoft => microsoft::errors::service_error(status),
    }
}

fn throttled(provider: Provider, retry_after: Option<Duration>) -> Reply {
    let reply = match provider {
        Provider::Google => google::errors::rate_limited(429),
        Provider::Microsoft => microsoft::errors::too_many_requests(),
    };
    match retry_after {
        Some(after) => reply.header(
            "retry-after",
            format!("{}", after.as_secs_f64().ceil() as u64),
        ),
        None => reply,
    }
}

/// Checks the bearer token.
pub fn authenticate(
    world: &Shared,
    provider: Provider,
    token: Option<&str>,
) -> Result<Caller, Reply> {
    let Some(token) = token else {
        return Err(match provider {
            Provider::Google => google::errors::unauthenticated(true),
            Provider::Microsoft => microsoft::errors::unauthenticated("Access token is empty."),
        });
    };
    let world = world.lock();
    match world.access(provider, token) {
        Ok(grant) => Ok(Caller {
            email: grant.email.clone(),
            scopes: grant.scopes.clone(),
        }),
        Err(problem) => Err(match provider {
            Provider::Google => google::errors::unauthenticated(false),
            Provider::Microsoft => microsoft::errors::unauthenticated(match problem {
                crate::world::TokenProblem::Expired => {
                    "Lifetime validation failed, the token is expired."
                }
                _ => "IDX14100: JWT is not well formed, there are no dots (.).",
            }),
        }),
    }
}

/// Counts an admitted call's answer against the mailbox.
pub fn count_answer(world: &Shared, provider: Provider, email: &str, reply: &Reply) {
    let limits = world.lock().limits.clone();
    limits.add_bytes(provider, email, reply.body_len());
}

/// Spends the mailbox's quota for one call of `units`.
pub fn admit(
    world: &Shared,
    provider: Provider,
    email: &str,
    units: u64,
) -> Result<SlotGuard, Reply> {
    let limits = world.lock().limits.clone();
    match limits.admit(provider, email, units) {
        QuotaVerdict::Allowed(guard) => Ok(guard),
        QuotaVerdict::RateLimited(retry) => Err(match provider {
            Provider::Google => {
                google::errors::rate_limited(limits.settings().gmail_rate_limit_status)
            }
            Provider::Microsoft => microsoft::errors::too_many_requests().header(
                "retry-after",
                format!("{}", retry.as_secs_f64().ceil().max(1.0) as u64),
            ),
        }),
        QuotaVerdict::Concurrency => Err(match provider {
            Provider::Google => google::errors::too_many_concurrent(),
            Provider::Microsoft => microsoft::errors::concurrency().header("retry-after", "1"),
        }),
    }
}
