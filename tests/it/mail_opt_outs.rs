//! The organisation's opt-out list (#25): a customer who asked to hear no more is skipped
//! by every campaign, by address or by their whole domain, whether they asked before the
//! campaign was made or while it waited; anyone may add to the list, an admin removes.
//! And the allowance a mailbox has left, shown before a campaign starts.

use crate::common;
use crate::mail_campaigns_send::{
    MAILBOX, OWNER, call, campaign, owner_with_mailbox, recipients, set_status, template, token,
    user_as,
};

use serde_json::{Value, json};
use std::time::{Duration, Instant};

const COLLEAGUE: i64 = 8;
const ADMIN: i64 = 1;

/// A colleague honours three requests to stop (one before the campaign, one for a whole
/// company, one after the campaign was made): only the customer who never asked gets
/// the offer; the others are listed as skipped, saying why.
#[tokio::test]
async fn a_customer_on_the_opt_out_list_is_never_mailed_by_a_campaign() {
    let Some((nocobase, w, account)) = owner_with_mailbox(|settings| {
        settings.sync.enabled = true;
        settings.sync.interval_secs = 3600;
        settings.campaigns.gmail_per_day = 5;
    })
    .await
    else {
        return;
    };
    let admin = token(ADMIN);
    nocobase.answer(&admin, user_as(ADMIN, "admin"));
    let owner = token(OWNER);
    for (key, name, email) in [
        ("1", "Ann", "ann@northwind.test"),
        ("2", "Bob", "bob@southwind.test"),
        ("3", "Cy", "cy@northwind.test"),
        ("4", "Dee", "dee@northwind.test"),
    ] {
        nocobase.record(
            "customers",
            key,
            &[&owner],
            json!({"id": key.parse::<i64>().unwrap(), "name": name, "email": email}),
        );
    }
    let opt_out = |user: i64, entry: &str| {
        call(
            &w,
            user,
            "mailOptOuts:create",
            "",
            Some(json!({"entry": entry, "reason": "Asked by phone"})),
        )
    };
    let ann = opt_out(COLLEAGUE, " Ann@Northwind.TEST ").await;
    assert_eq!(ann.status, 200, "{}", ann.text);
    assert_eq!(ann.json["data"]["entry"], "ann@northwind.test");
    assert_eq!(ann.json["data"]["mine"], true);
    let southwind = opt_out(COLLEAGUE, "southwind.test").await;
    assert_eq!(southwind.json["data"]["entry"], "@southwind.test");
    let again = opt_out(OWNER, "ann@northwind.test").await;
    assert_eq!(
        again.json["data"]["id"], ann.json["data"]["id"],
        "an entry already there is the one answered"
    );
    for bad in ["", "northwind", "ann@", "-x.test"] {
        let reply = opt_out(COLLEAGUE, bad).await;
        assert_eq!(reply.status, 400, "{bad:?}: {}", reply.text);
        assert!(reply.text.contains("entry"), "{}", reply.text);
    }

    let template = template(
        &w,
        "Offer for {{$nRecord.name}}",
        "<p>Hi {{$nRecord.name}}</p>",
    )
    .await;
    let by_account = format!("accountId={account}");
    let allowance = || call(&w, OWNER, "mailCampaigns:allowance", &by_account, None);
    let before = allowance().await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(
        before.json["data"],
        json!({"accountId": account, "perMinute": null, "perDay": 5, "sentLastDay": 0, "allowedNow": 5, "waiting": 0})
    );
    let created = call(
        &w,
        OWNER,
        "mailCampaigns:create",
        "",
        Some(json!({
            "accountId": account, "templateId": template,
            "source": {"collection": "customers", "ids": [1, 2, 3, 4], "emailField": "email"},
        })),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["data"]["id"].as_i64().unwrap();
    assert_eq!(
        created.json["data"]["counts"],
        json!({"queued": 2, "sent": 0, "failed": 0, "skipped": 2})
    );
    let skipped: Vec<(Value, Value)> = recipients(&w, id, "skipped")
        .await
        .iter()
        .map(|r| (r["address"].clone(), r["error"].clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                json!("ann@northwind.test"),
                json!("The address is on the organisation's opt-out list.")
            ),
            (
                json!("bob@southwind.test"),
                json!("The address is on the organisation's opt-out list.")
            ),
        ]
    );

    // Cy asks while the campaign is a draft: checked again as it goes.
    opt_out(COLLEAGUE, "CY@northwind.test").await;
    let started = set_status(&w, OWNER, id, "running").await;
    assert_eq!(
        started.json["data"][0]["status"], "running",
        "{}",
        started.text
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let now = campaign(&w, id).await;
        if now["status"] == "done" {
            break now;
        }
        assert!(Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(
        finished["counts"],
        json!({"queued": 0, "sent": 1, "failed": 0, "skipped": 3})
    );
    let cy = recipients(&w, id, "skipped").await;
    assert_eq!(cy[2]["address"], "cy@northwind.test");
    assert_eq!(
        cy[2]["error"],
        "The address is on the organisation's opt-out list."
    );
    let sent = w.sent(MAILBOX).await;
    assert_eq!(sent.len(), 1, "Dee only");
    assert!(String::from_utf8_lossy(&sent[0]).contains("dee@northwind.test"));
    let after = allowance().await;
    assert_eq!(after.json["data"]["sentLastDay"], 1, "{}", after.text);
    assert_eq!(after.json["data"]["allowedNow"], 4);

    // Someone else's mailbox has no allowance to show.
    let theirs = call(
        &w,
        COLLEAGUE,
        "mailCampaigns:allowance",
        &format!("accountId={account}"),
        None,
    )
    .await;
    assert_eq!(
        (theirs.status, theirs.error_code()),
        (404, "ACCOUNT_NOT_FOUND")
    );

    // The colleague sees the three they added; the owner none; an admin all three, and
    // only the admin removes one.
    let listed = |user: i64| call(&w, user, "mailOptOuts:list", "", None);
    let entries = |reply: &common::Reply| -> Vec<String> {
        reply.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["entry"].as_str().unwrap().to_string())
            .collect()
    };
    let mine = listed(COLLEAGUE).await;
    assert_eq!(
        entries(&mine),
        ["@southwind.test", "ann@northwind.test", "cy@northwind.test"]
    );
    assert_eq!(listed(OWNER).await.json["meta"]["count"], 0);
    let all = listed(ADMIN).await;
    assert_eq!(entries(&all).len(), 3, "{}", all.text);
    assert_eq!(all.json["data"][0]["mine"], false);
    let entry = mine.json["data"][0]["id"].as_i64().unwrap();
    let refused = call(
        &w,
        COLLEAGUE,
        "mailOptOuts:destroy",
        &format!("filterByTk={entry}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let removed = call(
        &w,
        ADMIN,
        "mailOptOuts:destroy",
        &format!("filterByTk={entry}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(removed.json["data"], 1, "{}", removed.text);
    assert_eq!(entries(&listed(ADMIN).await).len(), 2);
}
