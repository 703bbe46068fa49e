//! What an instance needs before it serves: its master key (never in the database), the
//! access-token key, and the admin token (only its SHA-256 in the database). Also moves the key
//! material of earlier versions (the `jwt_secret` row, or `CLIENTELE_JWT_SECRET`) to a key file.
//!
//! The database holds a fingerprint of the master key (`master_key_check`), written by the first
//! start: every later start, of any instance, compares its key with it and refuses to serve on
//! another key, which would void what the other instances made (sessions, pending codes, sealed
//! mail).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use async_trait::async_trait;
use clientele_domain::ports::{InstanceSecrets, Randomness, StoreError};
use clientele_security::{sha256_hex, KeyScheme, MasterKey};
use clientele_store::{Database, DatabaseUrl};

use crate::config::Settings;
use crate::master_key::{self, KeySource};
use crate::private_file;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ADMIN_TOKEN_HASH: &str = "admin_token_sha256";
/// The fingerprint of the master key the database was set up with ([`MasterKey::check`]).
const KEY_CHECK: &str = "master_key_check";
/// Where earlier versions kept the generated JWT signing key, in clear.
const LEGACY_JWT_SECRET: &str = "jwt_secret";

const DIFFERENT_KEY: &str = "this instance's master key differs from the one the database was \
     set up with: give every instance the same CLIENTELE_MASTER_KEY or CLIENTELE_MASTER_KEY_FILE";
const VOIDS: &str = "starting on another key would void the sessions, pending codes and unsent \
     mail made with that one";

/// What start-up reads from the database.
#[async_trait]
pub trait InstanceStore: InstanceSecrets {
    /// Whether any account, flow or outbox row exists.
    async fn holds_data(&self) -> Result<bool, StoreError>;
}

#[async_trait]
impl InstanceStore for Database {
    async fn holds_data(&self) -> Result<bool, StoreError> {
        Database::holds_data(self).await
    }
}

pub struct InstanceKeys {
    pub admin_token_sha256: String,
    /// Root of the flow-secret digest and outbox sealing keys.
    pub master: MasterKey,
    /// `CLIENTELE_JWT_SECRET` if set, else derived from the master key.
    pub access_token_key: Vec<u8>,
}

/// The master key alone, checked against the database (what the command-line tools need).
pub async fn resolve_master(settings: &Settings, store: &dyn InstanceStore) -> anyhow::Result<MasterKey> {
    let source = KeySource::of(settings).map_err(anyhow::Error::msg)?;
    master_key(settings, source, store).await
}

pub async fn resolve(
    settings: &Settings,
    store: &dyn InstanceStore,
    random: &dyn Randomness,
) -> anyhow::Result<InstanceKeys> {
    let source = KeySource::of(settings).map_err(anyhow::Error::msg)?;
    if matches!(source, KeySource::DefaultFile(_))
        && matches!(
            DatabaseUrl::parse(&settings.database_url),
            Ok(DatabaseUrl::Postgres(_))
        )
    {
        tracing::warn!(
            "CLIENTELE_MASTER_KEY and CLIENTELE_MASTER_KEY_FILE are unset: the master key is in \
             data/clientele.key under the working directory. Instances sharing this database \
             must share one key: give them all the same one through CLIENTELE_MASTER_KEY or \
             CLIENTELE_MASTER_KEY_FILE"
        );
    }
    let master = master_key(settings, source, store).await?;
    let access_token_key = match &settings.jwt_secret {
        Some(secret) => secret.clone().into_bytes(),
        None => master.access_token_key(),
    };
    let admin_token_sha256 = admin_token(settings, store, random).await?;
    Ok(InstanceKeys {
        admin_token_sha256,
        master,
        access_token_key,
    })
}

