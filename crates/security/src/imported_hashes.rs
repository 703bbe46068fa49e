//! Earlier systems' password hashes, imported with their customers and verified in their own
//! scheme until the customer next signs in (when Clientele's own hash replaces them).
//!
//! The stored form (after `import:`) is the hash exactly as the earlier system wrote it: each of
//! these formats names its scheme and carries its parameters and salt.
//! - bcrypt: `$2a$`, `$2b$`, `$2y$`, then the cost and 53 characters.
//! - Argon2 (argon2-cffi, passlib): `$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>`, also
//!   `$argon2i$` and `$argon2d$` (no `v=` is version 1.0, as the reference code reads it);
//!   Django writes `argon2` before it.
//! - scrypt (passlib, and RustCrypto's PHC string: the same format): `$scrypt$ln=..,r=..,p=..$<salt>$<hash>`.
//! - PBKDF2 (passlib): `$pbkdf2-sha256$<rounds>$<salt>$<hash>`, `$pbkdf2-sha512$…`, `$pbkdf2$…`
//!   (SHA-1), in passlib's "ab64" base64.
//! - PBKDF2 (Django): `pbkdf2_sha256$<iterations>$<salt>$<hash>`, `pbkdf2_sha1$…`.
//! - Django's bcrypt: `bcrypt_sha256$$2b$…` (bcrypt of the password's SHA-256 in lower-case hex)
//!   and `bcrypt$$2b$…`.
//!
//! Firebase's modified scrypt is the exception: its export keeps the salt apart and the project
//! keeps the rest, so its form gathers all of it (each part base64, as Firebase shows it):
//! `firebase-scrypt$r=<rounds>,m=<mem_cost>$<signer key>$<salt separator>$<salt>$<hash>`.
//!
//! Costs are capped (the constants below): a hash beyond them is refused at import (and, should
//! the store hold one, read as malformed) rather than letting one row's sign-in tie up a hashing
//! thread for seconds or take gigabytes. Anyone can make a check run (a sign-in with a wrong
//! password), and every answer is padded to the slowest scheme's time (verify_timing.rs), so at
//! the caps one check takes about a second of a hashing thread in a release build (0.2 to 1.3 s
//! measured, by scheme, on the development machine):
//! - bcrypt: cost 14 (bcrypt's default is 10 to 12);
//! - PBKDF2: 2,000,000 iterations (Django 5.2 writes 1,000,000), and a hash no longer than one
//!   block of its digest (SHA-1 20, SHA-256 32, SHA-512 64 bytes): each further block repeats
//!   every iteration, and the systems that write these store one block;
//! - Argon2: `m` 262,144 KiB (256 MiB), `t` 10, `p` 8 and `m`·`t` 1,048,576 KiB (the time is
//!   memory times passes; the lanes run one after another here). argon2-cffi's default
//!   (m=65536, t=3, p=4) is a fifth of that;
//! - scrypt (and Firebase's): 128·r·N bytes of memory 256 MiB, and 128·r·N·p 512 MiB (its p lanes
//!   run one after another in that memory, so the time follows the product). passlib's default
//!   (ln=16, r=8, p=1) is 64 MiB.
//!
//! What is read is exactly what verifying can work with: each check the hashing crates make when
//! verifying (argon2's salt of at least 8 bytes, scrypt's hash of 10 to 64 bytes, bcrypt's
//! canonical base64…) is made here too, so an adopted hash never turns out malformed at sign-in.

