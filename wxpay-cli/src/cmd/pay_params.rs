//! `wxpay pay-params`: the parameters a front end pays a `prepay_id` with.

use serde_json::{Value, json};

use super::Ctx;
use crate::cli::PayParamsArgs;
use crate::exit::{CliError, chain};
use crate::output::pretty;

/// Runs `wxpay pay-params`.
pub fn run(ctx: &mut Ctx, args: &PayParamsArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let sign_error = |e: wxpay::Error| CliError::config(format!("signing failed: {}", chain(&e)));
    let value: Value = match (&args.sub_mchid, args.app) {
        (Some(sub), _) => serde_json::to_value(
            client
                .app_pay_params_for_sub_merchant(sub, &args.appid, &args.prepay_id)
                .map_err(sign_error)?,
        ),
        (None, true) => serde_json::to_value(
            client
                .app_pay_params(&args.appid, &args.prepay_id)
                .map_err(sign_error)?,
        ),
        (None, false) => serde_json::to_value(
            client
                .jsapi_pay_params(&args.appid, &args.prepay_id)
                .map_err(sign_error)?,
        ),
    }
    .map_err(|e| CliError::failure(e.to_string()))?;
    let kind = if args.app || args.sub_mchid.is_some() {
        "app"
    } else {
        "jsapi"
    };
    let doc = json!({"kind": kind, "params": value});
    ctx.out.result(&doc, || pretty(&value));
    Ok(())
}
