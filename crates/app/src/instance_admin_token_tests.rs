//! The admin token file: taken up, not written, or beaten by another instance.

use super::*;

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