use aes::cipher::{KeyIvInit, StreamCipher};
use argon2::password_hash::PasswordHash as Phc;
use argon2::{Algorithm, Argon2, Params as Argon2Params, Version};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine, GeneralPurpose, GeneralPurposeConfig};
use clientele_domain::ports::{FirebaseScrypt, HashError};
use scrypt::Params as ScryptParams;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// About a second (2^14 rounds of bcrypt's key setup).
const BCRYPT_MAX_COST: u32 = 14;
const ARGON2_MAX_MEMORY_KIB: u32 = 262_144;
const ARGON2_MAX_TIME: u32 = 10;
const ARGON2_MAX_PARALLELISM: u32 = 8;
/// Argon2's work, `m`·`t` (KiB·passes): about a second at 256 MiB and 4 passes.
const ARGON2_MAX_WORK: u64 = 1_048_576;
/// scrypt's memory, 128·r·N bytes.
const SCRYPT_MAX_MEMORY_MIB: u32 = 256;
/// scrypt's work, 128·r·N·p bytes (its p lanes run one after the other in the same memory):
/// about 1.3 s.
const SCRYPT_MAX_WORK_MIB: u32 = 512;
/// About 0.2 s with SHA-1 or SHA-256, a second with SHA-512.
const PBKDF2_MAX_ITERATIONS: u32 = 2_000_000;
/// Shorter hashes would let a wrong password match by chance too often to trust them.
const MIN_HASH_BYTES: usize = 16;

const UNKNOWN: &str = "unknown password hash format";
const FIREBASE_PREFIX: &str = "firebase-scrypt";

/// The form to store (after `import:`) for an earlier system's `hash`, or why it is refused.
/// `salt` and `firebase` matter only to Firebase's scrypt (the other formats carry their salt).
/// Nothing is hashed: the hash is only read.
pub(crate) fn adopt(
    hash: &str,
    salt: Option<&str>,
    firebase: Option<&FirebaseScrypt>,
) -> Result<String, String> {
    if hash.is_empty() {
        return Err("empty password hash".into());
    }
    // Firebase's hash is bare base64: only what is no other format can be one.
    match (parse(hash), salt, firebase) {
        (Some(parsed), _, _) => parsed.map(|_| hash.to_owned()),
        (None, Some(salt), Some(project)) => adopt_firebase(hash, salt, project),
        (None, Some(_), None) if decode_b64(hash).is_some() => {
            Err("Firebase scrypt hashes need the project's hash parameters (--firebase-*)".into())
        }
        (None, None, Some(_)) if decode_b64(hash).is_some() => {
            Err("Firebase scrypt hashes need the customer's salt".into())
        }
        (None, _, _) => Err(UNKNOWN.into()),
    }
}

fn adopt_firebase(hash: &str, salt: &str, project: &FirebaseScrypt) -> Result<String, String> {
    let fields = format!(
        "r={},m={}${}${}${salt}${hash}",
        project.rounds, project.mem_cost, project.signer_key, project.salt_separator
    );
    parse_firebase(&fields)?;
    Ok(format!("{FIREBASE_PREFIX}${fields}"))
}

/// A stored form read back for verifying: `Malformed` when it is not one [`adopt`] makes (or
/// its costs are beyond the caps: the store was written by something else).
pub(crate) fn read(form: &str) -> Result<Imported<'_>, HashError> {
    parse(form).and_then(Result::ok).ok_or(HashError::Malformed)
}

