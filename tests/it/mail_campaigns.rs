//! Mail merge's store (#25): a campaign's recipients reach the outbox once each, never
//! past the mailbox's sending limits, whichever processes hand them over and however
//! often; pausing takes back what has not started; the outbox's outcomes come back to
//! the recipients, an interrupted send as "may have been sent", never queued again.

use crate::common::{self, Backend};
use crate::mail_store::{now, store_with_account};
use chrono::{Duration, NaiveDateTime};
use email_manager::store::campaigns::{
    self, CampaignRow, CampaignStatus, Counts, Limits, NewCampaign, NewRecipient, Prepared,
};
use email_manager::store::outbox::{self, Outcome, SendStatus};
use email_manager::store::{Store, StoreError, opt_outs};

fn recipient(record: &str, address: Option<&str>) -> NewRecipient {
    NewRecipient {
        record_id: record.into(),
        address: address.map(str::to_string),
        record: Some(format!(r#"{{"id":"{record}"}}"#)),
        skipped: address
            .is_none()
            .then(|| "The record has no address in email.".into()),
    }
}

async fn campaign(store: &Store, account: i64, recipients: Vec<NewRecipient>) -> CampaignRow {
    let new = NewCampaign {
        user_id: 7,
        account_id: account,
        from_address: None,
        template_id: None,
        subject: "Hello {{$nRecord.name}}".into(),
        html: "<p>Hi</p>".into(),
        source: r#"{"collection":"customers","ids":[]}"#.into(),
        user_values: r#"{"id":7}"#.into(),
        send_at: None,
    };
    store
        .run(move |c| campaigns::create(c, &new, &recipients, now()))
        .await
        .unwrap()
}

/// Hands over what the limits leave at `at`; a recipient named `skip-…` is not sendable.
async fn hand_over(store: &Store, row: &CampaignRow, limits: Limits, at: NaiveDateTime) -> usize {
    let row = row.clone();
    store
        .run(move |c| {
            campaigns::hand_over(c, &row, limits, 1000, at, |outbox_id, r| {
                if r.record_id.starts_with("skip-") {
                    Prepared::Skip("Variables without a value: $nRecord.name".into())
                } else {
                    Prepared::Message {
                        sealed: format!("sealed message for outbox row {outbox_id}"),
                        digest: format!("digest-{}", r.id),
                        subject: "Hello".into(),
                        message_id: format!("campaign-{}@northwind.test", r.id),
                    }
                }
            })
        })
        .await
        .unwrap()
}

async fn counts(store: &Store, id: i64) -> Counts {
    store.run(move |c| campaigns::counts(c, id)).await.unwrap()
}

async fn start(store: &Store, id: i64) {
    let started = store
        .run(move |c| {
            campaigns::set_status(
                c,
                id,
                &[CampaignStatus::Draft, CampaignStatus::Paused],
                CampaignStatus::Running,
                now(),
            )
        })
        .await
        .unwrap();
    assert!(started);
}

fn outbox_keys(db: &common::TestDb) -> Vec<String> {
    db.query_texts("SELECT idempotency_key AS value FROM mail_outbox ORDER BY idempotency_key")
        .into_iter()
        .flatten()
        .collect()
}

/// Gmail lets a consumer mailbox send to about 500 recipients a day and Graph to 30
/// messages a minute: a campaign that outran them would be cut off mid-way by the
/// provider. The limits count every send of the mailbox, not only the campaign's.
async fn recipients_are_handed_over_once_and_within_the_limits(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let row = campaign(
        &store,
        account,
        vec![
            recipient("1", Some("ann@northwind.test")),
            recipient("2", None),
            recipient("3", Some("bob@northwind.test")),
            recipient("skip-4", Some("cy@northwind.test")),
            recipient("5", Some("dee@northwind.test")),
            recipient("6", Some("eve@northwind.test")),
            recipient("7", Some("fay@northwind.test")),
        ],
    )
    .await;
    assert_eq!(
        counts(&store, row.id).await,
        Counts {
            queued: 6,
            skipped: 1,
            ..Counts::default()
        },
        "a record without an address is listed as skipped, not dropped"
    );
    let limits = Limits {
        per_minute: Some(2),
        per_day: Some(4),
    };
    let t0 = now();
    assert_eq!(
        hand_over(&store, &row, limits, t0).await,
        0,
        "a draft sends nothing"
    );
    start(&store, row.id).await;

    assert_eq!(hand_over(&store, &row, limits, t0).await, 2);
    assert_eq!(
        hand_over(&store, &row, limits, t0).await,
        0,
        "the minute's two are used"
    );
    // A minute on: two more may go; the unsendable one is skipped on the way.
    let t1 = t0 + Duration::seconds(61);
    assert_eq!(hand_over(&store, &row, limits, t1).await, 2);
    let c = counts(&store, row.id).await;
    assert_eq!((c.queued, c.skipped), (5, 2), "{c:?}");
    // Another minute: the day's four are used, whatever the minute allows.
    let t2 = t1 + Duration::seconds(61);
    assert_eq!(hand_over(&store, &row, limits, t2).await, 0);
    let keys = outbox_keys(&db);
    assert_eq!(keys.len(), 4, "{keys:?}");
    let mut distinct = keys.clone();
    distinct.dedup();
    assert_eq!(distinct, keys, "one outbox row per recipient");
    // A day on, the last one goes, once.
    let t3 = t0 + Duration::days(1) + Duration::seconds(1);
    assert_eq!(hand_over(&store, &row, limits, t3).await, 1);
    assert_eq!(
        hand_over(&store, &row, limits, t3).await,
        0,
        "nothing is handed over twice"
    );
    assert_eq!(outbox_keys(&db).len(), 5);
}
both_backends!(
    handed_over_within_limits,
    recipients_are_handed_over_once_and_within_the_limits
);

/// Two replicas' senders at the same moment: each recipient still gets one outbox row,
/// and the two together stay under the limit.
async fn two_senders_at_once_hand_each_recipient_over_once(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let all: Vec<NewRecipient> = (0..60)
        .map(|k| recipient(&k.to_string(), Some(&format!("r{k}@northwind.test"))))
        .collect();
    let row = campaign(&store, account, all).await;
    start(&store, row.id).await;
    let limits = Limits {
        per_minute: Some(50),
        per_day: None,
    };
    let at = now();
    let (a, b, c) = tokio::join!(
        hand_over(&store, &row, limits, at),
        hand_over(&store, &row, limits, at),
        hand_over(&store, &row, limits, at),
    );
    assert_eq!(a + b + c, 50, "{a} + {b} + {c}: the minute's limit, shared");
    let keys = outbox_keys(&db);
    let mut distinct = keys.clone();
    distinct.dedup();
    assert_eq!((keys.len(), distinct.len()), (50, 50));
}
both_backends!(
    concurrent_senders,
    two_senders_at_once_hand_each_recipient_over_once
);

/// Pausing takes back what the outbox has not started; what it had started finishes
/// and counts. An interrupted send comes back as failed ("may have been sent") and is
/// never handed over again: sending it twice is worse than asking the user.
async fn pause_resume_and_outcomes(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let all: Vec<NewRecipient> = (0..4)
        .map(|k| recipient(&k.to_string(), Some(&format!("r{k}@northwind.test"))))
        .collect();
    let row = campaign(&store, account, all).await;
    start(&store, row.id).await;
    let limits = Limits::default();
    assert_eq!(hand_over(&store, &row, limits, now()).await, 4);

    // The outbox's scheduler takes two: one is sent, one is cut off by a kill.
    let (sent, interrupted) = store
        .run(|c| {
            let at = now();
            let first = outbox::claim_due(c, at, at + Duration::minutes(15))?
                .unwrap()
                .0
                .id;
            let second = outbox::claim_due(c, at, at - Duration::seconds(1))?
                .unwrap()
                .0
                .id;
            Ok::<_, StoreError>((first, second))
        })
        .await
        .unwrap();
    store
        .run(move |c| {
            let outcome = Outcome {
                status: SendStatus::Sent,
                provider_message_id: Some("gmail-id-1".into()),
                ..Outcome::default()
            };
            outbox::finish(c, sent, &outcome, now())?;
            outbox::abandon_stale(c, now())
        })
        .await
        .unwrap();
    let id = row.id;
    // Unknown, but still being looked up at its provider (`send::settle`): waited for.
    store
        .run(move |c| campaigns::take_outcomes(c, id))
        .await
        .unwrap();
    assert_eq!(counts(&store, id).await.failed, 0, "not given up on yet");
    // A provider that cannot be asked (Graph, IMAP): unknown for good.
    store
        .run(move |c| outbox::stop_settling(c, interrupted))
        .await
        .unwrap();
    store
        .run(move |c| {
            campaigns::set_status(
                c,
                id,
                &[CampaignStatus::Running],
                CampaignStatus::Paused,
                now(),
            )
        })
        .await
        .unwrap();
    let back = store
        .run(move |c| campaigns::take_back_unsent(c, id))
        .await
        .unwrap();
    assert_eq!(back, 2, "the two the outbox had not started");
    assert_eq!(outbox_keys(&db).len(), 2);
    store
        .run(move |c| campaigns::take_outcomes(c, id))
        .await
        .unwrap();
    let c = counts(&store, id).await;
    assert_eq!((c.sent, c.failed, c.queued), (1, 1, 2), "{c:?}");
    let (failed, _) = store
        .run(move |c| campaigns::recipients(c, id, Some(campaigns::RecipientStatus::Failed), 0, 10))
        .await
        .unwrap();
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("may have been sent")
    );
    let (done, _) = store
        .run(move |c| campaigns::recipients(c, id, Some(campaigns::RecipientStatus::Sent), 0, 10))
        .await
        .unwrap();
    assert_eq!(done[0].message_id.as_deref(), Some("gmail-id-1"));

    // Paused: nothing goes. Resumed: the two taken back go, the failed one does not.
    assert_eq!(hand_over(&store, &row, limits, now()).await, 0);
    start(&store, id).await;
    assert_eq!(hand_over(&store, &row, limits, now()).await, 2);
    assert_eq!(outbox_keys(&db).len(), 4);
    let finished = store
        .run(move |c| campaigns::finish_if_done(c, id, now()))
        .await
        .unwrap();
    assert!(!finished, "two are still in the outbox");
    store
        .run(|c| {
            while let Some((row, _)) = outbox::claim_due(c, now(), now() + Duration::minutes(1))? {
                outbox::finish(
                    c,
                    row.id,
                    &Outcome {
                        status: SendStatus::Sent,
                        ..Outcome::default()
                    },
                    now(),
                )?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    store
        .run(move |c| campaigns::take_outcomes(c, id))
        .await
        .unwrap();
    let finished = store
        .run(move |c| campaigns::finish_if_done(c, id, now()))
        .await
        .unwrap();
    assert!(finished);
    assert_eq!(
        counts(&store, id).await,
        Counts {
            sent: 3,
            failed: 1,
            ..Counts::default()
        }
    );
}
both_backends!(pause_and_outcomes, pause_resume_and_outcomes);

/// The owner cancels one campaign send in their outbox (`mailOutbox:destroy` on a queued
/// row) before it goes: that recipient is skipped, and the campaign can still finish.
async fn a_send_cancelled_in_the_outbox_skips_its_recipient(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let all: Vec<NewRecipient> = (0..2)
        .map(|k| recipient(&k.to_string(), Some(&format!("r{k}@northwind.test"))))
        .collect();
    let row = campaign(&store, account, all).await;
    start(&store, row.id).await;
    assert_eq!(hand_over(&store, &row, Limits::default(), now()).await, 2);
    let first: i64 = db.query_texts("SELECT CAST(MIN(id) AS TEXT) AS value FROM mail_outbox")[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let id = row.id;
    store
        .run(move |c| {
            assert!(outbox::cancel(c, first, 7)?, "the owner's queued send");
            let (row, _) = outbox::claim_due(c, now(), now() + Duration::minutes(1))?.unwrap();
            outbox::finish(
                c,
                row.id,
                &Outcome {
                    status: SendStatus::Sent,
                    ..Outcome::default()
                },
                now(),
            )?;
            campaigns::take_outcomes(c, id)?;
            campaigns::finish_if_done(c, id, now())
        })
        .await
        .map(|done| assert!(done, "nothing is left to wait for"))
        .unwrap();
    let c = counts(&store, id).await;
    assert_eq!((c.sent, c.skipped, c.queued), (1, 1, 0), "{c:?}");
}
both_backends!(
    cancelled_in_outbox,
    a_send_cancelled_in_the_outbox_skips_its_recipient
);

/// The opt-out list on both databases: an address or its whole domain stops a recipient
/// at hand-over (added after the campaign was made), case aside; the usage a mailbox
/// shows counts what it sent and what its campaigns still hold.
async fn opted_out_recipients_are_skipped_at_hand_over(backend: Backend) {
    let Some((db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let row = campaign(
        &store,
        account,
        vec![
            recipient("1", Some("Ann@Northwind.test")),
            recipient("2", Some("bob@southwind.test")),
            recipient("3", Some("cy@northwind.test")),
            recipient("4", Some("dee@northwind.test")),
        ],
    )
    .await;
    let limits = Limits {
        per_minute: None,
        per_day: Some(10),
    };
    start(&store, row.id).await;
    let usage = store
        .run(move |c| campaigns::usage(c, account, limits, now()))
        .await
        .unwrap();
    assert_eq!(
        usage,
        campaigns::Usage {
            sent_last_day: 0,
            allowed_now: 10,
            waiting: 4
        }
    );
    let blocked = store
        .run(|c| {
            opt_outs::add(c, "ann@northwind.test", None, 8, now())?;
            opt_outs::add(c, "@southwind.test", Some("The whole company"), 8, now())?;
            opt_outs::blocked(
                c,
                &[
                    "ANN@northwind.test".to_string(),
                    "x@southwind.test".to_string(),
                    "x@sub.southwind.test".to_string(),
                    "dee@northwind.test".to_string(),
                ],
            )
        })
        .await
        .unwrap();
    let mut blocked: Vec<String> = blocked.into_iter().collect();
    blocked.sort();
    assert_eq!(
        blocked,
        ["ann@northwind.test", "x@southwind.test"],
        "a domain entry is that domain, not its subdomains"
    );
    assert_eq!(hand_over(&store, &row, limits, now()).await, 2);
    let c = counts(&store, row.id).await;
    assert_eq!((c.queued, c.skipped), (2, 2), "{c:?}");
    assert_eq!(outbox_keys(&db).len(), 2, "no outbox row for the opted out");
    let usage = store
        .run(move |c| campaigns::usage(c, account, limits, now()))
        .await
        .unwrap();
    assert_eq!(
        usage,
        campaigns::Usage {
            sent_last_day: 2,
            allowed_now: 8,
            waiting: 0
        }
    );
}
both_backends!(
    opted_out_at_hand_over,
    opted_out_recipients_are_skipped_at_hand_over
);

/// A send the provider turned away for now (throttled, unreachable) did not go: the
/// recipient is handed over again after 1, 2, 4, 8 and 16 minutes, and only after five
/// such failures is it failed, with the provider's reason.
async fn turned_away_sends_are_tried_again_later(backend: Backend) {
    let Some((_db, store, account)) = store_with_account(backend).await else {
        return;
    };
    let row = campaign(
        &store,
        account,
        vec![recipient("1", Some("ann@northwind.test"))],
    )
    .await;
    start(&store, row.id).await;
    let id = row.id;
    let limits = Limits::default();
    let mut at = now();
    for attempt in 0..campaigns::MAX_ATTEMPTS {
        assert_eq!(
            hand_over(&store, &row, limits, at).await,
            1,
            "attempt {attempt}"
        );
        store
            .run(move |c| {
                let (sending, _) = outbox::claim_due(c, at, at + Duration::minutes(1))?.unwrap();
                let throttled = Outcome {
                    status: SendStatus::Failed,
                    error_code: Some("PROVIDER_THROTTLED".into()),
                    error_message: Some(
                        "The provider is limiting how fast this mailbox sends".into(),
                    ),
                    ..Outcome::default()
                };
                outbox::finish(c, sending.id, &throttled, at)?;
                // The API reading the campaign meanwhile does not fail it.
                campaigns::take_outcomes(c, id)?;
                campaigns::retry_turned_away(c, id, at)
            })
            .await
            .unwrap();
        let c = counts(&store, id).await;
        if attempt + 1 < campaigns::MAX_ATTEMPTS {
            assert_eq!((c.queued, c.failed), (1, 0), "attempt {attempt}: {c:?}");
            assert_eq!(
                hand_over(&store, &row, limits, at).await,
                0,
                "it waits before it goes again"
            );
            at += Duration::minutes(1 << attempt) + Duration::seconds(1);
        } else {
            assert_eq!((c.queued, c.failed), (0, 1), "the fifth is final: {c:?}");
            let (failed, _) = store
                .run(move |c| {
                    campaigns::recipients(c, id, Some(campaigns::RecipientStatus::Failed), 0, 10)
                })
                .await
                .unwrap();
            assert!(failed[0].error.as_deref().unwrap().contains("limiting"));
        }
    }
}
both_backends!(turned_away, turned_away_sends_are_tried_again_later);
