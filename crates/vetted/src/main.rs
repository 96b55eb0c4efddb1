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
    quiet_on_closed_stdout();
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
        Err(e) if broken_pipe(&e) => ExitCode::from(BROKEN_PIPE),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(2)
        }
    }
}

/// The exit status of a command whose standard output was closed early (`vetted export |
/// head`): what a shell reports for a process stopped by `SIGPIPE`, without a message.
const BROKEN_PIPE: u8 = 141;

/// Whether `e` is a write to a closed pipe.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` panics when standard output is a closed pipe: stop quietly instead, as the
/// other tools of a pipeline do. Every other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(BROKEN_PIPE));
        }
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