/// An imported hash, read and within the caps.
pub(crate) enum Imported<'a> {
    Bcrypt {
        hash: &'a str,
        /// Django's `bcrypt_sha256`: bcrypt is given the password's SHA-256 in lower-case hex.
        sha256_first: bool,
    },
    Argon2 {
        argon2: Argon2<'static>,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Scrypt {
        params: ScryptParams,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Firebase {
        params: ScryptParams,
        /// The customer's salt followed by the project's salt separator.
        salt: Vec<u8>,
        signer_key: Vec<u8>,
        hash: Vec<u8>,
    },
    Pbkdf2 {
        prf: Prf,
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
}

#[derive(Clone, Copy)]
pub(crate) enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    /// The digest's output length, in bytes: one block of PBKDF2's output.
    fn output_len(self) -> usize {
        match self {
            Prf::Sha1 => sha1::Sha1::output_size(),
            Prf::Sha256 => Sha256::output_size(),
            Prf::Sha512 => Sha512::output_size(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Prf::Sha1 => "SHA-1",
            Prf::Sha256 => "SHA-256",
            Prf::Sha512 => "SHA-512",
        }
    }
}

impl Imported<'_> {
    /// The scheme's name, for keeping verification times per scheme.
    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            Imported::Bcrypt { .. } => "import:bcrypt",
            Imported::Argon2 { .. } => "import:argon2",
            Imported::Scrypt { .. } => "import:scrypt",
            Imported::Firebase { .. } => "import:firebase-scrypt",
            Imported::Pbkdf2 { .. } => "import:pbkdf2",
        }
    }

    /// Whether `password` is the one hashed (slow: run it on the hashing pool).
    pub(crate) fn verify(&self, password: &[u8]) -> Result<bool, HashError> {
        match self {
            Imported::Bcrypt { hash, sha256_first } => verify_bcrypt(password, hash, *sha256_first),
            Imported::Argon2 { argon2, salt, hash } => derives(hash, |out| {
                argon2.hash_password_into(password, salt, out).map_err(malformed)
            }),
            Imported::Scrypt { params, salt, hash } => derives(hash, |out| {
                scrypt::scrypt(password, salt, params, out).map_err(malformed)
            }),
            Imported::Firebase {
                params,
                salt,
                signer_key,
                hash,
            } => derives(hash, |out| {
                firebase_scrypt(password, salt, params, signer_key, out)
            }),
            Imported::Pbkdf2 {
                prf,
                iterations,
                salt,
                hash,
            } => derives(hash, |out| {
                pbkdf2_into(*prf, password, salt, *iterations, out);
                Ok(())
            }),
        }
    }
}

/// For `map_err`: a stored hash the scheme's code cannot work with.
fn malformed<E>(_: E) -> HashError {
    HashError::Malformed
}

/// Whether what `derive` writes (as many bytes as `hash` has) is `hash`, compared in constant
/// time.
fn derives(hash: &[u8], derive: impl FnOnce(&mut [u8]) -> Result<(), HashError>) -> Result<bool, HashError> {
    let mut out = vec![0; hash.len()];
    derive(&mut out)?;
    Ok(out.ct_eq(hash).into())
}

/// The password as the earlier system gave it to bcrypt: as it is, of which bcrypt reads 72
/// bytes (the `bcrypt` crate's `verify` cuts there, as the C and PHP implementations and Python's
/// bcrypt before 5.0 did, so a long password that signed in there signs in here), or for Django's
/// `bcrypt_sha256` its SHA-256 in hex (64 bytes: nothing is cut).
fn verify_bcrypt(password: &[u8], hash: &str, sha256_first: bool) -> Result<bool, HashError> {
    let matched = if sha256_first {
        bcrypt::verify(hex::encode(Sha256::digest(password)), hash)
    } else {
        bcrypt::verify(password, hash)
    };
    matched.map_err(malformed)
}

/// Firebase's scrypt (github.com/firebase/scrypt): the first half of scrypt's 64-byte key of the
/// password is the AES-256 key that encrypts the project's signer key in CTR mode from a zero
/// counter; that ciphertext is the hash. (Only that half is derived: scrypt's last step, PBKDF2,
/// begins its output the same whatever its length.) `out` is as long as the signer key.
fn firebase_scrypt(
    password: &[u8],
    salt: &[u8],
    params: &ScryptParams,
    signer_key: &[u8],
    out: &mut [u8],
) -> Result<(), HashError> {
    let mut key = [0; 32];
    scrypt::scrypt(password, salt, params, &mut key).map_err(malformed)?;
    out.copy_from_slice(signer_key);
    ctr::Ctr128BE::<aes::Aes256>::new(&key.into(), &[0; 16].into()).apply_keystream(out);
    Ok(())
}

fn pbkdf2_into(prf: Prf, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    match prf {
        Prf::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
        Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, out),
        Prf::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, out),
    }
}

