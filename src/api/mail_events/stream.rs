use crate::auth::{Caller, TokenClaims};
use crate::events::Event;
use crate::http::ApiError;
use crate::state::AppState;
use crate::store::{mail_accounts, mail_events};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

/// A comment line this often keeps proxies from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// The caller's mailboxes are read again this often (one shared with them meanwhile).
/// An event naming a mailbox never seen by this stream (one just connected) reads them
/// at once; one naming a mailbox already found not to be the caller's, at most every
/// `REFRESH_FOR_UNKNOWN` (other users' mail keeps coming, and must not cost a query
/// per event).
const REFRESH_ACCOUNTS: Duration = Duration::from_secs(30);
const REFRESH_FOR_UNKNOWN: Duration = Duration::from_secs(1);
/// Events replayed after a reconnect (`Last-Event-ID`), at most.
const REPLAY: i64 = 500;

/// `GET /api/mailEvents:stream`: server-sent events about the caller's mailboxes
/// (`message.created`, `message.updated`, `message.deleted`, `account.updated`), each
/// with its id, so a reconnecting page (`Last-Event-ID`) gets what it missed. The
/// stream ends when the caller's token expires: streams never renew tokens (NocoBase's
/// rule), so the page reconnects with the token its other requests renewed.
#[utoipa::path(
    get,
    path = "/api/mailEvents:stream",
    tag = "mailEvents",
    params(("Last-Event-ID" = Option<i64>, Header, description = "The last event id the page received: the events after it (kept 10 minutes) come first")),
    responses(
        (status = 200, description = "`text/event-stream`: `message.created`, `message.updated`, `message.deleted` (`{accountId, count}`), `account.updated` (`{accountId, status, syncPhase, syncDone, syncTotal, lastSyncAt, lastErrorCode}`) and `resync` (reload everything); a comment every 15 s; the stream ends when the token expires", content_type = "text/event-stream", body = String),
        crate::api::openapi::Refusals
    )
)]
pub async fn stream_mail_events(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let user = caller.user_id.0;
    let accounts = visible(&state, user).await?;
    let last_seen = request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading the backlog, so nothing falls between the two.
    let receiver = state.events.subscribe();
    let backlog = match last_seen {
        Some(id) => {
            state
                .store
                .run(move |c| mail_events::after(c, id, REPLAY))
                .await?
        }
        None => Vec::new(),
    };
    let deadline = token_expiry(&request);
    let mut first = String::from("retry: 3000\n: connected\n\n");
    let mut replayed = 0;
    for event in backlog.iter().filter(|e| accounts.contains(&e.account_id)) {
        first.push_str(&frame(event));
        replayed = replayed.max(event.id);
    }
    let open = Open {
        state: state.clone(),
        user,
        accounts,
        foreign: HashSet::new(),
        receiver,
        replayed,
        deadline,
        refreshed: Instant::now(),
        pending: Some(Bytes::from(first)),
    };
    let body = futures_util::stream::unfold(open, |mut open| async move {
        let chunk = open.next().await?;
        Some((Ok::<Bytes, actix_web::Error>(chunk), open))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-transform"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

/// When the caller's token stops being valid (`exp`), as an instant; none for tokens
/// without one.
fn token_expiry(request: &HttpRequest) -> Option<Instant> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    let exp = TokenClaims::peek(token.trim()).ok()?.exp?;
    let left = exp - chrono::Utc::now().timestamp();
    Some(Instant::now() + Duration::from_secs(left.max(0) as u64))
}

async fn visible(state: &AppState, user: i64) -> Result<HashSet<i64>, ApiError> {
    Ok(state
        .store
        .run(move |c| mail_accounts::visible_to(c, user))
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

fn frame(event: &Event) -> String {
    // `data` is one line of JSON: no newline can split the frame.
    format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        event.id, event.kind, event.data
    )
}

/// One open stream.
struct Open {
    state: web::Data<AppState>,
    user: i64,
    accounts: HashSet<i64>,
    /// Mailboxes events named that were not the caller's at the last look.
    foreign: HashSet<i64>,
    receiver: broadcast::Receiver<Arc<Event>>,
    /// Events up to this id were sent from the backlog.
    replayed: i64,
    deadline: Option<Instant>,
    refreshed: Instant,
    pending: Option<Bytes>,
}

impl Open {
    async fn refresh(&mut self) {
        self.refreshed = Instant::now();
        if let Ok(accounts) = visible(&self.state, self.user).await {
            self.foreign.retain(|id| !accounts.contains(id));
            self.accounts = accounts;
        }
    }

    /// The next chunk to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(first) = self.pending.take() {
            return Some(first);
        }
        loop {
            if self.refreshed.elapsed() > REFRESH_ACCOUNTS {
                self.refresh().await;
            }
            let deadline = self.deadline;
            let expired = async move {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(event) if event.id > self.replayed => {
                        let id = event.account_id;
                        if !self.accounts.contains(&id)
                            && (!self.foreign.contains(&id)
                                || self.refreshed.elapsed() > REFRESH_FOR_UNKNOWN)
                        {
                            self.refresh().await;
                            self.foreign.insert(id);
                        }
                        if self.accounts.contains(&id) {
                            return Some(Bytes::from(frame(&event)));
                        }
                    }
                    Ok(_) => continue,
                    // Too slow a reader: tell the page to reload what it shows.
                    Err(RecvError::Lagged(_)) => {
                        return Some(Bytes::from_static(b"event: resync\ndata: {}\n\n"));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep(KEEPALIVE) => return Some(Bytes::from_static(b": keepalive\n\n")),
                _ = expired => return None,
            }
        }
    }
}
