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
}
