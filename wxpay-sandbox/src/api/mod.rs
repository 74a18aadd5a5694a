//! The platform's APIs as the sandbox implements them, one module per area:
//! placing orders (`pay`), looking them up and closing them (`orders`),
//! password-free contracts (`contracts`), refunds (`refunds`, and
//! abnormal ones in `refund`), the batch transfer (`transfer`), media
//! uploads (`media`), bills and their download (`bills`), the platform
//! certificates (`certificates`).
//!
//! Each module declares its [`Operation`]s. A request to one is first
//! checked against the spec's data for the operation, like in spec mode
//! (required parameters, headers and body fields with their JSON types;
//! see `spec.rs`), and required strings must not be empty; then against
//! the operation's own [`Rule`]s, which say only what the data does not;
//! then its handler reads the checked input and does the work.

use http::Method;

use crate::reply::Reply;
use crate::router::{Route, Router, SandboxRequest, builtin};
use crate::server::Shared;
use crate::spec::{self, Input};
use crate::validate::{self, Checked, Rule};

mod bills;
mod certificates;
pub(crate) mod contracts;
pub(crate) mod media;
pub(crate) mod orders;
mod pay;
mod refund;
pub(crate) mod refunds;
mod transfer;

/// What a stateful operation does with a checked request.
pub(crate) type Handler = fn(&Shared, &SandboxRequest, &Input<'_>) -> Checked<Reply>;

/// A stateful route: the operation it serves, the rules it adds to the
/// spec's checks (tables applied in order), and its handler.
pub(crate) struct Operation {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) rules: &'static [&'static [Rule]],
    pub(crate) handler: Handler,
}

/// Every built-in APIv3 route; an error when the spec's data lacks one of
/// their operations.
pub(crate) fn router() -> Result<Router, String> {
    let areas: [&[Operation]; 9] = [
        certificates::OPERATIONS,
        pay::OPERATIONS,
        orders::OPERATIONS,
        contracts::OPERATIONS,
        refunds::OPERATIONS,
        refund::OPERATIONS,
        transfer::OPERATIONS,
        media::OPERATIONS,
        bills::OPERATIONS,
    ];
    let mut router = Router::default();
    for operation in areas.into_iter().flatten() {
        let op = spec::operation(&operation.method, operation.path)?;
        let (rules, handler) = (operation.rules, operation.handler);
        let checked = builtin(move |shared, req| {
            let input = spec::check(req, op)?;
            spec::refuse_empty_strings(req, op, &input.body)?;
            validate::apply(rules, req, &input.body)?;
            handler(shared, req, &input)
        });
        router.add(Route::new(
            operation.method.clone(),
            operation.path,
            checked,
        ));
    }
    Ok(router)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_in_the_spec_data() {
        super::router().unwrap();
    }
}
