//! Where the instance's master key comes from, and its file's format.
//!
//! The key file has two lines:
//!
//! ```text
//! clientele-master-key v1
//! <standard base64 of the key bytes, at least 32>
//! ```
//!
//! The first line names the scheme: `v1` (HKDF-SHA256 per use) for keys Clientele generates,
//! `legacy` for the JWT signing key an earlier version kept in the database and that start-up
//! moved here. A file holding only a bare key (base64 or hex, as `CLIENTELE_MASTER_KEY` takes)
//! is read as `v1`.

use std::path::{Path, PathBuf};

use base64::Engine;
use clientele_security::{KeyScheme, MasterKey};
use clientele_store::DatabaseUrl;

use crate::config::Settings;
use crate::private_file;

const HEADER: &str = "clientele-master-key";

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
            return parse_bare(value)
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

/// `CLIENTELE_MASTER_KEY`'s format: at least 32 bytes, as hex (a value made only of hex digits
/// is read as hex) or else base64 (standard or URL-safe alphabet, padding optional). Always the
/// `v1` scheme.
pub fn parse_bare(value: &str) -> Result<MasterKey, String> {
    let value = value.trim();
    let hex_digits = !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit());
    let bytes = if hex_digits {
        hex::decode(value).map_err(|_| "not valid hex (an odd number of digits?)".to_owned())?
    } else {
        decode_base64(value).ok_or("neither hex nor base64")?
    };
    MasterKey::new(KeyScheme::V1, bytes)
}

fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let unpadded = value.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(unpadded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
        .ok()
}

/// The text of a key file holding `key`.
pub fn encode_file(key: &MasterKey) -> String {
    let scheme = match key.scheme() {
        KeyScheme::V1 => "v1",
        KeyScheme::Legacy => "legacy",
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose_bytes());
    format!("{HEADER} {scheme}\n{encoded}\n")
}

/// Reads a key file's text; the error says what is wrong, never what the file holds.
pub fn parse_file(text: &str) -> Result<MasterKey, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().ok_or("the file is empty")?;
    let Some(scheme) = first.strip_prefix(HEADER) else {
        if lines.next().is_some() {
            return Err(format!(
                "the first line must be `{HEADER} v1` or `{HEADER} legacy`"
            ));
        }
        return parse_bare(first);
    };
    let scheme = match scheme.trim() {
        "v1" => KeyScheme::V1,
        "legacy" => KeyScheme::Legacy,
        _ => {
            return Err(format!(
                "unknown scheme on the first line: expected `{HEADER} v1` or `{HEADER} legacy`"
            ))
        }
    };
    let encoded = lines.next().ok_or("the key line is missing")?;
    if lines.next().is_some() {
        return Err("more than two lines".into());
    }
    let bytes = decode_base64(encoded).ok_or("the key line is not base64")?;
    MasterKey::new(scheme, bytes)
}

/// Reads and checks the key file at `path`: it must be readable by its owner only.
pub fn read_file(path: &Path) -> Result<MasterKey, String> {
    let text = private_file::read(path)?;
    parse_file(&text).map_err(|e| format!("{} is not a valid master key file: {e}", path.display()))
}

/// Writes `key` to a new file at `path` (mode 0600). If the file appeared meanwhile (another
/// instance starting at the same moment), the key it holds wins and is returned instead.
pub fn create_file(path: &Path, key: MasterKey) -> Result<MasterKey, String> {
    match private_file::create_new(path, encode_file(&key).as_bytes()) {
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
    fn bare_keys_are_hex_or_base64_of_at_least_32_bytes() {
        let bytes: Vec<u8> = (0u8..32).collect();
        let hex = hex::encode(&bytes);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 33]);
        assert_eq!(parse_bare(&hex).unwrap().expose_bytes(), &bytes[..]);
        assert_eq!(
            parse_bare(&format!(" {b64}\n")).unwrap().expose_bytes(),
            &bytes[..]
        );
        assert_eq!(parse_bare(&url).unwrap().expose_bytes(), &[0xfb; 33][..]);
        assert_eq!(parse_bare(&hex).unwrap().scheme(), KeyScheme::V1);
        assert!(parse_bare(&hex[..62]).is_err(), "31 bytes are too few");
        assert!(parse_bare("not a key!").is_err());
        assert!(parse_bare("").is_err());
    }

    #[test]
    fn files_round_trip_with_their_scheme() {
        let v1 = MasterKey::generate();
        let text = encode_file(&v1);
        assert!(text.starts_with("clientele-master-key v1\n"), "{text}");
        assert_eq!(parse_file(&text).unwrap(), v1);
        let legacy = MasterKey::new(KeyScheme::Legacy, b"x".repeat(64)).unwrap();
        let text = encode_file(&legacy);
        assert!(text.starts_with("clientele-master-key legacy\n"), "{text}");
        assert_eq!(parse_file(&text).unwrap(), legacy);
        let bare = hex::encode([9u8; 32]);
        assert_eq!(parse_file(&format!("{bare}\n")).unwrap().scheme(), KeyScheme::V1);
    }

    #[test]
    fn malformed_files_are_refused_without_showing_them() {
        let key = base64::engine::general_purpose::STANDARD.encode([5u8; 32]);
        for (text, says) in [
            (String::new(), "empty"),
            (format!("clientele-master-key v9\n{key}\n"), "unknown scheme"),
            ("clientele-master-key v1\n".into(), "missing"),
            ("clientele-master-key v1\n%%%\n".into(), "not base64"),
            ("clientele-master-key v1\nAAAA\n".into(), "at least 32"),
            (format!("clientele-master-key v1\n{key}\n{key}\n"), "two lines"),
            (format!("something else\n{key}\n"), "first line"),
        ] {
            let error = parse_file(&text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
            assert!(!error.contains(&key), "{error}");
        }
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