/// The master key, checked against the database's fingerprint (written by the first start).
async fn master_key(
    settings: &Settings,
    source: KeySource,
    store: &dyn InstanceStore,
) -> anyhow::Result<MasterKey> {
    let check = store
        .get(KEY_CHECK)
        .await
        .context("reading the database's instance secrets")?;
    let row = store
        .get(LEGACY_JWT_SECRET)
        .await
        .context("reading the database's instance secrets")?
        .map(|secret| MasterKey::new(KeyScheme::Legacy, secret.into_bytes()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("the JWT key stored by an earlier version: {e}"))?;
    let key = match check {
        Some(check) => checked_key(source, &check)?,
        None => {
            // No fingerprint yet: a new database, or the first start after upgrading from a
            // version that wrote none (it left data, or its JWT key).
            let earlier = row.is_some() || store.holds_data().await.context("reading the database")?;
            first_key(settings, source, earlier, row.as_ref(), store).await?
        }
    };
    if row.is_some() {
        remove_legacy_row(store).await?;
    }
    Ok(key)
}

/// The key from `source`, which must be the one the database was set up with. A missing default
/// key file is not created: a new key could never match.
fn checked_key(source: KeySource, check: &str) -> anyhow::Result<MasterKey> {
    let key = match source {
        KeySource::Setting(key) => key,
        KeySource::NamedFile(path) => read_named(&path)?,
        KeySource::DefaultFile(path) => {
            if !path.exists() {
                bail!(
                    "{DIFFERENT_KEY}. This instance has neither, and no key file at {} (it \
                     created none): copy the key file of the instance that set the database up \
                     there, or configure its key; {VOIDS}",
                    path.display()
                );
            }
            master_key::read_file(&path).map_err(anyhow::Error::msg)?
        }
    };
    if key.check() != check {
        bail!("{DIFFERENT_KEY} (or restore the key file that belongs to this database); {VOIDS}");
    }
    Ok(key)
}

/// The key of the first start on this database, whose fingerprint it then stores. `earlier`:
/// the database was used by a version that stored no fingerprint; that version's key (the
/// `jwt_secret` row, or `CLIENTELE_JWT_SECRET` which it preferred) becomes a `legacy` key file
/// unless a key is configured.
async fn first_key(
    settings: &Settings,
    source: KeySource,
    earlier: bool,
    row: Option<&MasterKey>,
    store: &dyn InstanceStore,
) -> anyhow::Result<MasterKey> {
    let configured = settings
        .jwt_secret
        .as_ref()
        .filter(|_| earlier)
        .map(|secret| MasterKey::new(KeyScheme::Legacy, secret.clone().into_bytes()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("CLIENTELE_JWT_SECRET as the key of an earlier version: {e}"))?;
    // The keys the earlier version may have used, the one it preferred first.
    let legacy: Vec<&MasterKey> = configured.iter().chain(row).collect();
    let mut created = None;
    let key = match source {
        KeySource::Setting(key) => configured_key(key, row, &legacy)?,
        KeySource::NamedFile(path) => configured_key(read_named(&path)?, row, &legacy)?,
        KeySource::DefaultFile(path) => match legacy.first() {
            None if path.exists() => master_key::read_file(&path).map_err(anyhow::Error::msg)?,
            None => {
                let key =
                    master_key::create_file(&path, MasterKey::generate()).map_err(anyhow::Error::msg)?;
                if earlier {
                    tracing::warn!(
                        path = %path.display(),
                        "the database holds data but no fingerprint of a master key, no JWT key \
                         of an earlier version, and CLIENTELE_JWT_SECRET is unset: created a new \
                         master key file, so sessions, pending codes and unsent mail made before \
                         are void. If the earlier version ran with CLIENTELE_JWT_SECRET, see \
                         docs/operations.md (Keys and secrets) before going on"
                    );
                } else {
                    tracing::info!(
                        path = %path.display(),
                        "master key file created: back it up apart from the database; without \
                         it sessions, pending codes and unsent mail are void"
                    );
                }
                created = Some(path);
                key
            }
            Some(&root) => {
                let key = if path.exists() {
                    master_key::read_file(&path).map_err(anyhow::Error::msg)?
                } else {
                    created = Some(path.clone());
                    master_key::create_file(&path, root.clone()).map_err(anyhow::Error::msg)?
                };
                if !legacy.contains(&&key) {
                    if row.is_some() {
                        bail!(
                            "the database still holds the JWT signing key of an earlier version \
                             (instance_secrets.jwt_secret), and {} holds a different key; \
                             restore the key file that belongs to this database",
                            path.display()
                        );
                    }
                    // The version between: it ignored CLIENTELE_JWT_SECRET as a root, generated
                    // this file and has used it since.
                    tracing::info!(path = %path.display(), "using the existing master key file");
                } else if &key == root && configured.as_ref() == Some(root) {
                    tracing::warn!(
                        path = %path.display(),
                        "earlier versions derived every key from CLIENTELE_JWT_SECRET: wrote it \
                         to this key file (legacy scheme) so that sessions, pending codes and \
                         unsent mail stay valid; back it up apart from the database, and keep \
                         CLIENTELE_JWT_SECRET as it is (it still signs access tokens)"
                    );
                } else {
                    tracing::warn!(
                        path = %path.display(),
                        "moved the JWT signing key of an earlier version out of the database \
                         into this key file (legacy scheme: sessions, pending codes and unsent \
                         mail stay valid); back it up apart from the database"
                    );
                }
                key
            }
        },
    };
    let (stored, _) = store
        .get_or_insert(KEY_CHECK, &key.check())
        .await
        .context("storing the master key's fingerprint")?;
    if stored != key.check() {
        // Another instance, on another key, set the database up at the same moment.
        if let Some(path) = created {
            let _ = std::fs::remove_file(&path);
        }
        bail!("{DIFFERENT_KEY}; {VOIDS}");
    }
    Ok(key)
}

/// A key from `CLIENTELE_MASTER_KEY(_FILE)` on a database without a fingerprint: refused if the
/// database still holds an earlier version's key that it is not.
fn configured_key(
    key: MasterKey,
    row: Option<&MasterKey>,
    legacy: &[&MasterKey],
) -> anyhow::Result<MasterKey> {
    if row.is_some() && !legacy.contains(&&key) {
        bail!(
            "the database still holds the JWT signing key of an earlier version \
             (instance_secrets.jwt_secret) and CLIENTELE_MASTER_KEY or \
             CLIENTELE_MASTER_KEY_FILE names another key. Start once without either: the old \
             key then moves to a key file beside the database (`legacy` scheme), which you can \
             point CLIENTELE_MASTER_KEY_FILE at afterwards"
        );
    }
    Ok(key)
}

fn read_named(path: &Path) -> anyhow::Result<MasterKey> {
    master_key::read_file(path).map_err(|e| anyhow::anyhow!("CLIENTELE_MASTER_KEY_FILE: {e}"))
}

/// Deletes the `jwt_secret` row once the instance's key is settled (and its fingerprint stored):
/// either it is that key, now in a file, or it is a value the fingerprint shows unused.
async fn remove_legacy_row(store: &dyn InstanceStore) -> anyhow::Result<()> {
    store
        .remove(LEGACY_JWT_SECRET)
        .await
        .context("removing the old JWT signing key from the database")?;
    tracing::warn!(
        "removed the JWT signing key of an earlier version from the database \
         (instance_secrets.jwt_secret); copies taken before, in backups or WAL archives, still \
         hold it: see docs/security.md"
    );
    Ok(())
}

/// The admin token's SHA-256: from `CLIENTELE_ADMIN_TOKEN`, or generated once per database and
/// written to a file readable by this user only (never to the log). The file is written before
/// the hash is stored, so that a failed write loses nothing: the next start tries again, and a
/// file left by a start that stopped in between is taken up.
async fn admin_token(
    settings: &Settings,
    secrets: &dyn InstanceSecrets,
    random: &dyn Randomness,
) -> anyhow::Result<String> {
    if let Some(token) = &settings.admin_token {
        return Ok(sha256_hex(token));
    }
    let path = admin_token_path(settings)?;
    if let Some(stored) = secrets
        .get(ADMIN_TOKEN_HASH)
        .await
        .context("reading the admin token's hash")?
    {
        if path.exists() {
            tracing::info!(
                path = %path.display(),
                "using the admin token generated at first start (CLIENTELE_ADMIN_TOKEN unset); \
                 the file still holds it: delete it once the token is kept somewhere safe"
            );
        } else {
            tracing::info!("using the admin token generated at first start (CLIENTELE_ADMIN_TOKEN unset)");
        }
        return Ok(stored);
    }
    let (token, left_over) = if path.exists() {
        (read_admin_token(&path)?, true)
    } else {
        let token = random.string_from(ALPHANUMERIC, 40);
        match private_file::create_new(&path, format!("{token}\n").as_bytes()) {
            Ok(()) => (token, false),
            // Another instance in this directory, starting at the same moment.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                (read_admin_token(&path)?, true)
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "writing the generated admin token to {} (nothing was stored: fix this \
                         or set CLIENTELE_ADMIN_TOKEN, then start again)",
                        path.display()
                    )
                })
            }
        }
    };
    let hash = sha256_hex(&token);
    let (stored, _) = secrets
        .get_or_insert(ADMIN_TOKEN_HASH, &hash)
        .await
        .context("storing the admin token's hash")?;
    if stored != hash {
        let _ = std::fs::remove_file(&path);
        tracing::warn!(
            path = %path.display(),
            "another instance stored its generated admin token first: removed this file, whose \
             token would not work; the admin token is in the file that instance wrote beside its \
             own key file"
        );
    } else {
        tracing::warn!(
            path = %path.display(),
            "{} the back-office admin token {} this file (readable by this user only): use it \
             as `Authorization: Bearer <token>` on /admin/v1/…, keep it somewhere safe, then \
             delete the file. Set CLIENTELE_ADMIN_TOKEN to choose your own",
            if left_over { "stored" } else { "generated" },
            if left_over { "that an interrupted start generated into" } else { "and wrote it to" },
        );
    }
    Ok(stored)
}

fn read_admin_token(path: &Path) -> anyhow::Result<String> {
    let text = private_file::read(path).map_err(anyhow::Error::msg)?;
    let token = text.trim();
    if token.len() < 16 {
        bail!(
            "{} should hold a generated admin token, but holds no token of 16 characters or \
             more: delete it and start again",
            path.display()
        );
    }
    Ok(token.to_owned())
}

/// Beside the default key file: `data/clientele.key` → `data/clientele.admin-token`.
pub fn admin_token_path(settings: &Settings) -> anyhow::Result<PathBuf> {
    let key = master_key::default_key_path(&settings.database_url).map_err(anyhow::Error::msg)?;
    Ok(master_key::absolute(&key.with_extension("admin-token")))
}

#[cfg(all(test, unix))]
#[path = "instance_tests.rs"]
mod tests;
