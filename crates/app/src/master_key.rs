//! Where the instance's master key comes from: the setting, a named file, or the default file
//! beside the database, created on first start (readable by its owner only). The key's text
//! forms, bare and as a file, are `clientele_security::MasterKey`'s (`parse_bare`,
//! `from_file_text`, `to_file_text`).

use std::path::{Path, PathBuf};

use clientele_security::MasterKey;
use clientele_store::DatabaseUrl;

use crate::config::Settings;
use crate::private_file;

/// Where the master key is taken from, in order of precedence.
#[derive(Debug)]
pub enum KeySource {
    /// `CLIENTELE_MASTER_KEY`: the key itself.
    Setting(MasterKey),
    /// `CLIENTELE_MASTER_KEY_FILE`: a file that must exist.
    NamedFile(PathBuf),
    /// Neither is set: the file beside the SQLite database (or `data/clientele.key` for
    /// PostgreSQL), created on first start.
    DefaultFile(PathBuf),
}

impl KeySource {
    pub fn of(settings: &Settings) -> Result<KeySource, String> {
        if let Some(value) = &settings.master_key {
            return MasterKey::parse_bare(value)
                .map(KeySource::Setting)
                .map_err(|e| format!("CLIENTELE_MASTER_KEY: {e}"));
        }
        if let Some(path) = &settings.master_key_file {
            return Ok(KeySource::NamedFile(absolute(Path::new(path))));
        }
        Ok(KeySource::DefaultFile(absolute(&default_key_path(
            &settings.database_url,
        )?)))
    }
}

/// `path` from the working directory, so that messages name it wherever one reads them.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The directory files of the instance go to by default, and the key file there:
/// `sqlite://data/clientele.db` → `data/clientele.key`; PostgreSQL → `data/clientele.key`
/// relative to the working directory.
pub fn default_key_path(database_url: &str) -> Result<PathBuf, String> {
    Ok(match DatabaseUrl::parse(database_url)? {
        DatabaseUrl::Sqlite(path) => path.with_extension("key"),
        DatabaseUrl::Postgres(_) => PathBuf::from("data/clientele.key"),
    })
}

/// Reads and checks the key file at `path`: it must be readable by its owner only.
pub fn read_file(path: &Path) -> Result<MasterKey, String> {
    let text = private_file::read(path)?;
    MasterKey::from_file_text(&text)
        .map_err(|e| format!("{} is not a valid master key file: {e}", path.display()))
}

/// Writes `key` to a new file at `path` (mode 0600). If the file appeared meanwhile (another
/// instance starting at the same moment), the key it holds wins and is returned instead.
pub fn create_file(path: &Path, key: MasterKey) -> Result<MasterKey, String> {
    match private_file::create_new(path, key.to_file_text().as_bytes()) {
        Ok(()) => Ok(key),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_file(path),
        Err(error) => Err(format!(
            "cannot create the master key file {}: {error}",
            path.display()
        )),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Barrier};

    use super::*;

    #[test]
    fn default_paths_sit_beside_the_database() {
        assert_eq!(
            default_key_path("sqlite://data/clientele.db").unwrap(),
            PathBuf::from("data/clientele.key")
        );
        assert_eq!(
            default_key_path("sqlite:///var/lib/c/x.sqlite").unwrap(),
            PathBuf::from("/var/lib/c/x.key")
        );
        assert_eq!(
            default_key_path("postgres://u:p@h/db").unwrap(),
            PathBuf::from("data/clientele.key")
        );
    }

    #[test]
    fn created_files_are_0600_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/clientele.key");
        let key = create_file(&path, MasterKey::generate()).unwrap();
        assert_eq!(private_file::mode(&path), 0o600);
        assert_eq!(read_file(&path).unwrap(), key);
        assert_eq!(
            create_file(&path, MasterKey::generate()).unwrap(),
            key,
            "an existing file wins"
        );
    }

    #[test]
    fn racing_creations_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = Arc::new(dir.path().join("clientele.key"));
        let barrier = Arc::new(Barrier::new(8));
        let keys: Vec<MasterKey> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    create_file(&path, MasterKey::generate()).unwrap()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(
            keys.iter().all(|k| k == &keys[0]),
            "every starter uses the winner's key"
        );
        assert_eq!(read_file(&path).unwrap(), keys[0]);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary left");
    }

    #[test]
    fn bad_files_stop_the_start_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clientele.key");
        create_file(&path, MasterKey::generate()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_file(&path).unwrap_err().contains("chmod 600"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "clientele-master-key v1\nshort\n").unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(error.contains("not a valid master key file"), "{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(read_file(&dir.path().join("missing.key"))
            .unwrap_err()
            .contains("cannot read"));
    }
}
