//! One module per command; [`run`] dispatches.

use std::sync::Arc;

use wxpay::Client;

use crate::cli::{Cli, Command, ConfigCommand, NotifyCommand};
use crate::config::Settings;
use crate::exit::CliError;
use crate::output::Output;
use crate::transport::Recorder;

mod bill;
mod certificates;
mod check;
mod notify;
mod pay_params;
mod request;
mod sandbox;

/// What a command works with: the settings, and the client they make.
pub struct Ctx {
    /// The resolved settings.
    pub settings: Settings,
    /// Results go here.
    pub out: Output,
    recorder: Option<Arc<Recorder>>,
}

impl Ctx {
    /// The transport (made once).
    pub fn recorder(&mut self) -> Result<Arc<Recorder>, CliError> {
        if let Some(r) = &self.recorder {
            return Ok(r.clone());
        }
        let r = Recorder::new(&self.settings)?;
        self.recorder = Some(r.clone());
        Ok(r)
    }

    /// A client for the configured merchant.
    pub fn client(&mut self) -> Result<Client, CliError> {
        let recorder = self.recorder()?;
        self.settings.client(&recorder)
    }

    /// Prints the last answer's status and `Request-ID` on stderr.
    pub fn note_answer(&self) {
        if let Some(r) = &self.recorder {
            let seen = r.last();
            if let Some(status) = seen.status {
                self.out.note(format!(
                    "{} Request-ID: {}",
                    status,
                    seen.request_id.as_deref().unwrap_or("(none)")
                ));
            }
        }
    }
}

/// Runs the command.
pub async fn run(cli: Cli, out: Output) -> Result<(), CliError> {
    if let Command::Sandbox(args) = &cli.command {
        // Needs no merchant configuration.
        return sandbox::run(args, out).await;
    }
    let settings = Settings::load(&cli.global)?;
    let mut ctx = Ctx {
        settings,
        out,
        recorder: None,
    };
    match cli.command {
        Command::Config(ConfigCommand::Check(args)) => check::run(&mut ctx, &args).await,
        Command::Certificates(args) => certificates::run(&mut ctx, &args).await,
        Command::Request(args) => request::run(&mut ctx, &args).await,
        Command::Notify(NotifyCommand::Verify(args)) => notify::verify(&mut ctx, &args).await,
        Command::Notify(NotifyCommand::Listen(args)) => notify::listen(&mut ctx, &args).await,
        Command::Bill(args) => bill::run(&mut ctx, &args).await,
        Command::PayParams(args) => pay_params::run(&mut ctx, &args),
        Command::Sandbox(_) => Ok(()),
    }
}