/// `None` when `form` bears no scheme this module knows; else the hash read, or why it is
/// refused.
fn parse(form: &str) -> Option<Result<Imported<'_>, String>> {
    // Modular crypt format (`$id$…`) or Django's (`algorithm$…`).
    let modular = form.starts_with('$');
    let (id, rest) = form.strip_prefix('$').unwrap_or(form).split_once('$')?;
    Some(match (modular, id) {
        (true, _) if id.starts_with('2') => parse_bcrypt(form, false),
        (true, "argon2id" | "argon2i" | "argon2d") => parse_argon2(form),
        (true, "scrypt") => parse_scrypt(rest),
        (true, "pbkdf2") => parse_pbkdf2(Prf::Sha1, rest, Salt::Base64),
        (true, "pbkdf2-sha256") => parse_pbkdf2(Prf::Sha256, rest, Salt::Base64),
        (true, "pbkdf2-sha512") => parse_pbkdf2(Prf::Sha512, rest, Salt::Base64),
        (false, "bcrypt_sha256") => parse_bcrypt(rest, true),
        (false, "bcrypt") => parse_bcrypt(rest, false),
        // Django's prefix before argon2-cffi's whole string.
        (false, "argon2") => parse_argon2(&form[id.len()..]),
        (false, "pbkdf2_sha1") => parse_pbkdf2(Prf::Sha1, rest, Salt::Text),
        (false, "pbkdf2_sha256") => parse_pbkdf2(Prf::Sha256, rest, Salt::Text),
        (false, FIREBASE_PREFIX) => parse_firebase(rest),
        _ => return None,
    })
}

fn parse_bcrypt(hash: &str, sha256_first: bool) -> Result<Imported<'_>, String> {
    const MALFORMED: &str = "malformed bcrypt hash";
    let ["", version, cost, salt_and_hash] = split(hash, '$').ok_or(MALFORMED)? else {
        return Err(MALFORMED.into());
    };
    if version == "2x" {
        return Err("$2x$ bcrypt hashes (crypt_blowfish's 8-bit bug) are not verified".into());
    }
    let bcrypt_base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'/';
    let cost = match (version, cost.len(), cost.parse::<u32>()) {
        ("2a" | "2b" | "2y", 2, Ok(cost)) if cost >= 4 => cost,
        _ => return Err(MALFORMED.into()),
    };
    if salt_and_hash.len() != 53 || !salt_and_hash.bytes().all(bcrypt_base64) {
        return Err(MALFORMED.into());
    }
    // The bcrypt crate's own reading: it also wants the base64 canonical (a last character of
    // the salt or hash with bits beyond the bytes set is refused when verifying).
    if hash.parse::<bcrypt::HashParts>().is_err() {
        return Err(MALFORMED.into());
    }
    if cost > BCRYPT_MAX_COST {
        return Err(format!("bcrypt cost above {BCRYPT_MAX_COST} is not verified"));
    }
    Ok(Imported::Bcrypt { hash, sha256_first })
}

fn parse_argon2(phc: &str) -> Result<Imported<'static>, String> {
    let parsed = Phc::new(phc).map_err(|_| "malformed argon2 hash")?;
    if parsed.params.get("keyid").is_some() {
        return Err("argon2 hashes made with a secret key (keyid) are not verified".into());
    }
    let (argon2, salt, hash) = argon2_parts(&parsed).ok_or("malformed argon2 hash")?;
    check_argon2_costs(argon2.params())?;
    check_hash_length(&hash, "argon2")?;
    // What the argon2 crate checks when hashing, besides the parameters (checked by
    // `Params::try_from`: output of 4 bytes or more, m ≥ 8·p, t and p ≥ 1) and the password.
    if salt.len() < argon2::MIN_SALT_LEN {
        return Err(format!(
            "argon2 salts shorter than {} bytes are not verified",
            argon2::MIN_SALT_LEN
        ));
    }
    Ok(Imported::Argon2 { argon2, salt, hash })
}

