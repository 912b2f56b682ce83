use crate::auth::{AuthService, Caller, TokenClaims, UserId};
use crate::events::Event;
use crate::http::ApiError;
use crate::jobs::Stopping;
use crate::limits::Slot;
use crate::state::AppState;
use crate::store::{mail_accounts, mail_events};
use actix_web::ResponseError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

/// A comment line this often when quiet keeps proxies from closing an idle stream, and
/// lets the server find out that a page went away (its slot is then given back).
const KEEPALIVE: Duration = Duration::from_secs(5);
/// The caller's mailboxes are read again this often (one shared with them meanwhile).
/// An event naming a mailbox never seen by this stream (one just connected) reads them
/// at once; one naming a mailbox already found not to be the caller's, at most every
/// `REFRESH_FOR_UNKNOWN` (other users' mail keeps coming, and must not cost a query
/// per event).
const REFRESH_ACCOUNTS: Duration = Duration::from_secs(30);
const REFRESH_FOR_UNKNOWN: Duration = Duration::from_secs(1);
/// Events replayed after a reconnect (`Last-Event-ID`), at most.
const REPLAY: i64 = 500;
/// The caller's token is checked again this often (NocoBase's answer is cached for
/// `nocobase.check_cache_secs`): a stream ends soon after its token is signed out.
const RECHECK: Duration = Duration::from_secs(5);

/// `GET /api/mailEvents:stream`: server-sent events about the caller's mailboxes
/// (`message.created`, `message.updated`, `message.deleted`, `account.updated`), each
/// with its id, so a reconnecting page (`Last-Event-ID`) gets what it missed. The
/// stream ends when the caller's token expires or is signed out (checked every few
/// seconds, through NocoBase's cached answer): streams never renew tokens (NocoBase's
/// rule), so the page reconnects with the token its other requests renewed. Each user
/// has at most `limits.streams_per_user` open in this process.
#[utoipa::path(
    get,
    path = "/api/mailEvents:stream",
    tag = "mailEvents",
    params(("Last-Event-ID" = Option<i64>, Header, description = "The last event id the page received: the events after it (kept 10 minutes) come first")),
    responses(
        (status = 200, description = "`text/event-stream`: `message.created`, `message.updated`, `message.deleted` (`{accountId, count}`), `account.updated` (`{accountId, status, syncPhase, syncDone, syncTotal, lastSyncAt, lastErrorCode}`) and `resync` (reload everything); a comment every 5 s when quiet; the stream ends when the token expires or is signed out", content_type = "text/event-stream", body = String),
        (status = 429, description = "The caller has `limits.streams_per_user` streams open already", body = crate::api::openapi::ErrorBody),
        crate::api::openapi::Refusals
    )
)]
pub async fn stream_mail_events(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let slot = state
        .limits
        .streams
        .take(caller.user_id.0)
        .await
        .ok_or_else(|| {
            ApiError::too_many(
                "TOO_MANY_STREAMS",
                format!(
                    "You have {} live event streams open already; close a page first.",
                    state.limits.streams.per_user()
                ),
            )
        })?;
    let auth = request
        .app_data::<web::Data<AuthService>>()
        .ok_or_else(|| ApiError::internal("AuthService is not registered"))?
        .clone();
    let viewer = (caller.user_id, caller.roles.clone());
    let accounts = visible(&state, &viewer).await?;
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
        stopping: state.jobs.stopping(),
        state: state.clone(),
        auth,
        headers: request.headers().clone(),
        checked: Instant::now(),
        last_sent: Instant::now(),
        _slot: slot,
        viewer,
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

/// A NocoBase user and the roles they act with.
type Viewer = (UserId, Vec<String>);

async fn visible(state: &AppState, viewer: &Viewer) -> Result<HashSet<i64>, ApiError> {
    let (user, roles) = viewer.clone();
    Ok(state
        .store
        .run(move |c| mail_accounts::visible_to(c, user, &roles))
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
    /// The process is stopping: the stream ends (the page reconnects, to another replica
    /// or to this one restarted) instead of holding up the server's graceful stop.
    stopping: Stopping,
    state: web::Data<AppState>,
    auth: web::Data<AuthService>,
    /// The request's headers, to check its token again.
    headers: HeaderMap,
    checked: Instant,
    last_sent: Instant,
    /// One of the user's stream slots, given back when the stream ends.
    _slot: Slot,
    viewer: Viewer,
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
        if let Ok(accounts) = visible(&self.state, &self.viewer).await {
            self.foreign.retain(|id| !accounts.contains(id));
            self.accounts = accounts;
        }
    }

    /// Whether the token is still good (a sign-out ends the stream); its roles may have
    /// changed meanwhile. A NocoBase that does not answer keeps the stream open.
    async fn still_signed_in(&mut self) -> bool {
        self.checked = Instant::now();
        match self.auth.authenticate(&self.headers).await {
            Ok(outcome) => {
                self.viewer.1 = outcome.caller.roles;
                true
            }
            Err(error) => error.status_code() != actix_web::http::StatusCode::UNAUTHORIZED,
        }
    }

    fn sent(&mut self, chunk: Bytes) -> Option<Bytes> {
        self.last_sent = Instant::now();
        Some(chunk)
    }

    /// The next chunk to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(first) = self.pending.take() {
            return Some(first);
        }
        loop {
            if self.stopping.is_set() {
                return None;
            }
            if self.checked.elapsed() >= RECHECK && !self.still_signed_in().await {
                return None;
            }
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
                            return self.sent(Bytes::from(frame(&event)));
                        }
                    }
                    Ok(_) => continue,
                    // Too slow a reader: tell the page to reload what it shows.
                    Err(RecvError::Lagged(_)) => {
                        return self.sent(Bytes::from_static(b"event: resync\ndata: {}\n\n"));
                    }
                    Err(RecvError::Closed) => return None,
                },
                // Wakes to check the token again, and says it is alive when quiet.
                _ = tokio::time::sleep(RECHECK) => {
                    if self.last_sent.elapsed() >= KEEPALIVE {
                        return self.sent(Bytes::from_static(b": keepalive\n\n"));
                    }
                }
                _ = expired => return None,
                () = self.stopping.wait() => return None,
            }
        }
    }
}
