use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Clientele: a self-hosted customer account service.
///
/// Configuration comes from CLIENTELE_* environment variables, over an optional TOML file
/// (`clientele.toml` in the working directory, or --config), over built-in defaults.
#[derive(Debug, Parser)]
#[command(name = "clientele", version)]
pub struct Cli {
    /// TOML file with the same keys as the environment (`database_url = "…"`).
    #[arg(long, global = true, env = "CLIENTELE_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default): applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Tenants: the client companies this instance serves (works with the server stopped).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// API keys of a tenant's apps (works with the server stopped).
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// A slug: 1-64 of a-z, 0-9, - and _.
        #[arg(long)]
        id: String,
        /// Its display name.
        #[arg(long)]
        name: String,
    },
    /// List every tenant: id, name, created.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for an app of the tenant and print it (shown this once).
    Create {
        #[arg(long)]
        tenant: String,
        /// What the key is for, e.g. the app's name.
        #[arg(long)]
        name: String,
    },
    /// List the tenant's keys: id, prefix, name, created, last used, revoked.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key: it fails from the next request on.
    Revoke {
        #[arg(long)]
        tenant: String,
        /// The key's id (from `api-key list`).
        key_id: String,
    },
}