fn argon2_parts(parsed: &Phc<'_>) -> Option<(Argon2<'static>, Vec<u8>, Vec<u8>)> {
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    // The reference implementation reads a hash without `v=` as version 1.0 (0x10).
    let version = Version::try_from(parsed.version.unwrap_or(0x10)).ok()?;
    let params = Argon2Params::try_from(parsed).ok()?;
    let salt = parsed.salt?.decode_b64(&mut [0; 64]).ok()?.to_vec();
    let hash = parsed.hash?.as_bytes().to_vec();
    Some((Argon2::new(algorithm, version, params), salt, hash))
}

fn check_argon2_costs(params: &Argon2Params) -> Result<(), String> {
    if params.m_cost() > ARGON2_MAX_MEMORY_KIB {
        return Err(format!(
            "argon2 memory cost above {ARGON2_MAX_MEMORY_KIB} KiB is not verified"
        ));
    }
    if params.t_cost() > ARGON2_MAX_TIME {
        return Err(format!(
            "argon2 time cost above {ARGON2_MAX_TIME} is not verified"
        ));
    }
    if params.p_cost() > ARGON2_MAX_PARALLELISM {
        return Err(format!(
            "argon2 parallelism above {ARGON2_MAX_PARALLELISM} is not verified"
        ));
    }
    if u64::from(params.m_cost()) * u64::from(params.t_cost()) > ARGON2_MAX_WORK {
        return Err(format!(
            "argon2 memory × time cost above {ARGON2_MAX_WORK} KiB is not verified"
        ));
    }
    Ok(())
}

/// `ln=..,r=..,p=..$salt$hash`: passlib writes standard base64 without padding, as RustCrypto's
/// PHC strings do, and both give scrypt the salt's decoded bytes: one format.
fn parse_scrypt(rest: &str) -> Result<Imported<'static>, String> {
    let ([log_n, r, p], salt, hash) = read_scrypt(rest).ok_or("malformed scrypt hash")?;
    check_hash_length(&hash, "scrypt")?;
    let params = scrypt_params(log_n, r, p, hash.len())?;
    Ok(Imported::Scrypt { params, salt, hash })
}

/// `[ln, r, p]`, the salt and the hash.
fn read_scrypt(rest: &str) -> Option<([u32; 3], Vec<u8>, Vec<u8>)> {
    let [params, salt, hash] = split(rest, '$')?;
    let [log_n, r, p] = split(params, ',')?;
    let numbers = [named(log_n, "ln=")?, named(r, "r=")?, named(p, "p=")?];
    Some((numbers, decode_b64(salt)?, decode_b64(hash)?))
}

/// scrypt's parameters within the caps; `len` is the hash's length.
fn scrypt_params(log_n: u32, r: u32, p: u32, len: usize) -> Result<ScryptParams, String> {
    // N = 2^ln must be above 1 (RFC 7914); with N ≥ 2 the p lanes' 128·r·p bytes are at most
    // half the work cap.
    if log_n == 0 {
        return Err("malformed scrypt parameters".into());
    }
    // 2^32 blocks are far beyond the cap whatever r is; below that the products fit a u128.
    let memory = (u128::from(r) * 128) << log_n.min(32);
    if log_n >= 32 || memory > u128::from(SCRYPT_MAX_MEMORY_MIB) << 20 {
        return Err(format!(
            "scrypt memory above {SCRYPT_MAX_MEMORY_MIB} MiB is not verified"
        ));
    }
    if memory * u128::from(p) > u128::from(SCRYPT_MAX_WORK_MIB) << 20 {
        return Err(format!(
            "scrypt work (memory × parallelism) above {SCRYPT_MAX_WORK_MIB} MiB is not verified"
        ));
    }
    // Also refuses what scrypt would: r or p of 0, N ≥ 2^(16·r), a hash outside 10 to 64 bytes.
    ScryptParams::new(log_n as u8, r, p, len).map_err(|_| "malformed scrypt parameters".into())
}

