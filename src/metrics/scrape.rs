//! `GET /metrics`: the counters, plus the work waiting in the database right now.

use super::registry;
use crate::state::AppState;
use crate::store::schema::{mail_outbox, sync_jobs};
use actix_web::{HttpResponse, web};
use diesel::prelude::*;

/// The Prometheus text exposition. Open like `/healthz` (no user data in it); keep the
/// port internal, as Prometheus targets usually are.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)
    )
)]
pub async fn metrics_endpoint(state: web::Data<AppState>) -> HttpResponse {
    let now = chrono::Utc::now().naive_utc();
    let waiting = state
        .store
        .run(move |c| {
            let due: i64 = sync_jobs::table
                .filter(sync_jobs::run_after.le(now))
                .filter(
                    sync_jobs::lease_until
                        .is_null()
                        .or(sync_jobs::lease_until.lt(now)),
                )
                .count()
                .get_result(c)?;
            let scheduled: i64 = mail_outbox::table
                .filter(mail_outbox::status.eq(crate::store::outbox::SendStatus::Queued))
                .count()
                .get_result(c)?;
            Ok((due, scheduled))
        })
        .await;
    let mut gauges = Vec::new();
    if let Ok((due, scheduled)) = waiting {
        gauges.push((
            "email_manager_sync_queue_due",
            "Accounts due for a sync and not being synced.",
            due as f64,
        ));
        gauges.push((
            "email_manager_outbox_scheduled",
            "Scheduled sends waiting to go.",
            scheduled as f64,
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(registry().render(&gauges))
}
