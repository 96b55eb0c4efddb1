//! `vetted`: the supplier register that knows your supplier policy.
//!
//! One file per subcommand under [`commands`], each with its `Opts` and `run`. Exit codes:
//! 0 success (for `check`: no supplier has a `fail` finding), 1 `check` found a `fail`,
//! 2 invalid input, policy, usage or any other error.

mod commands;
mod config;
mod context;
mod notify_config;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Global;

/// Vetted: the supplier register that knows your supplier policy (ISO/IEC 27001:2022 A.5.19–5.23).
#[derive(Parser, Debug)]
#[command(name = "vetted", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(commands::check::Opts),
    #[command(subcommand)]
    Policy(commands::policy::Command),
    Import(commands::import::Opts),
    Export(commands::export::Opts),
    #[command(subcommand)]
    Supplier(commands::supplier::Command),
    #[command(subcommand)]
    Audit(commands::audit::Command),
    #[command(subcommand)]
    Risk(commands::risk::Command),
    #[command(subcommand)]
    Subprocessors(commands::subprocessors::Command),
    Due(commands::due::Opts),
    #[command(subcommand)]
    Report(commands::report::Command),
    EvidencePack(commands::evidence_pack::Opts),
    Notify(commands::notify::Opts),
    #[command(subcommand)]
    User(commands::user::Command),
    #[command(subcommand)]
    Token(commands::token::Command),
    Serve(commands::serve::Opts),
    Backup(commands::backup::BackupOpts),
    Restore(commands::backup::RestoreOpts),
    DefaultConfig(commands::default_config::Opts),
    #[command(hide = true)]
    Generate(commands::generate::Opts),
}

fn main() -> ExitCode {
    // The local date must be read before any thread starts (the offset is unknowable after).
    let today = context::local_today();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let ctx = context::Context::new(cli.global, today);
    let result = runtime.block_on(async {
        match cli.command {
            Command::Check(o) => commands::check::run(&ctx, o).await,
            Command::Policy(c) => commands::policy::run(&ctx, c).await,
            Command::Import(o) => commands::import::run(&ctx, o).await,
            Command::Export(o) => commands::export::run(&ctx, o).await,
            Command::Supplier(c) => commands::supplier::run(&ctx, c).await,
            Command::Audit(c) => commands::audit::run(&ctx, c).await,
            Command::Risk(c) => commands::risk::run(&ctx, c).await,
            Command::Subprocessors(c) => commands::subprocessors::run(&ctx, c).await,
            Command::Due(o) => commands::due::run(&ctx, o).await,
            Command::Report(c) => commands::report::run(&ctx, c).await,
            Command::EvidencePack(o) => commands::evidence_pack::run(&ctx, o).await,
            Command::Notify(o) => commands::notify::run(&ctx, o).await,
            Command::User(c) => commands::user::run(&ctx, c).await,
            Command::Token(c) => commands::token::run(&ctx, c).await,
            Command::Serve(o) => commands::serve::run(&ctx, o).await,
            Command::Backup(o) => commands::backup::backup(&ctx, o).await,
            Command::Restore(o) => commands::backup::restore(&ctx, o).await,
            Command::DefaultConfig(o) => commands::default_config::run(&o),
            Command::Generate(o) => commands::generate::run(&o),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
