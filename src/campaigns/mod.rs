//! Mail merge (#25): running campaigns' recipients handed to the outbox, paced to their
//! mailbox's sending limits (`campaigns.*`), and the outbox's outcomes brought back to
//! them. The sending itself is the outbox scheduler's (`send::scheduler`): each
//! recipient is one scheduled send, so it has that path's guarantees (claimed by one
//! process, never sent twice); how a recipient reaches the outbox once is in
//! `store::campaigns`.

pub mod message;

use crate::jobs::{Job, Next, Outcome as Step, Stopping};
use crate::providers::ProviderKind;
use crate::send::scheduler::sealed_identity;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::campaigns::{self, Limits, Prepared};
use crate::store::mail_accounts::{self, AccountRow};
use actix_web::web;
use chrono::Utc;
use std::time::Duration;

/// How often running campaigns are looked at.
const EVERY: Duration = Duration::from_secs(2);

/// Most recipients one campaign hands over in one look (the rest wait for the next):
/// a long campaign does not hold the mailbox's lock for long, nor starve the others.
const AT_MOST: i64 = 50;

struct Campaigns(web::Data<AppState>);

impl Job for Campaigns {
    async fn step(&mut self, stopping: &Stopping) -> Next {
        match run_due(&self.0, stopping).await {
            Ok(0) => Next::after(Step::Idle, EVERY),
            Ok(_) => Next::after(Step::Worked, EVERY),
            Err(error) => {
                tracing::warn!(%error, "running campaigns could not be advanced");
                Next::after(Step::Failed, EVERY)
            }
        }
    }
}

/// Starts this process's campaign runner.
pub fn spawn(state: web::Data<AppState>) {
    state.jobs.spawn("campaigns", Campaigns(state.clone()));
}

/// The limits of `account`'s provider, as configured (0 is no limit).
pub fn limits(settings: &crate::config::CampaignSettings, account: &AccountRow) -> Limits {
    let some = |n: u32| (n > 0).then_some(i64::from(n));
    match account.kind() {
        Some(ProviderKind::Google) => {
            let domain = account
                .email
                .rsplit_once('@')
                .map(|(_, d)| d.to_lowercase());
            let consumer = matches!(domain.as_deref(), Some("gmail.com" | "googlemail.com"));
            Limits {
                per_minute: None,
                per_day: some(if consumer {
                    settings.gmail_consumer_per_day
                } else {
                    settings.gmail_per_day
                }),
            }
        }
        Some(ProviderKind::Microsoft) => Limits {
            per_minute: some(settings.microsoft_per_minute),
            per_day: some(settings.microsoft_per_day),
        },
        Some(ProviderKind::Imap) | None => Limits {
            per_minute: some(settings.imap_per_minute),
            per_day: some(settings.imap_per_day),
        },
    }
}

/// Advances every running campaign whose time has come: outcomes brought back, the
/// next recipients handed over as the limits allow, a finished one marked done.
/// Returns how many recipients were handed over.
pub async fn run_due(
    state: &web::Data<AppState>,
    stopping: &Stopping,
) -> Result<usize, StoreError> {
    let now = Utc::now();
    let due = state
        .store
        .run(move |c| campaigns::due(c, now.naive_utc()))
        .await?;
    let mut handed = 0;
    for campaign in due {
        if stopping.is_set() {
            break;
        }
        let id = campaign.id;
        state
            .store
            .run(move |c| {
                campaigns::retry_turned_away(c, id, now.naive_utc())?;
                campaigns::take_outcomes(c, id)
            })
            .await?;
        let account_id = campaign.account_id;
        let Some(account) = state
            .store
            .run(move |c| mail_accounts::get(c, account_id))
            .await?
        else {
            continue;
        };
        let limits = limits(&state.settings.campaigns, &account);
        let shared = state.clone();
        handed += state
            .store
            .run(move |c| {
                campaigns::hand_over(c, &campaign, limits, AT_MOST, now.naive_utc(), |row, r| {
                    match message::make(&campaign, &account, r, now) {
                        Ok(outgoing) => match serde_json::to_string(&outgoing) {
                            Ok(json) => {
                                let row = row.to_string();
                                Prepared::Message {
                                    subject: outgoing.subject.chars().take(300).collect(),
                                    message_id: outgoing.message_id.clone(),
                                    sealed: shared
                                        .vault
                                        .seal(json.as_bytes(), sealed_identity(&row)),
                                    digest: format!("campaign:{}", campaign.id),
                                }
                            }
                            Err(error) => Prepared::Skip(format!(
                                "The message could not be kept for sending: {error}"
                            )),
                        },
                        Err(why) => Prepared::Skip(why),
                    }
                })
            })
            .await?;
        state
            .store
            .run(move |c| campaigns::finish_if_done(c, id, Utc::now().naive_utc()))
            .await?;
    }
    Ok(handed)
}