/// `r=<rounds>,m=<mem_cost>$<signer key>$<salt separator>$<salt>$<hash>`, all base64.
fn parse_firebase(rest: &str) -> Result<Imported<'static>, String> {
    let [params, signer_key, separator, salt, hash] =
        split(rest, '$').ok_or("malformed Firebase scrypt hash")?;
    let (rounds, mem_cost) = split(params, ',')
        .and_then(|[rounds, mem_cost]| Some((named(rounds, "r=")?, named(mem_cost, "m=")?)))
        .ok_or("malformed Firebase scrypt parameters")?;
    let base64 = |text, what| decode_b64(text).ok_or(format!("the Firebase {what} is not base64"));
    let signer_key = base64(signer_key, "signer key")?;
    let mut salt = base64(salt, "salt")?;
    salt.extend(base64(separator, "salt separator")?);
    let hash = base64(hash, "password hash")?;
    check_hash_length(&hash, "Firebase scrypt")?;
    if hash.len() != signer_key.len() {
        return Err("the Firebase password hash is not as long as the signer key".into());
    }
    let params = scrypt_params(mem_cost, rounds, 1, 32)?;
    Ok(Imported::Firebase {
        params,
        salt,
        signer_key,
        hash,
    })
}

/// How a PBKDF2 format writes its salt.
enum Salt {
    /// passlib: base64 ("ab64": `.` for `+`, no padding) of the salt's bytes.
    Base64,
    /// Django: the salt's text is used as it is.
    Text,
}

/// `<iterations>$<salt>$<hash>`, the hash in base64 (passlib's ab64 or Django's standard).
fn parse_pbkdf2(prf: Prf, rest: &str, salt_format: Salt) -> Result<Imported<'static>, String> {
    let (iterations, salt, hash) = read_pbkdf2(rest, salt_format).ok_or("malformed PBKDF2 hash")?;
    check_hash_length(&hash, "PBKDF2")?;
    // Each further block of the digest's length costs all the iterations again: one block is
    // what these systems store, and all a check needs.
    if hash.len() > prf.output_len() {
        return Err(format!(
            "PBKDF2 hashes longer than {} bytes (one {} block) are not verified",
            prf.output_len(),
            prf.name()
        ));
    }
    if iterations > PBKDF2_MAX_ITERATIONS {
        return Err(format!(
            "PBKDF2 iterations above {PBKDF2_MAX_ITERATIONS} are not verified"
        ));
    }
    Ok(Imported::Pbkdf2 {
        prf,
        iterations,
        salt,
        hash,
    })
}

fn read_pbkdf2(rest: &str, salt_format: Salt) -> Option<(u32, Vec<u8>, Vec<u8>)> {
    let [iterations, salt, hash] = split(rest, '$')?;
    let iterations = iterations.parse().ok().filter(|&n| n > 0)?;
    let salt = match salt_format {
        Salt::Base64 => decode_b64(salt)?,
        Salt::Text => salt.as_bytes().to_vec(),
    };
    Some((iterations, salt, decode_b64(hash)?))
}

/// Exactly `N` fields.
fn split<const N: usize>(text: &str, separator: char) -> Option<[&str; N]> {
    text.split(separator).collect::<Vec<_>>().try_into().ok()
}

/// The number in `<name><number>` (`ln=16`).
fn named(field: &str, name: &str) -> Option<u32> {
    field.strip_prefix(name)?.parse().ok()
}

fn check_hash_length(hash: &[u8], scheme: &str) -> Result<(), String> {
    if hash.len() < MIN_HASH_BYTES {
        return Err(format!(
            "{scheme} hashes shorter than {MIN_HASH_BYTES} bytes are not verified"
        ));
    }
    Ok(())
}

/// Decodes any base64 these systems write: standard (PHC strings, passlib's scrypt, Django,
/// Firebase), passlib's "ab64" (`.` for `+`) and the URL-safe alphabet (some Firebase exports),
/// padded or not. The alphabets differ only in those characters, so mapping them suffices.
fn decode_b64(text: &str) -> Option<Vec<u8>> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let standard: String = text
        .chars()
        .map(|c| match c {
            '.' | '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    ENGINE.decode(standard).ok()
}

#[cfg(test)]
pub(crate) mod vectors;

#[cfg(test)]
mod tests;
