//! `vetted token create|list|revoke`: API tokens, managed on the database directly. `create`
//! prints the token once on standard output and nothing else there, so
//! `TOKEN=$(vetted token create --user …)` works.

use std::io::Write as _;

use anyhow::{Result, bail};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::Actor;

use super::OutputFormat;
use super::user::accounts;
use crate::context::Context;
use crate::output::pad;

/// Manage API tokens.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a token acting as a user (with that user's role); prints it once.
    Create(CreateOpts),
    /// List tokens (never the tokens themselves).
    List(ListOpts),
    /// Revoke a token by its id: it is refused from then on.
    Revoke(RevokeOpts),
}

#[derive(clap::Args, Debug)]
pub struct CreateOpts {
    /// The e-mail address of the user the token acts as.
    #[arg(long)]
    pub user: String,
    /// A name to recognise the token by.
    #[arg(long, default_value = "token")]
    pub name: String,
    /// The last day the token works (YYYY-MM-DD, UTC); default: no expiry.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_expiry)]
    pub expires: Option<OffsetDateTime>,
}

#[derive(clap::Args, Debug)]
pub struct ListOpts {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(clap::Args, Debug)]
pub struct RevokeOpts {
    /// The token's id (from `vetted token list`).
    pub id: String,
}

/// The end of the day `s` (YYYY-MM-DD) in UTC.
fn parse_expiry(s: &str) -> Result<OffsetDateTime, String> {
    vetted_core::date::parse_date(s)
        .and_then(time::Date::next_day)
        .map(|d| d.midnight().assume_utc())
        .ok_or_else(|| format!("`{s}` is not a date: expected YYYY-MM-DD"))
}

fn time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[derive(Serialize)]
struct TokenRow {
    id: String,
    user: String,
    name: String,
    created_at: String,
    expires_at: Option<String>,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

pub async fn run(ctx: &Context, command: Command) -> Result<u8> {
    let accounts = accounts(ctx, !matches!(command, Command::List(_))).await?;
    let result = async {
        match command {
            Command::Create(o) => {
                let user = accounts.get_user_by_email(&o.user).await?;
                if user.disabled {
                    bail!("{} is disabled: enable the account first", user.email);
                }
                let (token, secret) = accounts
                    .create_token(&user.id, &o.name, o.expires, Actor::System)
                    .await?;
                // Audit: the integrator wires `token.create` by `system` (the CLI) here.
                println!("{secret}");
                eprintln!(
                    "Created token {} for {}: this is the only time it is shown.",
                    token.id, user.email
                );
            }
            Command::List(o) => {
                let users = accounts.list_users().await?;
                let email = |id: &str| {
                    users
                        .iter()
                        .find(|u| u.id == id)
                        .map_or_else(|| id.to_string(), |u| u.email.clone())
                };
                let rows: Vec<TokenRow> = accounts
                    .list_tokens()
                    .await?
                    .into_iter()
                    .map(|t| TokenRow {
                        user: email(&t.user_id),
                        id: t.id,
                        name: t.name,
                        created_at: time(t.created_at),
                        expires_at: t.expires_at.map(time),
                        revoked_at: t.revoked_at.map(time),
                        last_used_at: t.last_used_at.map(time),
                    })
                    .collect();
                let mut out = std::io::stdout().lock();
                match o.format {
                    OutputFormat::Json => {
                        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
                    }
                    OutputFormat::Text => {
                        writeln!(
                            out,
                            "{}  {}  {}  STATUS",
                            pad("ID", 32),
                            pad("USER", 24),
                            pad("NAME", 16)
                        )?;
                        for r in &rows {
                            let status = match (&r.revoked_at, &r.expires_at) {
                                (Some(at), _) => format!("revoked {at}"),
                                (None, Some(at)) => format!("expires {at}"),
                                (None, None) => "no expiry".into(),
                            };
                            writeln!(
                                out,
                                "{}  {}  {}  {status}",
                                pad(&r.id, 32),
                                pad(&r.user, 24),
                                pad(&r.name, 16)
                            )?;
                        }
                    }
                }
            }
            Command::Revoke(o) => {
                accounts.revoke_token(&o.id, Actor::System).await?;
                eprintln!("Revoked token {}", o.id);
            }
        }
        Ok(0)
    }
    .await;
    accounts.close().await;
    result
}
