//! Mail merge under SIGKILL (#25): a running campaign is sent by the real binary, killed
//! at random moments while its recipients are being handed to the outbox and sent, then
//! started again on the same database, round after round. Gmail answers each send slowly,
//! so kills land inside sends. At the end the campaign is done and every recipient got
//! the message exactly once: a send cut off while Gmail had it is looked up in Sent by
//! its Message-ID (`send::settle`) and settled as sent when it is there, sent again when
//! it never arrived — never sent twice, never left "may have been sent".
//!
//! `cargo test --test it campaign_crash` runs 60 recipients and 4 kills;
//! `CAMPAIGN_CRASH_RECIPIENTS=500 CAMPAIGN_CRASH_KILLS=10` is a longer run, and
//! `CRASH_SEED` replays one's random moments.

use crate::common;
use crate::crash_safety::setting;
use crate::mail_campaigns_send::{OWNER, token, user_as};

use common::Backend;
use common::oauth::{param, wired_with};
use common::process::ServiceProcess;
use common::stubs::StubNocobase;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const EMAIL: &str = "sales@northwind-trading.test";

/// The campaign as its owner sees it, from whichever process is up.
async fn campaign(http: &reqwest::Client, address: &str, id: i64) -> Option<Value> {
    let response = http
        .get(format!("{address}/api/mailCampaigns:get?filterByTk={id}"))
        .bearer_auth(token(OWNER))
        .send()
        .await
        .ok()?;
    Some(response.json::<Value>().await.ok()?["data"].clone())
}

/// Every recipient of the campaign.
async fn recipients(http: &reqwest::Client, address: &str, id: i64) -> Vec<Value> {
    let filter = common::urlencode(&json!({"campaignId": id}).to_string());
    let mut all = Vec::new();
    for page in 1.. {
        let answer: Value = http
            .get(format!(
                "{address}/api/mailCampaignRecipients:list?filter={filter}&page={page}&pageSize=200"
            ))
            .bearer_auth(token(OWNER))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = answer["data"].as_array().unwrap().clone();
        if rows.is_empty() {
            break;
        }
        all.extend(rows);
    }
    all
}

/// The single To address of each message the provider sent, counted.
fn copies_by_address(sent: &[Vec<u8>]) -> HashMap<String, usize> {
    let mut copies = HashMap::new();
    for raw in sent {
        let message = mail_parser::MessageParser::default().parse(raw).unwrap();
        let to: Vec<String> = message
            .to()
            .unwrap()
            .iter()
            .filter_map(|a| a.address().map(str::to_lowercase))
            .collect();
        assert_eq!(to.len(), 1, "one recipient a message");
        *copies.entry(to[0].clone()).or_default() += 1;
    }
    copies
}

#[tokio::test]
async fn sigkill_while_a_campaign_sends_mails_each_recipient_at_most_once() {
    let count = setting("CAMPAIGN_CRASH_RECIPIENTS", 60) as usize;
    let kills = setting("CAMPAIGN_CRASH_KILLS", 4);
    let seed = setting("CRASH_SEED", rand::random::<u32>().into());
    println!("campaign crash test: {count} recipients, {kills} kills, CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    // The in-process app makes and starts the campaign (reading the records from a stub
    // NocoBase); it neither runs campaigns nor sends: the killed binaries do.
    let nocobase = StubNocobase::start();
    nocobase.answer_by_claims();
    let url = nocobase.url.clone();
    let w = wired_with(Backend::Sqlite, move |s| {
        s.nocobase.url = Some(url);
        s.sync.enabled = false;
        s.campaigns.run = false;
        s.send.run_scheduled = false;
    })
    .await
    .unwrap();
    let owner = token(OWNER);
    nocobase.answer(&owner, user_as(OWNER, "member"));
    w.mailbox("google", EMAIL, 0).await;
    let connected = w.connect(&owner, "google", EMAIL).await;
    let account: i64 = param(&connected, "mailAccountId").unwrap().parse().unwrap();
    for n in 1..=count {
        nocobase.record(
            "customers",
            &n.to_string(),
            &[&owner],
            json!({"id": n, "name": format!("Customer {n}"), "email": format!("c{n}@northwind.test")}),
        );
    }
    let template = w
        .app
        .call(
            "mailTemplates:create",
            Some(&owner),
            "",
            Some(json!({"name": "Offer", "subject": "Offer for {{$nRecord.name}}", "html": "<p>Dear {{$nRecord.name}}</p>"})),
        )
        .await
        .json["data"]["id"]
        .as_i64()
        .unwrap();
    let ids: Vec<usize> = (1..=count).collect();
    let created = w
        .app
        .call(
            "mailCampaigns:create",
            Some(&owner),
            "",
            Some(json!({"accountId": account, "templateId": template, "source": {"collection": "customers", "ids": ids, "emailField": "email"}})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["data"]["counts"]["queued"], count);
    let id = created.json["data"]["id"].as_i64().unwrap();
    let started = w
        .app
        .call(
            "mailCampaigns:update",
            Some(&owner),
            &format!("filterByTk={id}"),
            Some(json!({"status": "running"})),
        )
        .await;
    assert_eq!(
        started.json["data"][0]["status"], "running",
        "{}",
        started.text
    );

    // Each send takes Gmail 150 ms: kills land inside them.
    w.control("/settings", json!({"slowMs": 150})).await;
    w.control(
        "/faults",
        json!({"provider": "google", "path": "/messages/send", "rate": 1.0, "kinds": ["slow"]}),
    )
    .await;
    let mut settings = w.app.settings.clone();
    settings.campaigns.run = true;
    settings.send.run_scheduled = true;
    // A killed process's send is looked up at Gmail four seconds after its last renewal.
    settings.send.lease_secs = 4;
    let dir = tempfile::tempdir().unwrap();

    let mut seen = 0;
    for round in 0..kills {
        let process = ServiceProcess::start(&settings, dir.path()).await;
        // Wait until this process has sent something, then kill it at a random moment.
        let waited = Instant::now();
        loop {
            let now = w.sent(EMAIL).await.len();
            if now > seen || waited.elapsed() > Duration::from_secs(40) {
                assert!(
                    now > seen,
                    "round {round}: nothing was sent after the restart"
                );
                seen = now;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let wait = rng.random_range(0..800);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        drop(process); // SIGKILL
        println!(
            "round {round}: killed {wait} ms after send {seen}; {} at the provider now",
            w.sent(EMAIL).await.len()
        );
        if seen >= count {
            break;
        }
    }

    let process = ServiceProcess::start(&settings, dir.path()).await;
    let started = Instant::now();
    let last = loop {
        let now = campaign(&w.http, &process.address, id)
            .await
            .unwrap_or(Value::Null);
        if now["status"] == "done" {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60 + count as u64 / 5),
            "the campaign did not finish after the kills: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("after the kills: {}", last["counts"]);

    let copies = copies_by_address(&w.sent(EMAIL).await);
    let twice: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mailed more than once: {twice:?}");
    let rows = recipients(&w.http, &process.address, id).await;
    assert_eq!(rows.len(), count);
    for row in &rows {
        let address = row["address"].as_str().unwrap();
        assert_eq!(row["status"], "sent", "{row}");
        assert_eq!(copies.get(address), Some(&1), "{row}");
    }
    assert_eq!(
        last["counts"],
        json!({"queued": 0, "sent": count, "failed": 0, "skipped": 0})
    );
    println!("{count} sent, each once, after {kills} kills");
}
