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
mod tests {
    use std::collections::HashMap;
    use std::path::Path;
    use std::sync::Mutex;

    use async_trait::async_trait;
    use clientele_domain::ports::StoreError;
    use clientele_security::OsRandomness;

    use super::*;

    /// The instance_secrets table, in memory; and whether the database holds data.
    #[derive(Default)]
    struct Table(Mutex<HashMap<String, String>>, bool);

    impl Table {
        /// A database an earlier version used: it holds accounts.
        fn with_data() -> Self {
            Table(Mutex::default(), true)
        }

        fn row(&self, name: &str) -> Option<String> {
            self.0.lock().unwrap().get(name).cloned()
        }

        fn set(&self, name: &str, value: &str) {
            self.0.lock().unwrap().insert(name.into(), value.into());
        }
    }

    #[async_trait]
    impl InstanceStore for Table {
        async fn holds_data(&self) -> Result<bool, StoreError> {
            Ok(self.1)
        }
    }

    #[async_trait]
    impl InstanceSecrets for Table {
        async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
            let mut rows = self.0.lock().unwrap();
            match rows.get(name) {
                Some(stored) => Ok((stored.clone(), false)),
                None => {
                    rows.insert(name.into(), candidate.into());
                    Ok((candidate.into(), true))
                }
            }
        }
        async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
            Ok(self.0.lock().unwrap().get(name).cloned())
        }
        async fn remove(&self, name: &str) -> Result<(), StoreError> {
            self.0.lock().unwrap().remove(name);
            Ok(())
        }
    }

    /// What an earlier version stored: a 64-character alphanumeric JWT key.
    const OLD_JWT_SECRET: &str = "Qm9vb3RzdHJhcHBlZEtleUZyb21BbkVhcmxpZXJWZXJzaW9uMDEyMzQ1Njc4OWFi";

    fn settings(dir: &Path) -> Settings {
        Settings {
            database_url: format!("sqlite://{}/data/clientele.db", dir.display()),
            ..Settings::default()
        }
    }

    fn key_path(dir: &Path) -> PathBuf {
        dir.join("data/clientele.key")
    }

    #[tokio::test]
    async fn a_new_installation_gets_a_v1_key_file_and_an_admin_token_file() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, table) = (settings(dir.path()), Table::default());
        let first = resolve(&settings, &table, &OsRandomness).await.unwrap();
        assert_eq!(first.master.scheme(), KeyScheme::V1);
        assert_eq!(private_file::mode(&key_path(dir.path())), 0o600);
        assert_eq!(
            master_key::read_file(&key_path(dir.path())).unwrap(),
            first.master
        );
        assert_eq!(first.access_token_key, first.master.access_token_key());
        let token_path = dir.path().join("data/clientele.admin-token");
        assert_eq!(private_file::mode(&token_path), 0o600);
        let token = std::fs::read_to_string(&token_path).unwrap();
        assert_eq!(sha256_hex(token.trim()), first.admin_token_sha256);
        let rows = table.0.lock().unwrap().clone();
        let mut names: Vec<&str> = rows.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["admin_token_sha256", "master_key_check"]);
        assert_eq!(rows["master_key_check"], first.master.check());
        assert!(!rows.values().any(|v| v.contains(token.trim())));

        let second = resolve(&settings, &table, &OsRandomness).await.unwrap();
        assert_eq!(second.master, first.master, "the key file is kept");
        assert_eq!(second.admin_token_sha256, first.admin_token_sha256);
        assert_eq!(
            std::fs::read_to_string(&token_path).unwrap(),
            token,
            "written once"
        );
    }

    #[tokio::test]
    async fn a_configured_jwt_secret_signs_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            jwt_secret: Some("configured-jwt-secret-configured-jwt-secret".into()),
            master_key: Some(hex::encode([3u8; 32])),
            ..settings(dir.path())
        };
        let keys = resolve(&settings, &Table::default(), &OsRandomness)
            .await
            .unwrap();
        assert_eq!(
            keys.access_token_key,
            b"configured-jwt-secret-configured-jwt-secret"
        );
        assert_eq!(keys.master, MasterKey::new(KeyScheme::V1, vec![3u8; 32]).unwrap());
        assert!(
            !key_path(dir.path()).exists(),
            "no key file when the key is configured"
        );
    }

    #[tokio::test]
    async fn the_old_jwt_key_moves_from_the_database_to_a_legacy_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, table) = (settings(dir.path()), Table::default());
        table
            .0
            .lock()
            .unwrap()
            .insert("jwt_secret".into(), OLD_JWT_SECRET.into());
        let keys = resolve(&settings, &table, &OsRandomness).await.unwrap();
        assert_eq!(keys.master.scheme(), KeyScheme::Legacy);
        assert_eq!(
            keys.access_token_key,
            OLD_JWT_SECRET.as_bytes(),
            "old tokens still verify"
        );
        let old = MasterKey::new(KeyScheme::Legacy, OLD_JWT_SECRET.into()).unwrap();
        assert_eq!(keys.master.flow_digest_key(), old.flow_digest_key());
        assert_eq!(keys.master.outbox_seal_key(), old.outbox_seal_key());
        assert_eq!(table.0.lock().unwrap().get("jwt_secret"), None, "the row is gone");
        let path = key_path(dir.path());
        assert_eq!(private_file::mode(&path), 0o600);
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("clientele-master-key legacy\n"));
        let again = resolve(&settings, &table, &OsRandomness).await.unwrap();
        assert_eq!(again.master, keys.master, "later starts read the legacy file");
    }

    #[tokio::test]
    async fn a_move_interrupted_after_writing_the_file_completes() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, table) = (settings(dir.path()), Table::default());
        let old = MasterKey::new(KeyScheme::Legacy, OLD_JWT_SECRET.into()).unwrap();
        master_key::create_file(&key_path(dir.path()), old.clone()).unwrap();
        table
            .0
            .lock()
            .unwrap()
            .insert("jwt_secret".into(), OLD_JWT_SECRET.into());
        assert_eq!(
            resolve(&settings, &table, &OsRandomness).await.unwrap().master,
            old
        );
        assert_eq!(table.0.lock().unwrap().get("jwt_secret"), None);
    }

    #[tokio::test]
    async fn conflicting_keys_stop_the_start_and_keep_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let table = Table::default();
        table
            .0
            .lock()
            .unwrap()
            .insert("jwt_secret".into(), OLD_JWT_SECRET.into());
        master_key::create_file(&key_path(dir.path()), MasterKey::generate()).unwrap();
        let error = resolve(&settings(dir.path()), &table, &OsRandomness)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("holds a different key"), "{error}");
        let configured = Settings {
            master_key: Some(hex::encode([3u8; 32])),
            ..settings(dir.path())
        };
        let error = resolve(&configured, &table, &OsRandomness)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("Start once without either"), "{error}");
        assert!(!error.contains(OLD_JWT_SECRET));
        assert!(
            table.0.lock().unwrap().contains_key("jwt_secret"),
            "nothing is voided"
        );
        assert_eq!(table.row("master_key_check"), None);
    }

    fn error_of(result: anyhow::Result<InstanceKeys>) -> String {
        format!("{:#}", result.err().expect("the start is refused"))
    }

    const SAME_KEY: &str = "give every instance the same CLIENTELE_MASTER_KEY or CLIENTELE_MASTER_KEY_FILE";

    /// Two instances on one database (a shared `Table`), each in its own working directory.
    #[tokio::test]
    async fn an_instance_on_another_default_key_refuses_and_creates_no_file() {
        let (one, two, table) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            Table::default(),
        );
        let first = resolve(&settings(one.path()), &table, &OsRandomness)
            .await
            .unwrap();
        assert_eq!(table.row("master_key_check"), Some(first.master.check()));
        let error = error_of(resolve(&settings(two.path()), &table, &OsRandomness).await);
        assert!(
            error.contains("differs from the one the database was set up with"),
            "{error}"
        );
        assert!(error.contains(SAME_KEY), "{error}");
        assert!(!key_path(two.path()).exists(), "no stray key file");

        // A key file that is not the database's is refused too.
        master_key::create_file(&key_path(two.path()), MasterKey::generate()).unwrap();
        let error = error_of(resolve(&settings(two.path()), &table, &OsRandomness).await);
        assert!(error.contains(SAME_KEY), "{error}");
        // The right one is taken.
        std::fs::remove_file(key_path(two.path())).unwrap();
        std::fs::copy(key_path(one.path()), key_path(two.path())).unwrap();
        let second = resolve(&settings(two.path()), &table, &OsRandomness)
            .await
            .unwrap();
        assert_eq!(second.master, first.master);
    }

    #[tokio::test]
    async fn instances_sharing_a_configured_key_agree_and_another_key_is_refused() {
        let (one, two, table) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            Table::default(),
        );
        let configured = |dir: &Path, byte: u8| Settings {
            master_key: Some(hex::encode([byte; 32])),
            jwt_secret: None,
            ..settings(dir)
        };
        let first = resolve(&configured(one.path(), 5), &table, &OsRandomness)
            .await
            .unwrap();
        let second = resolve(&configured(two.path(), 5), &table, &OsRandomness)
            .await
            .unwrap();
        assert_eq!(first.access_token_key, second.access_token_key);
        assert_eq!(first.master, second.master);
        let error = error_of(resolve(&configured(two.path(), 6), &table, &OsRandomness).await);
        assert!(error.contains(SAME_KEY), "{error}");
        assert!(!error.contains(&hex::encode([6u8; 32])), "{error}");
        assert!(!key_path(one.path()).exists() && !key_path(two.path()).exists());
    }

    /// Two instances setting a new database up at the same moment with different keys: the one
    /// whose fingerprint is not stored refuses and removes the key file it created.
    #[tokio::test]
    async fn the_loser_of_a_first_start_race_removes_its_new_key_file() {
        struct Racing(Table);
        #[async_trait]
        impl InstanceSecrets for Racing {
            async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
                if name == "master_key_check" {
                    // The other instance got there between our read and our insert.
                    self.0.set(name, "0000");
                }
                self.0.get_or_insert(name, candidate).await
            }
            async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
                self.0.get(name).await
            }
            async fn remove(&self, name: &str) -> Result<(), StoreError> {
                self.0.remove(name).await
            }
        }
        #[async_trait]
        impl InstanceStore for Racing {
            async fn holds_data(&self) -> Result<bool, StoreError> {
                Ok(false)
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let error = error_of(resolve(&settings(dir.path()), &Racing(Table::default()), &OsRandomness).await);
        assert!(error.contains(SAME_KEY), "{error}");
        assert!(!key_path(dir.path()).exists(), "the losing key file is removed");
    }

    /// Earlier versions stored no row when CLIENTELE_JWT_SECRET was set, and derived the digest
    /// and sealing keys from it.
    #[tokio::test]
    async fn an_earlier_versions_configured_jwt_secret_becomes_the_legacy_key() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "configured-jwt-secret-of-the-earlier-version-0123";
        let settings = Settings {
            jwt_secret: Some(secret.into()),
            ..settings(dir.path())
        };
        let table = Table::with_data();
        let keys = resolve(&settings, &table, &OsRandomness).await.unwrap();
        let old = MasterKey::new(KeyScheme::Legacy, secret.into()).unwrap();
        assert_eq!(keys.master, old, "pending codes and sealed mail stay valid");
        assert_eq!(keys.access_token_key, secret.as_bytes());
        assert_eq!(master_key::read_file(&key_path(dir.path())).unwrap(), old);
        assert_eq!(table.row("master_key_check"), Some(old.check()));
        let again = resolve(&settings, &table, &OsRandomness).await.unwrap();
        assert_eq!(again.master, old);

        // Even with a row: the earlier version used the setting for everything.
        let dir = tempfile::tempdir().unwrap();
        let table = Table::default();
        table.set("jwt_secret", OLD_JWT_SECRET);
        let both = Settings {
            jwt_secret: Some(secret.into()),
            ..self::settings(dir.path())
        };
        assert_eq!(resolve(&both, &table, &OsRandomness).await.unwrap().master, old);
        assert_eq!(table.row("jwt_secret"), None, "the row leaves the database");
    }

    #[tokio::test]
    async fn a_new_database_gets_a_v1_key_even_with_a_jwt_secret() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            jwt_secret: Some("configured-jwt-secret-of-a-new-installation".into()),
            ..settings(dir.path())
        };
        let keys = resolve(&settings, &Table::default(), &OsRandomness)
            .await
            .unwrap();
        assert_eq!(keys.master.scheme(), KeyScheme::V1);
    }

    /// The version between (key files, no fingerprint) generated a v1 file even with
    /// CLIENTELE_JWT_SECRET set: that file holds the key, not the setting.
    #[tokio::test]
    async fn an_existing_key_file_wins_over_the_jwt_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = master_key::create_file(&key_path(dir.path()), MasterKey::generate()).unwrap();
        let settings = Settings {
            jwt_secret: Some("configured-jwt-secret-of-the-earlier-version-0123".into()),
            ..settings(dir.path())
        };
        let table = Table::with_data();
        assert_eq!(
            resolve(&settings, &table, &OsRandomness).await.unwrap().master,
            file
        );
        assert_eq!(table.row("master_key_check"), Some(file.check()));
    }

    #[tokio::test]
    async fn a_row_left_after_the_fingerprint_was_stored_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let table = Table::default();
        let old = MasterKey::new(KeyScheme::Legacy, OLD_JWT_SECRET.into()).unwrap();
        master_key::create_file(&key_path(dir.path()), old.clone()).unwrap();
        table.set("master_key_check", &old.check());
        table.set("jwt_secret", OLD_JWT_SECRET);
        assert_eq!(
            resolve(&settings(dir.path()), &table, &OsRandomness)
                .await
                .unwrap()
                .master,
            old
        );
        assert_eq!(table.row("jwt_secret"), None);
    }

    /// A start that wrote the token file and stopped before storing its hash.
    #[tokio::test]
    async fn a_token_file_left_by_an_interrupted_start_is_taken_up() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("data/clientele.admin-token");
        let token = "LeftByACrashedStart0123456789abcdefghijk";
        private_file::create_new(&token_path, format!("{token}\n").as_bytes()).unwrap();
        let table = Table::default();
        let keys = resolve(&settings(dir.path()), &table, &OsRandomness)
            .await
            .unwrap();
        assert_eq!(
            keys.admin_token_sha256,
            sha256_hex(token),
            "the file's token works"
        );
        assert_eq!(table.row("admin_token_sha256"), Some(sha256_hex(token)));
        assert_eq!(
            std::fs::read_to_string(&token_path).unwrap(),
            format!("{token}\n")
        );
    }

    #[tokio::test]
    async fn a_token_file_that_cannot_be_written_stores_no_hash() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("data/clientele.admin-token");
        // Something in the way that no start can write to or read from.
        std::fs::create_dir_all(&token_path).unwrap();
        let table = Table::default();
        let error = error_of(resolve(&settings(dir.path()), &table, &OsRandomness).await);
        assert!(error.contains("not a regular file"), "{error}");
        assert_eq!(table.row("admin_token_sha256"), None, "no hash without its token");
        std::fs::remove_dir(&token_path).unwrap();
        let keys = resolve(&settings(dir.path()), &table, &OsRandomness)
            .await
            .unwrap();
        let token = std::fs::read_to_string(&token_path).unwrap();
        assert_eq!(keys.admin_token_sha256, sha256_hex(token.trim()));
    }

    #[tokio::test]
    async fn a_token_file_beaten_by_another_instance_is_removed() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let table = Table::default();
        let configured = |dir: &Path| Settings {
            master_key: Some(hex::encode([3u8; 32])),
            ..settings(dir)
        };
        let first = resolve(&configured(one.path()), &table, &OsRandomness)
            .await
            .unwrap();
        // The second instance read no hash, then lost the insert.
        let stored = table.row("admin_token_sha256").unwrap();
        table.0.lock().unwrap().remove("admin_token_sha256");
        struct Late<'a>(&'a Table, String);
        #[async_trait]
        impl InstanceSecrets for Late<'_> {
            async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
                if name == "admin_token_sha256" {
                    self.0.set(name, &self.1);
                }
                self.0.get_or_insert(name, candidate).await
            }
            async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
                self.0.get(name).await
            }
            async fn remove(&self, name: &str) -> Result<(), StoreError> {
                self.0.remove(name).await
            }
        }
        #[async_trait]
        impl InstanceStore for Late<'_> {
            async fn holds_data(&self) -> Result<bool, StoreError> {
                Ok(false)
            }
        }
        let second = resolve(&configured(two.path()), &Late(&table, stored), &OsRandomness)
            .await
            .unwrap();
        assert_eq!(second.admin_token_sha256, first.admin_token_sha256);
        assert!(!two.path().join("data/clientele.admin-token").exists());
        assert!(one.path().join("data/clientele.admin-token").exists());
    }

    #[tokio::test]
    async fn a_named_key_file_must_exist_and_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("elsewhere.key");
        let settings = Settings {
            master_key_file: Some(path.display().to_string()),
            ..settings(dir.path())
        };
        let error = resolve(&settings, &Table::default(), &OsRandomness)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("CLIENTELE_MASTER_KEY_FILE") && error.contains("cannot read"),
            "{error}"
        );
        std::fs::write(&path, format!("{}\n", hex::encode([4u8; 32]))).unwrap();
        let error = resolve(&settings, &Table::default(), &OsRandomness)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("chmod 600"), "{error}");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        let keys = resolve(&settings, &Table::default(), &OsRandomness)
            .await
            .unwrap();
        assert_eq!(keys.master.expose_bytes(), &[4u8; 32]);
        assert!(!key_path(dir.path()).exists());
    }
}
