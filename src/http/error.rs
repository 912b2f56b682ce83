use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

/// An error as the client sees it: a status, a NocoBase-style `UPPER_SNAKE` code and a
/// message safe to show. Internal causes go to the log, never into the body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// A body passed through unchanged (NocoBase's own 401 answers).
    raw_body: Option<(String, String)>,
    /// Seconds for a `Retry-After` header (429s).
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    errors: [ErrorItem<'a>; 1],
}

#[derive(Serialize)]
struct ErrorItem<'a> {
    message: &'a str,
    code: &'a str,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            raw_body: None,
            retry_after: None,
        }
    }

    /// 429: the caller (or sender) asks for more than its share now; try again in a second.
    pub fn too_many(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// 400: the input is wrong; the message names the field.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `INVALID_VALUE` for one field of the action's values or parameters.
    pub fn invalid_field(field: &str, problem: impl fmt::Display) -> Self {
        Self::bad_request("INVALID_VALUE", format!("{field}: {problem}"))
    }

    /// 401 with one of NocoBase's sign-out codes. Use only when the caller is signed out:
    /// the NocoBase client clears its token on these.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 404 for an unknown route.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found")
    }

    /// 413: the request body is larger than allowed.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("The request body is larger than {limit} bytes."),
        )
    }

    /// 500 with a generic message; `cause` is logged with the request's id.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Something went wrong on our side. The error has been logged.",
        )
    }

    /// 503: a dependency (the database, NocoBase) does not answer.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// Passes another service's answer through unchanged (status, content type, body).
    pub fn passthrough(status: StatusCode, content_type: String, body: String) -> Self {
        Self {
            status,
            code: "PASSTHROUGH",
            message: String::new(),
            raw_body: Some((content_type, body)),
            retry_after: None,
        }
    }

    /// The error's message, as in the body.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's code, as in the body.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("retry-after", seconds.to_string()));
        }
        if let Some((content_type, body)) = &self.raw_body {
            return response
                .insert_header(("content-type", content_type.as_str()))
                .body(body.clone());
        }
        response.json(ErrorBody {
            errors: [ErrorItem {
                message: &self.message,
                code: self.code,
            }],
        })
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "database unavailable");
                Self::unavailable(
                    "DATABASE_UNAVAILABLE",
                    "The database does not answer. Try again in a moment.",
                )
            }
            crate::store::StoreError::TimedOut => Self::unavailable(
                "QUERY_TIMEOUT",
                "This took longer than the service allows for one request. Narrow the filter or the search and try again.",
            ),
            other => Self::internal(other),
        }
    }
}
