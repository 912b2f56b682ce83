use crate::store::{Store, pending_migrations};
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: the process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The process is up", body = crate::api::openapi::Health)
    )
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers and every migration is applied.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The database answers and every migration is applied", body = crate::api::openapi::Health),
        (status = 503, description = "Not ready; `reason` says why", body = crate::api::openapi::Health)
    )
)]
pub async fn readyz(store: web::Data<Store>) -> HttpResponse {
    match store.run(pending_migrations).await {
        Ok(pending) if pending.is_empty() => HttpResponse::Ok().json(json!({"status": "ready"})),
        Ok(pending) => HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "reason": format!("{} migration(s) not applied; run `email-manager migrate`", pending.len()),
        })),
        Err(error) => {
            tracing::warn!(cause = %error, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "reason": "the database does not answer"}))
        }
    }
}
