use crate::store::{Store, pending_migrations};
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers and every migration is applied.
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
