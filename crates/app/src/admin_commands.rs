//! `clientele tenant …` and `clientele api-key …`: the back office's tenant and key operations
//! on the configured database, through the same use cases as `/admin/v1/tenants`, so they work
//! with the server stopped or running. (A running server holds tenants in memory, and on
//! PostgreSQL API keys too, forgetting them when the database announces a change; on SQLite
//! nothing announces this process's writes to the server, so it reads keys from the file every
//! time, and a command here must never change a tenant the server may hold: creating one is
//! fine, a command that edits one would have to go through the server.)

use std::sync::Arc;

use anyhow::Context;
use clientele_domain::messages::MessageSettingsChange;
use clientele_domain::services::{ApiKeys, Tenants};
use clientele_domain::tenant::TenantChange;
use clientele_domain::{DomainError, Patch};
use clientele_security::{HmacDigester, OsRandomness, SystemClock};
use clientele_store::Database;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::{ApiKeyCommand, TenantCommand};
use crate::config::Settings;
use crate::instance;

async fn database(settings: &Settings) -> anyhow::Result<Arc<Database>> {
    let database =
        Database::connect_for_command(&settings.database_url).context("connecting to the database")?;
    database.migrate().await.context("applying migrations")?;
    Ok(Arc::new(database))
}

fn tenants(database: &Arc<Database>) -> Tenants {
    Tenants::new(database.clone(), Arc::new(SystemClock))
}

/// A domain refusal as one line for the terminal.
fn refused(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DomainError::NotFound => anyhow::anyhow!("no such tenant or key"),
        DomainError::Conflict(what) => anyhow::anyhow!("{what}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// A moment as RFC 3339 in UTC to the second, the one form every listing uses.
fn when(at: Option<OffsetDateTime>) -> String {
    at.map(|at| {
        at.to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(at)
    })
    .and_then(|at| at.format(&Rfc3339).ok())
    .unwrap_or_else(|| "-".into())
}

pub async fn tenant(settings: Settings, command: TenantCommand) -> anyhow::Result<()> {
    let database = database(&settings).await?;
    let tenants = tenants(&database);
    match command {
        TenantCommand::Create { id, name } => {
            let tenant = tenants.create(&id, &name).await.map_err(refused)?;
            println!("created tenant {}", tenant.id);
        }
        TenantCommand::Set(args) => {
            // A server on the same SQLite file holds the tenant in memory and hears no other
            // process's writes: the change must go through it.
            if !database
                .claim_sole_use(std::time::Duration::from_millis(200))
                .await
            {
                anyhow::bail!(
                    "a server is running on this SQLite database: use PATCH /admin/v1/tenants/{}, or stop it first",
                    args.id
                );
            }
            let patch = |value: Option<String>| match value {
                None => Patch::Keep,
                Some(v) if v.trim().is_empty() => Patch::Set(None),
                Some(v) => Patch::Set(Some(v)),
            };
            let change = TenantChange {
                messages: MessageSettingsChange {
                    sender_name: patch(args.sender_name),
                    sender_address: patch(args.sender_address),
                    reply_to: patch(args.reply_to),
                    brand_name: patch(args.brand_name),
                    logo_url: patch(args.logo_url),
                    accent_color: patch(args.accent_color),
                    default_language: patch(args.default_language),
                    support: patch(args.support),
                },
                ..TenantChange::default()
            };
            let tenant = tenants.change(&args.id, change).await.map_err(refused)?;
            let m = &tenant.settings.messages;
            let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            println!("tenant {}", tenant.id);
            println!("sender name\t{}", shown(&m.sender_name));
            println!("sender address\t{}", shown(&m.sender_address));
            println!("reply-to\t{}", shown(&m.reply_to));
            println!("brand name\t{}", shown(&m.brand_name));
            println!("logo URL\t{}", shown(&m.logo_url));
            println!("accent colour\t{}", shown(&m.accent_color));
            println!(
                "default language\t{}",
                shown(&m.default_language.as_ref().map(|l| l.to_string()))
            );
            println!("support\t{}", shown(&m.support));
        }
        TenantCommand::List => {
            println!("ID\tNAME\tCREATED");
            for tenant in tenants.list().await.map_err(refused)? {
                println!(
                    "{}\t{}\t{}",
                    tenant.id,
                    tenant.name,
                    when(Some(tenant.created_at))
                );
            }
        }
    }
    Ok(())
}

pub async fn api_key(settings: Settings, command: ApiKeyCommand) -> anyhow::Result<()> {
    let database = database(&settings).await?;
    let master = instance::resolve_master(&settings, database.as_ref()).await?;
    let keys = ApiKeys::new(
        database.clone(),
        database.clone(),
        Arc::new(HmacDigester::exact(master.api_key_digest_key())),
        Arc::new(OsRandomness),
        Arc::new(SystemClock),
    );
    match command {
        ApiKeyCommand::Create { tenant, name } => {
            let issued = keys.issue(&tenant, &name).await.map_err(refused)?;
            eprintln!(
                "created key {} ({}) for tenant {tenant}; it is shown this once:",
                issued.key.id, issued.key.name
            );
            println!("{}", issued.secret);
        }
        ApiKeyCommand::List { tenant } => {
            println!("ID\tPREFIX\tNAME\tCREATED\tLAST USED\tREVOKED");
            for key in keys.list(&tenant).await.map_err(refused)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    key.id,
                    key.prefix,
                    key.name,
                    when(Some(key.created_at)),
                    when(key.last_used_at),
                    when(key.revoked_at)
                );
            }
        }
        ApiKeyCommand::Revoke { tenant, key_id } => {
            keys.revoke(&tenant, &key_id).await.map_err(refused)?;
            println!("revoked key {key_id}");
        }
    }
    Ok(())
}
