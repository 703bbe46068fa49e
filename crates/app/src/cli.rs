use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Clientele: a self-hosted customer account service.
///
/// Configuration comes from CLIENTELE_* environment variables, over an optional TOML file
/// (`clientele.toml` in the working directory, or --config), over built-in defaults.
#[derive(Debug, Parser)]
#[command(
    name = "clientele",
    version,
    after_help = "Examples:\n  clientele                                    serve on 127.0.0.1:8080 with SQLite in data/\n  CLIENTELE_DATABASE_URL=postgres://app@db/clientele clientele migrate\n  clientele tenant create --id acme --name 'Acme Inc.'\n  clientele api-key create --tenant acme --name mobile-app\n\nEvery setting is listed in README.md (Configuration)."
)]
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
    #[command(
        after_help = "Example:\n  CLIENTELE_LISTEN=0.0.0.0:8080 CLIENTELE_ADMIN_TOKEN=a-long-secret-token clientele serve"
    )]
    Serve,
    /// Apply pending database migrations and exit.
    #[command(
        after_help = "Example:\n  CLIENTELE_DATABASE_URL=postgres://app@db.internal/clientele clientele migrate"
    )]
    Migrate,
    /// Tenants: the client companies this instance serves (works with the server stopped).
    #[command(
        subcommand,
        after_help = "Example:\n  clientele tenant create --id acme --name 'Acme Inc.'\n  clientele tenant list"
    )]
    Tenant(TenantCommand),
    /// API keys of a tenant's apps (works with the server stopped).
    #[command(
        subcommand,
        name = "api-key",
        after_help = "Example:\n  clientele api-key create --tenant acme --name mobile-app\n  clientele api-key list --tenant acme"
    )]
    ApiKey(ApiKeyCommand),
    /// Import customers from an earlier system, with their password hashes (JSON Lines, or
    /// CSV with a header row; works with the server stopped or running). Exit status 0 when
    /// every line was imported or skipped, 3 when some were refused, 1 when it could not run.
    #[command(
        after_help = "Example:\n  clientele import --tenant acme --report refused.jsonl customers.jsonl\n  clientele import --tenant acme --dry-run customers.csv\n\nThe file format and every hash scheme: docs/import.md."
    )]
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The tenant to import into.
    #[arg(long)]
    pub tenant: String,
    /// The file: `.csv` is read as CSV, anything else as JSON Lines; `-` reads standard input.
    pub file: String,
    /// Read the file as this format whatever its name: `jsonl` or `csv`.
    #[arg(long, value_parser = ["jsonl", "csv"])]
    pub format: Option<String>,
    /// Write every refused line here (JSON Lines: line, email, reason).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Check everything and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Update the profile of customers the tenant already has (and their password hash while
    /// it is still an imported one); without it they are skipped.
    #[arg(long)]
    pub update: bool,
    /// Mail customers imported pending activation (`emailVerified` false) their invitation.
    #[arg(long)]
    pub invite: bool,
    /// Firebase scrypt: the project's base64 signer key (all four Firebase options together).
    /// A secret: better given in the environment than on the command line.
    #[arg(
        long,
        env = "CLIENTELE_FIREBASE_SIGNER_KEY",
        hide_env_values = true,
        requires_all = ["firebase_salt_separator", "firebase_rounds", "firebase_mem_cost"]
    )]
    pub firebase_signer_key: Option<String>,
    /// Firebase scrypt: the base64 salt separator.
    #[arg(long, requires = "firebase_signer_key")]
    pub firebase_salt_separator: Option<String>,
    /// Firebase scrypt: rounds.
    #[arg(long, requires = "firebase_signer_key")]
    pub firebase_rounds: Option<u32>,
    /// Firebase scrypt: memory cost.
    #[arg(long, requires = "firebase_signer_key")]
    pub firebase_mem_cost: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    #[command(after_help = "Example:\n  clientele tenant create --id acme --name 'Acme Inc.'")]
    Create {
        /// A slug: 1-64 of a-z, 0-9, - and _.
        #[arg(long)]
        id: String,
        /// Its display name.
        #[arg(long)]
        name: String,
    },
    /// List every tenant: id, name, created (UTC), one per line after a header, tab-separated.
    #[command(after_help = "Example:\n  clientele tenant list")]
    List,
    /// Change how a tenant's messages look and who sends them, then print its message settings.
    /// An empty value unsets a setting (the instance's configuration applies).
    #[command(
        after_help = "Example:\n  clientele tenant set --id acme --brand-name 'Acme Shop' --sender-address hello@acme.example \\\n    --reply-to care@acme.example --accent-color '#0b5cad' --default-language de\n\nOn SQLite, while a server runs on the same file, use PATCH /admin/v1/tenants/{id} instead."
    )]
    Set(TenantMessageArgs),
}

/// A tenant's message settings; each left out stays as it is.
#[derive(Debug, clap::Args)]
pub struct TenantMessageArgs {
    /// The tenant's id.
    #[arg(long)]
    pub id: String,
    /// The `From` display name (else the brand name).
    #[arg(long)]
    pub sender_name: Option<String>,
    /// The `From` address (else CLIENTELE_MAIL_FROM's).
    #[arg(long)]
    pub sender_address: Option<String>,
    /// Where replies go; without it no message invites a reply.
    #[arg(long)]
    pub reply_to: Option<String>,
    /// The brand messages name (else the tenant's name).
    #[arg(long)]
    pub brand_name: Option<String>,
    /// The brand's logo, an https URL.
    #[arg(long)]
    pub logo_url: Option<String>,
    /// The brand's colour, #rrggbb.
    #[arg(long)]
    pub accent_color: Option<String>,
    /// The language for customers whose language has no template (en, de, ...).
    #[arg(long)]
    pub default_language: Option<String>,
    /// Where customers get help: an email address or an https URL.
    #[arg(long)]
    pub support: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for an app of the tenant and print it (shown this once).
    #[command(after_help = "Example:\n  clientele api-key create --tenant acme --name mobile-app")]
    Create {
        /// The tenant's id.
        #[arg(long)]
        tenant: String,
        /// What the key is for, e.g. the app's name.
        #[arg(long)]
        name: String,
    },
    /// List the tenant's keys: id, prefix, name, created, last used, revoked (UTC), after a
    /// header, tab-separated.
    #[command(after_help = "Example:\n  clientele api-key list --tenant acme")]
    List {
        /// The tenant's id.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key: it fails from the next request on.
    #[command(
        after_help = "Example:\n  clientele api-key revoke --tenant acme 2f6c1d0e-…  (the id from `api-key list`)"
    )]
    Revoke {
        /// The tenant's id.
        #[arg(long)]
        tenant: String,
        /// The key's id (from `api-key list`).
        key_id: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command's help, the top one's too, ends with an example a newcomer can run.
    #[test]
    fn every_command_shows_an_example() {
        fn check(command: &clap::Command, path: &str) -> usize {
            let help = command
                .get_after_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                help.contains("Example") && help.contains("clientele"),
                "`{path} --help` shows no example"
            );
            1 + command
                .get_subcommands()
                .filter(|sub| sub.get_name() != "help")
                .map(|sub| check(sub, &format!("{path} {}", sub.get_name())))
                .sum::<usize>()
        }
        let checked = check(&Cli::command(), "clientele");
        assert_eq!(checked, 12, "the commands checked");
    }
}
