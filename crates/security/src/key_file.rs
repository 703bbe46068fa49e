//! The master key's text forms: the bare value `CLIENTELE_MASTER_KEY` takes, and the key file.
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
//!
//! Pure text in, key out (and back): where the file lives, and its permissions, are the
//! application's business.

use base64::Engine;

use crate::keys::{KeyScheme, MasterKey};

const HEADER: &str = "clientele-master-key";

impl MasterKey {
    /// `CLIENTELE_MASTER_KEY`'s format: at least 32 bytes, as hex (a value made only of hex
    /// digits is read as hex) or else base64 (standard or URL-safe alphabet, padding optional).
    /// Always the `v1` scheme.
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

    /// The text of a key file holding this key.
    pub fn to_file_text(&self) -> String {
        let scheme = match self.scheme() {
            KeyScheme::V1 => "v1",
            KeyScheme::Legacy => "legacy",
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(self.expose_bytes());
        format!("{HEADER} {scheme}\n{encoded}\n")
    }

    /// Reads a key file's text; the error says what is wrong, never what the file holds.
    pub fn from_file_text(text: &str) -> Result<MasterKey, String> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().ok_or("the file is empty")?;
        let Some(scheme) = first.strip_prefix(HEADER) else {
            if lines.next().is_some() {
                return Err(format!(
                    "the first line must be `{HEADER} v1` or `{HEADER} legacy`"
                ));
            }
            return MasterKey::parse_bare(first);
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
}

fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let unpadded = value.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(unpadded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_keys_are_hex_or_base64_of_at_least_32_bytes() {
        let bytes: Vec<u8> = (0u8..32).collect();
        let hex = hex::encode(&bytes);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 33]);
        let parse_bare = MasterKey::parse_bare;
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
        let text = v1.to_file_text();
        assert!(text.starts_with("clientele-master-key v1\n"), "{text}");
        assert_eq!(MasterKey::from_file_text(&text).unwrap(), v1);
        let legacy = MasterKey::new(KeyScheme::Legacy, b"x".repeat(64)).unwrap();
        let text = legacy.to_file_text();
        assert!(text.starts_with("clientele-master-key legacy\n"), "{text}");
        assert_eq!(MasterKey::from_file_text(&text).unwrap(), legacy);
        let bare = hex::encode([9u8; 32]);
        assert_eq!(
            MasterKey::from_file_text(&format!("{bare}\n")).unwrap().scheme(),
            KeyScheme::V1
        );
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
            let error = MasterKey::from_file_text(&text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
            assert!(!error.contains(&key), "{error}");
        }
    }
}
