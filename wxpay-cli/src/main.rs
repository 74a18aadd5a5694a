//! `wxpay`: WeChat Pay APIv3 from the terminal.
//!
//! Every request is signed and every answer verified, with the same client
//! services use (`wxpay`). `wxpay --help` is the reference; the README's
//! "The `wxpay` command" is the tour.

mod cli;
mod cmd;
mod config;
mod exit;
mod output;
mod transport;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, METHODS};
use crate::exit::CliError;
use crate::output::Output;

/// Global flags that take a value, for finding the first positional
/// argument of the bare form `wxpay POST /v3/…`.
const VALUE_FLAGS: [&str; 11] = [
    "--config",
    "--profile",
    "--mchid",
    "--merchant-serial",
    "--merchant-key-file",
    "--merchant-cert-file",
    "--public-key-id",
    "--public-key-file",
    "--apiv3-key-file",
    "--base-url",
    "--ca-file",
];

/// `wxpay [flags] POST /v3/…` becomes `wxpay [flags] request POST /v3/…`.
fn bare_form(mut args: Vec<String>) -> Vec<String> {
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        if !arg.starts_with('-') {
            if METHODS.contains(&arg.to_ascii_uppercase().as_str()) {
                args.insert(i, "request".to_owned());
            }
            break;
        }
        let takes_value = VALUE_FLAGS.contains(&arg.as_str());
        i += if takes_value { 2 } else { 1 };
    }
    args
}

fn main() -> ExitCode {
    let args = bare_form(std::env::args().collect());
    let command = Cli::command()
        .after_help(cli::after_help_with_codes())
        .mut_subcommands(|sub| {
            let text = match sub.get_after_help() {
                Some(help) => format!("{help}\n\n{}", exit::EXIT_CODES_HELP),
                None => exit::EXIT_CODES_HELP.to_owned(),
            };
            sub.after_help(text)
        });
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version print to stdout and exit 0; usage errors 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let out = Output {
        json: cli.global.json,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(out, CliError::failure(format!("cannot start: {e}"))),
    };
    match runtime.block_on(cmd::run(cli, out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(out, e),
    }
}

/// Prints a failure (stderr; also stdout as JSON with `--json`) and gives its code.
fn report(out: Output, e: CliError) -> ExitCode {
    eprintln!("wxpay: {e}");
    if out.json {
        println!("{}", output::pretty(&e.to_json()));
    }
    ExitCode::from(e.code as u8)
}

#[cfg(test)]
mod tests {
    use super::bare_form;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn the_bare_form_is_a_request() {
        assert_eq!(
            bare_form(args("wxpay --profile shop POST /v3/x -d {}")),
            args("wxpay --profile shop request POST /v3/x -d {}")
        );
        assert_eq!(
            bare_form(args("wxpay --json get /v3/x")),
            args("wxpay --json request get /v3/x")
        );
        // A profile named like a method is a flag's value, not the method.
        assert_eq!(
            bare_form(args("wxpay --profile GET config check")),
            args("wxpay --profile GET config check")
        );
        assert_eq!(
            bare_form(args("wxpay bill --date x")),
            args("wxpay bill --date x")
        );
    }
}
