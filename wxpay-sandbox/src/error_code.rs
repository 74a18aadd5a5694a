//! The platform's error codes the sandbox answers, each with the HTTP
//! status it comes with; the only place their wire spelling is written.

use std::fmt;

use http::StatusCode;
use serde_json::{Value, json};

use crate::reply::Reply;

/// A platform error code, as in the `code` of an error answer
/// (`{"code","message"}`). [`reply`](Self::reply) makes the answer with
/// the code's usual status.
///
/// A route added with [`Sandbox::route`](crate::Sandbox::route) may answer
/// any other code with [`Reply::error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `400 PARAM_ERROR`: a parameter is missing or malformed (the answer
    /// usually carries a `detail` naming it).
    ParamError,
    /// `400 INVALID_REQUEST`: the request is well-formed but not allowed
    /// in the current state (an idempotency key reused with other
    /// parameters, terminating twice, refunding too much, …).
    InvalidRequest,
    /// `401 SIGN_ERROR`: the `Authorization` header is missing or does
    /// not verify.
    SignError,
    /// `403 NO_AUTH`: the resource belongs to another merchant.
    NoAuth,
    /// `404 NOT_FOUND`: no such route (or, on the control plane, no such
    /// order, contract or refund).
    NotFound,
    /// `404 ORDER_NOT_EXIST`: no such order.
    OrderNotExist,
    /// `404 RESOURCE_NOT_EXISTS`: no such contract, refund, bill or
    /// certificate.
    ResourceNotExists,
    /// `400 ORDER_PAID`: the order is paid (it cannot be closed).
    OrderPaid,
    /// `400 NO_STATEMENT_EXIST`: there is no bill for that day.
    NoStatementExist,
    /// `400 APPID_MCHID_NOT_MATCH`: the appid is not bound to the merchant
    /// the order is for.
    AppidMchidNotMatch,
    /// `403 NOT_ENOUGH`: the payer's balance does not cover the payment
    /// (a code payment the sandbox declines).
    NotEnough,
    /// `409 INVALID_STATE`: a control-plane move the state does not allow
    /// (paying a closed order, signing a contract twice, …).
    InvalidState,
    /// `500 SYSTEM_ERROR`: the sandbox failed on its side.
    SystemError,
}

impl ErrorCode {
    /// The code as written in answers, e.g. `PARAM_ERROR`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ParamError => "PARAM_ERROR",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::SignError => "SIGN_ERROR",
            ErrorCode::NoAuth => "NO_AUTH",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::OrderNotExist => "ORDER_NOT_EXIST",
            ErrorCode::ResourceNotExists => "RESOURCE_NOT_EXISTS",
            ErrorCode::OrderPaid => "ORDER_PAID",
            ErrorCode::NoStatementExist => "NO_STATEMENT_EXIST",
            ErrorCode::AppidMchidNotMatch => "APPID_MCHID_NOT_MATCH",
            ErrorCode::NotEnough => "NOT_ENOUGH",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::SystemError => "SYSTEM_ERROR",
        }
    }

    /// The HTTP status the platform answers this code with.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorCode::ParamError
            | ErrorCode::InvalidRequest
            | ErrorCode::OrderPaid
            | ErrorCode::NoStatementExist
            | ErrorCode::AppidMchidNotMatch => StatusCode::BAD_REQUEST,
            ErrorCode::SignError => StatusCode::UNAUTHORIZED,
            ErrorCode::NoAuth | ErrorCode::NotEnough => StatusCode::FORBIDDEN,
            ErrorCode::NotFound | ErrorCode::OrderNotExist | ErrorCode::ResourceNotExists => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::InvalidState => StatusCode::CONFLICT,
            ErrorCode::SystemError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error answer `{"code","message"}` with this code and its status.
    pub fn reply(self, message: impl Into<String>) -> Reply {
        Reply::error(self.status(), self.as_str(), message)
    }

    /// The error answer with this code and a `detail` naming the body
    /// field, as [`Reply::param_error`] gives for `PARAM_ERROR`.
    pub fn reply_detail(self, field: &str, value: &Value, message: impl Into<String>) -> Reply {
        let message = message.into();
        Reply::json(
            self.status(),
            &json!({
                "code": self.as_str(),
                "message": message,
                "detail": { "field": field, "value": value, "issue": message, "location": "body" },
            }),
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_answer_with_their_status() {
        let reply = ErrorCode::OrderNotExist.reply("gone");
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body["code"], "ORDER_NOT_EXIST");
        assert_eq!(body["message"], "gone");
        assert_eq!(ErrorCode::InvalidState.to_string(), "INVALID_STATE");
    }
}
