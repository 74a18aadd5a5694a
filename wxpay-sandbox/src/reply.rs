//! What a sandbox route answers: a status and a JSON body (or none), signed on the way out.

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error_code::ErrorCode;

/// An answer before the server signs it and adds `Request-ID`.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// Body bytes (JSON, or empty for 204).
    pub body: Bytes,
    /// Extra headers.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Whether to sign the answer (every platform answer is; faults may say otherwise).
    pub signed: bool,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: StatusCode, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Reply {
            status,
            body: Bytes::from(body),
            headers: Vec::new(),
            signed: true,
        }
    }

    /// `200 OK` with a JSON body.
    pub fn ok(value: &impl Serialize) -> Self {
        Self::json(StatusCode::OK, value)
    }

    /// `200 OK` with a file (a bill), of type `content_type` and unsigned:
    /// the platform does not sign files (PROTOCOL §3).
    pub fn file(content_type: &'static str, body: Vec<u8>) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Bytes::from(body),
            headers: vec![(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            )],
            signed: false,
        }
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: Bytes::new(),
            headers: Vec::new(),
            signed: true,
        }
    }

    /// The platform's error object, `{"code","message"}`, with any code;
    /// [`ErrorCode::reply`] makes the sandbox's own.
    pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::json(status, &json!({ "code": code, "message": message.into() }))
    }

    /// `400 PARAM_ERROR` with the `detail` object naming the field.
    pub fn param_error(field: &str, value: &Value, issue: impl Into<String>) -> Self {
        let issue = issue.into();
        Self::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "code": ErrorCode::ParamError.as_str(),
                "message": format!("invalid parameter {field}: {issue}"),
                "detail": { "field": field, "value": value, "issue": issue, "location": "body" },
            }),
        )
    }

    /// `400 PARAM_ERROR` for a query or path parameter.
    pub fn param_error_at(
        location: &str,
        field: &str,
        value: &str,
        issue: impl Into<String>,
    ) -> Self {
        let issue = issue.into();
        Self::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "code": ErrorCode::ParamError.as_str(),
                "message": format!("invalid parameter {field}: {issue}"),
                "detail": { "field": field, "value": value, "issue": issue, "location": location },
            }),
        )
    }

    /// `404` for an unknown resource, with any code.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::error(StatusCode::NOT_FOUND, code, message)
    }

    /// The same answer with another status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Whether the answer is a success.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}
