//! Gmail's error envelope (providers.md §3.11).

use crate::reply::Reply;
use serde_json::json;

/// `{"error":{"code","message","errors":[{message,domain,reason}],"status"}}`.
pub fn error(code: u16, message: &str, domain: &str, reason: &str, status: &str) -> Reply {
    Reply::json(
        code,
        json!({"error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": status,
        }}),
    )
}

pub fn not_found() -> Reply {
    error(
        404,
        "Requested entity was not found.",
        "global",
        "notFound",
        "NOT_FOUND",
    )
}

pub fn invalid(message: &str) -> Reply {
    error(
        400,
        message,
        "global",
        "invalidArgument",
        "INVALID_ARGUMENT",
    )
}

pub fn unauthenticated(missing: bool) -> Reply {
    let reply = if missing {
        json!({"error": {"code": 401,
            "message": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "errors": [{"message": "Login Required.", "domain": "global", "reason": "required", "location": "Authorization", "locationType": "header"}],
            "status": "UNAUTHENTICATED"}})
    } else {
        json!({"error": {"code": 401,
            "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}],
            "status": "UNAUTHENTICATED"}})
    };
    Reply::json(401, reply).header(
        "www-authenticate",
        "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
    )
}

pub fn insufficient_scope() -> Reply {
    error(403, "Request had insufficient authentication scopes.", "global", "insufficientPermissions", "PERMISSION_DENIED")
        .header("www-authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"https://www.googleapis.com/auth/gmail.modify\"")
}

pub fn rate_limited(status: u16) -> Reply {
    if status == 403 {
        error(
            403,
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.",
            "usageLimits",
            "rateLimitExceeded",
            "PERMISSION_DENIED",
        )
    } else {
        error(
            429,
            "Resource has been exhausted (e.g. check quota).",
            "global",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        )
    }
}

pub fn too_many_concurrent() -> Reply {
    error(
        429,
        "Too many concurrent requests for user.",
        "global",
        "rateLimitExceeded",
        "RESOURCE_EXHAUSTED",
    )
}

pub fn backend(code: u16) -> Reply {
    if code == 503 {
        error(
            503,
            "The service is currently unavailable.",
            "global",
            "backendError",
            "UNAVAILABLE",
        )
    } else {
        error(500, "Backend Error", "global", "backendError", "INTERNAL")
    }
}
