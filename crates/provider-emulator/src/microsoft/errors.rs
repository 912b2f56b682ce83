//! Graph's error envelope (providers.md §4.9).

use crate::reply::Reply;
use serde_json::json;

pub fn error(status: u16, code: &str, message: &str) -> Reply {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let request_id = format!(
        "{:08x}-0000-4000-8000-{:012x}",
        rand::random::<u32>(),
        rand::random::<u64>() & 0xFFFF_FFFF_FFFF
    );
    Reply::json(
        status,
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": now, "request-id": request_id, "client-request-id": request_id}}}),
    )
}

pub fn not_found() -> Reply {
    error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store., The process failed to get the correct properties.",
    )
}

pub fn bad_request(message: &str) -> Reply {
    error(400, "BadRequest", message)
}

pub fn malformed_id() -> Reply {
    error(400, "ErrorInvalidIdMalformed", "Id is malformed.")
}

pub fn unauthenticated(message: &str) -> Reply {
    error(401, "InvalidAuthenticationToken", message).header(
        "www-authenticate",
        "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
    )
}

pub fn access_denied() -> Reply {
    error(
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

pub fn too_many_requests() -> Reply {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    Reply::json(
        429,
        json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.",
            "innerError": {"code": "429", "date": now, "message": "Please retry after", "request-id": "00000000-0000-0000-0000-000000000000", "status": "429"}}}),
    )
}

pub fn concurrency() -> Reply {
    error(
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
    )
}

pub fn service_error(status: u16) -> Reply {
    if status == 503 {
        error(
            503,
            "ServiceUnavailable",
            "The service is currently unavailable.",
        )
        .header("retry-after", "1")
    } else {
        error(
            500,
            "InternalServerError",
            "An internal server error occurred.",
        )
    }
}

pub fn sync_state_not_found() -> Reply {
    error(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found; generation=0;[highest=1][1].",
    )
}
