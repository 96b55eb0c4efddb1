//! `vetted user add|list|disable|enable|totp`: accounts, managed on the database directly
//! (no server needed). Passwords come on standard input, never as an argument (arguments are
//! visible to other users of the machine in the process list).

use std::io::{BufRead as _, Write as _};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use vetted_app::accounts::{AccountSettings, Accounts};
use vetted_core::audit::Actor;
use vetted_core::role::Role;

use super::OutputFormat;
use crate::context::Context;
use crate::output::pad;

/// Manage user accounts.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create an account; the password is read from standard input.
    Add(AddOpts),
    /// List the accounts.
    List(ListOpts),
    /// Disable an account: it can no longer sign in, and its sessions and tokens stop working.
    Disable(EmailOpts),
    /// Enable a disabled account again.
    Enable(EmailOpts),
    /// Turn on the TOTP second factor: prints the otpauth:// URI for an authenticator app, once.
    Totp(EmailOpts),
}

#[derive(clap::Args, Debug)]
pub struct AddOpts {
    /// The e-mail address the user signs in with.
    pub email: String,
    /// What the user may do.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Read the password (at least 12 characters) from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(clap::Args, Debug)]
pub struct ListOpts {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(clap::Args, Debug)]
pub struct EmailOpts {
    /// The account's e-mail address.
    pub email: String,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("`{s}` is not a role: expected admin, editor or viewer"))
}

/// The account use cases over the configured database. Commands that change accounts
/// (`writes`) open it with the audit key, since every account change is sealed into the audit
/// trail (by the system: the CLI acts on the database directly, as its operator).
pub async fn accounts(ctx: &Context, writes: bool) -> Result<Accounts> {
    let store = if writes {
        ctx.writable_store().await?
    } else {
        ctx.store().await?
    };
    Ok(Accounts::new(store, AccountSettings::default()))
}

#[derive(Serialize)]
struct UserRow {
    id: String,
    email: String,
    role: Role,
    disabled: bool,
    totp: bool,
}

pub async fn run(ctx: &Context, command: Command) -> Result<u8> {
    let accounts = accounts(ctx, !matches!(command, Command::List(_))).await?;
    let result = run_with(&accounts, command).await;
    accounts.close().await;
    result
}

async fn run_with(accounts: &Accounts, command: Command) -> Result<u8> {
    match command {
        Command::Add(o) => {
            if !o.password_stdin {
                bail!(
                    "give the password on standard input with --password-stdin (never as an argument)"
                );
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let user = accounts
                .create_user(&o.email, password, o.role, Actor::System)
                .await?;
            // Audit: the integrator wires `user.create` by `system` (the CLI) here.
            eprintln!("Created {} ({}), id {}", user.email, user.role, user.id);
        }
        Command::List(o) => {
            let rows: Vec<UserRow> = accounts
                .list_users()
                .await?
                .into_iter()
                .map(|u| UserRow {
                    totp: u.totp_secret.is_some(),
                    id: u.id,
                    email: u.email,
                    role: u.role,
                    disabled: u.disabled,
                })
                .collect();
            let mut out = std::io::stdout().lock();
            match o.format {
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                OutputFormat::Text => {
                    let width = rows.iter().map(|r| r.email.len()).max().unwrap_or(5).max(5);
                    writeln!(out, "{}  ROLE    STATUS    TOTP  ID", pad("EMAIL", width))?;
                    for r in &rows {
                        writeln!(
                            out,
                            "{}  {}  {}  {}  {}",
                            pad(&r.email, width),
                            pad(r.role.as_str(), 6),
                            pad(if r.disabled { "disabled" } else { "active" }, 8),
                            pad(if r.totp { "on" } else { "off" }, 4),
                            r.id
                        )?;
                    }
                }
            }
        }
        Command::Disable(o) => {
            let user = accounts.get_user_by_email(&o.email).await?;
            accounts
                .update_user(&user.id, None, Some(true), Actor::System)
                .await?;
            eprintln!(
                "Disabled {}; their sessions and tokens no longer work",
                user.email
            );
        }
        Command::Enable(o) => {
            let user = accounts.get_user_by_email(&o.email).await?;
            accounts
                .update_user(&user.id, None, Some(false), Actor::System)
                .await?;
            eprintln!("Enabled {}", user.email);
        }
        Command::Totp(o) => {
            let user = accounts.get_user_by_email(&o.email).await?;
            let (_, uri) = accounts.enable_totp(&user.id, Actor::System).await?;
            eprintln!(
                "TOTP is on for {}: add this to an authenticator app now; it is not shown again.",
                user.email
            );
            println!("{uri}");
        }
    }
    Ok(0)
}
