//! What an instance needs before it serves: its master key (never in the database), the
//! access-token key, and the admin token (only its SHA-256 in the database). Also moves the JWT
//! signing key that earlier versions kept in the database out of it.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clientele_domain::ports::{InstanceSecrets, Randomness};
use clientele_security::{sha256_hex, KeyScheme, MasterKey};
use clientele_store::DatabaseUrl;

use crate::config::Settings;
use crate::master_key::{self, KeySource};
use crate::private_file;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ADMIN_TOKEN_HASH: &str = "admin_token_sha256";
/// Where earlier versions kept the generated JWT signing key, in clear.
const LEGACY_JWT_SECRET: &str = "jwt_secret";

pub struct InstanceKeys {
    pub admin_token_sha256: String,
    /// Root of the flow-secret digest and outbox sealing keys.
    pub master: MasterKey,
    /// `CLIENTELE_JWT_SECRET` if set, else derived from the master key.
    pub access_token_key: Vec<u8>,
}

pub async fn resolve(
    settings: &Settings,
    secrets: &dyn InstanceSecrets,
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
    let master = master_key(source, secrets).await?;
    let access_token_key = match &settings.jwt_secret {
        Some(secret) => secret.clone().into_bytes(),
        None => master.access_token_key(),
    };
    let admin_token_sha256 = admin_token(settings, secrets, random).await?;
    Ok(InstanceKeys {
        admin_token_sha256,
        master,
        access_token_key,
    })
}

/// The master key from its source; on the first start after an upgrade, the JWT signing key
/// stored by the earlier version becomes a `legacy` key file and leaves the database.
async fn master_key(source: KeySource, secrets: &dyn InstanceSecrets) -> anyhow::Result<MasterKey> {
    let stored = secrets
        .get(LEGACY_JWT_SECRET)
        .await
        .context("reading the database's instance secrets")?;
    let legacy = stored
        .map(|secret| MasterKey::new(KeyScheme::Legacy, secret.into_bytes()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("the JWT key stored by an earlier version: {e}"))?;
    let key = match (source, legacy) {
        (KeySource::Setting(key), None) => return Ok(key),
        (KeySource::NamedFile(path), None) => {
            master_key::read_file(&path).map_err(|e| anyhow::anyhow!("CLIENTELE_MASTER_KEY_FILE: {e}"))?
        }
        (KeySource::DefaultFile(path), None) => {
            if path.exists() {
                master_key::read_file(&path).map_err(anyhow::Error::msg)?
            } else {
                let key =
                    master_key::create_file(&path, MasterKey::generate()).map_err(anyhow::Error::msg)?;
                tracing::info!(
                    path = %path.display(),
                    "master key file created: back it up apart from the database; without it \
                     sessions, pending codes and unsent mail are void"
                );
                key
            }
        }
        (KeySource::DefaultFile(path), Some(legacy)) => {
            let key = if path.exists() {
                master_key::read_file(&path).map_err(anyhow::Error::msg)?
            } else {
                master_key::create_file(&path, legacy.clone()).map_err(anyhow::Error::msg)?
            };
            if key != legacy {
                bail!(
                    "the database still holds the JWT signing key of an earlier version \
                     (instance_secrets.jwt_secret), and {} holds a different key; restore the \
                     key file that belongs to this database",
                    path.display()
                );
            }
            secrets
                .remove(LEGACY_JWT_SECRET)
                .await
                .context("removing the old JWT signing key from the database")?;
            tracing::warn!(
                path = %path.display(),
                "moved the JWT signing key of an earlier version out of the database into this \
                 key file (legacy scheme: sessions, pending codes and unsent mail stay valid); \
                 back it up apart from the database"
            );
            return Ok(key);
        }
        (named, Some(legacy)) => {
            if let KeySource::NamedFile(path) = &named {
                if master_key::read_file(path).is_ok_and(|key| key == legacy) {
                    tracing::warn!(
                        path = %path.display(),
                        "removed the JWT signing key of an earlier version from the database: \
                         this key file holds it"
                    );
                    secrets
                        .remove(LEGACY_JWT_SECRET)
                        .await
                        .context("removing the old JWT signing key from the database")?;
                    return Ok(legacy);
                }
            }
            bail!(
                "the database still holds the JWT signing key of an earlier version \
                 (instance_secrets.jwt_secret) and CLIENTELE_MASTER_KEY or \
                 CLIENTELE_MASTER_KEY_FILE names another key. Start once without either: the old \
                 key then moves to a key file beside the database (`legacy` scheme), which you \
                 can point CLIENTELE_MASTER_KEY_FILE at afterwards"
            );
        }
    };
    Ok(key)
}

/// The admin token's SHA-256: from `CLIENTELE_ADMIN_TOKEN`, or generated once per database and
/// written to a file readable by this user only (never to the log).
async fn admin_token(
    settings: &Settings,
    secrets: &dyn InstanceSecrets,
    random: &dyn Randomness,
) -> anyhow::Result<String> {
    if let Some(token) = &settings.admin_token {
        return Ok(sha256_hex(token));
    }
    let path = admin_token_path(settings)?;
    let token = random.string_from(ALPHANUMERIC, 40);
    let (stored, generated) = secrets
        .get_or_insert(ADMIN_TOKEN_HASH, &sha256_hex(&token))
        .await
        .context("storing the admin token")?;
    if generated {
        // A file left by an earlier database holds a token that no longer works: replace it.
        private_file::replace(&path, format!("{token}\n").as_bytes())
            .with_context(|| format!("writing the generated admin token to {}", path.display()))?;
        tracing::warn!(
            path = %path.display(),
            "generated the back-office admin token and wrote it to this file (readable by this \
             user only): use it as `Authorization: Bearer <token>` on /admin/v1/…, keep it \
             somewhere safe, then delete the file. Set CLIENTELE_ADMIN_TOKEN to choose your own"
        );
    } else if path.exists() {
        tracing::info!(
            path = %path.display(),
            "using the admin token generated at first start (CLIENTELE_ADMIN_TOKEN unset); \
             the file still holds it: delete it once the token is kept somewhere safe"
        );
    } else {
        tracing::info!("using the admin token generated at first start (CLIENTELE_ADMIN_TOKEN unset)");
    }
    Ok(stored)
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

    /// The instance_secrets table, in memory.
    #[derive(Default)]
    struct Table(Mutex<HashMap<String, String>>);

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
        async fn ping(&self) -> Result<(), StoreError> {
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
        assert_eq!(rows.len(), 1, "only the admin token's hash: {:?}", rows.keys());
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
