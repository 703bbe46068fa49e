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

#[path = "instance_admin_token_tests.rs"]
mod admin_token;
