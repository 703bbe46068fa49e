use super::vectors::*;
use super::*;

const WRONG: &str = "correct horse battery stapler";

fn firebase_project() -> FirebaseScrypt {
    FirebaseScrypt {
        signer_key: FIREBASE_SIGNER_KEY.into(),
        salt_separator: FIREBASE_SALT_SEPARATOR.into(),
        rounds: FIREBASE_ROUNDS,
        mem_cost: FIREBASE_MEM_COST,
    }
}

fn verifies(form: &str, password: &str) -> bool {
    read(form).unwrap().verify(password.as_bytes()).unwrap()
}

/// Adopts `hash` (kept as it was written), then verifies `password` and refuses a wrong one.
fn assert_verifies(hash: &str, password: &str) {
    let form = adopt(hash, None, None).unwrap_or_else(|reason| panic!("{hash}: {reason}"));
    assert_eq!(form, hash);
    assert!(verifies(&form, password), "{hash} refused its password");
    assert!(!verifies(&form, WRONG), "{hash} took a wrong password");
}

fn refusal(hash: &str) -> String {
    adopt(hash, None, None).expect_err(hash)
}

/// Why `hash` is refused at adoption, having checked that as a stored form it reads as
/// malformed too.
fn refused_everywhere(hash: &str) -> String {
    assert!(matches!(read(hash), Err(HashError::Malformed)), "{hash} read");
    refusal(hash)
}

/// Unpadded standard base64, as PHC strings write it.
fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

#[test]
fn bcrypt_vectors_verify() {
    assert_verifies(BCRYPT_2B, PASSWORD);
    assert_verifies(BCRYPT_2A_NON_ASCII, NON_ASCII);
    assert_verifies(BCRYPT_2Y, PASSWORD);
    // Made from the first 72 bytes, as bcrypt implementations cut it: the whole password
    // (what the customer types) verifies.
    assert_verifies(BCRYPT_LONG, LONG);
    assert!(verifies(BCRYPT_LONG, &LONG[..72]));
    assert_eq!(read(BCRYPT_2B).unwrap().scheme(), "import:bcrypt");
}

#[test]
fn argon2_vectors_verify() {
    for (hash, password) in [
        (ARGON2ID, PASSWORD),
        (ARGON2ID_NON_ASCII, NON_ASCII),
        (ARGON2I, PASSWORD),
        (ARGON2D, PASSWORD),
        (ARGON2I_V16, PASSWORD),
        (ARGON2ID_PASSLIB, PASSWORD),
        (DJANGO_ARGON2, PASSWORD),
    ] {
        assert_verifies(hash, password);
    }
    assert_eq!(read(ARGON2ID).unwrap().scheme(), "import:argon2");
}

#[test]
fn scrypt_vectors_verify() {
    assert_verifies(SCRYPT_PASSLIB, PASSWORD);
    assert_verifies(SCRYPT_PASSLIB_P2, NON_ASCII);
    assert_verifies(SCRYPT_RUSTCRYPTO, PASSWORD);
    assert_eq!(read(SCRYPT_PASSLIB).unwrap().scheme(), "import:scrypt");
}

#[test]
fn firebase_example_verifies() {
    let project = firebase_project();
    let form = adopt(FIREBASE_HASH, Some(FIREBASE_SALT), Some(&project)).unwrap();
    assert_eq!(
        form,
        format!(
            "firebase-scrypt$r=8,m=14${FIREBASE_SIGNER_KEY}${FIREBASE_SALT_SEPARATOR}\
             ${FIREBASE_SALT}${FIREBASE_HASH}"
        )
    );
    assert!(verifies(&form, FIREBASE_PASSWORD));
    assert!(!verifies(&form, "user1passworD"));
    assert_eq!(read(&form).unwrap().scheme(), "import:firebase-scrypt");
}

#[test]
fn firebase_hashes_need_the_project_and_the_salt() {
    let project = firebase_project();
    assert_eq!(
        adopt(FIREBASE_HASH, Some(FIREBASE_SALT), None).unwrap_err(),
        "Firebase scrypt hashes need the project's hash parameters (--firebase-*)"
    );
    assert_eq!(
        adopt(FIREBASE_HASH, None, Some(&project)).unwrap_err(),
        "Firebase scrypt hashes need the customer's salt"
    );
    assert_eq!(
        adopt(
            "bm90IDY0IGJ5dGVzIGxvbmcgYXQgYWxs",
            Some(FIREBASE_SALT),
            Some(&project)
        )
        .unwrap_err(),
        "the Firebase password hash is not as long as the signer key"
    );
    let no_key = FirebaseScrypt {
        signer_key: "not base64!".into(),
        ..firebase_project()
    };
    assert_eq!(
        adopt(FIREBASE_HASH, Some(FIREBASE_SALT), Some(&no_key)).unwrap_err(),
        "the Firebase signer key is not base64"
    );
    let costly = FirebaseScrypt {
        mem_cost: 19,
        ..firebase_project()
    };
    assert_eq!(
        adopt(FIREBASE_HASH, Some(FIREBASE_SALT), Some(&costly)).unwrap_err(),
        "scrypt memory above 256 MiB is not verified"
    );
    // Other formats carry their salt: a salt column beside them changes nothing.
    assert_eq!(
        adopt(BCRYPT_2B, Some(FIREBASE_SALT), Some(&project)).unwrap(),
        BCRYPT_2B
    );
}

#[test]
fn pbkdf2_vectors_verify() {
    for (hash, password) in [
        (PBKDF2_SHA256_PASSLIB, PASSWORD),
        (PBKDF2_SHA512_PASSLIB, PASSWORD),
        (PBKDF2_SHA1_PASSLIB, PASSWORD),
        (PBKDF2_SHA256_DJANGO, PASSWORD),
        (PBKDF2_SHA1_DJANGO, PASSWORD),
        (PBKDF2_SHA256_DJANGO_NON_ASCII, NON_ASCII),
    ] {
        assert_verifies(hash, password);
    }
    assert_eq!(read(PBKDF2_SHA1_DJANGO).unwrap().scheme(), "import:pbkdf2");
}

#[test]
fn django_bcrypt_vectors_verify() {
    assert_verifies(DJANGO_BCRYPT_SHA256, PASSWORD);
    assert_verifies(DJANGO_BCRYPT, PASSWORD);
    // SHA-256 first: every byte of a long password counts.
    assert_verifies(DJANGO_BCRYPT_SHA256_LONG, LONG);
    assert!(!verifies(DJANGO_BCRYPT_SHA256_LONG, &LONG[..72]));
}

/// One hash at each library's default cost (about 1.5 s in all in a debug build, the hashing
/// crates being optimised: see the workspace's Cargo.toml).
#[test]
fn library_default_costs_verify() {
    for hash in [
        BCRYPT_DEFAULT,
        ARGON2ID_DEFAULT,
        SCRYPT_PASSLIB_DEFAULT,
        PBKDF2_SHA256_PASSLIB_DEFAULT,
        PBKDF2_SHA512_PASSLIB_DEFAULT,
        PBKDF2_SHA1_PASSLIB_DEFAULT,
    ] {
        assert!(verifies(&adopt(hash, None, None).unwrap(), PASSWORD), "{hash}");
    }
}

/// Django's million rounds: about 3.5 s in a debug build (PBKDF2's HMAC code is generic, so
/// compiled into this crate, unoptimised), 0.3 s optimised.
#[test]
fn django_default_iterations_verify() {
    assert!(verifies(
        &adopt(PBKDF2_SHA256_DJANGO_DEFAULT, None, None).unwrap(),
        PASSWORD
    ));
}

#[test]
fn unknown_plain_and_empty_hashes_are_refused() {
    assert_eq!(refusal(""), "empty password hash");
    for hash in [
        "hunter2",
        "correct horse battery staple",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
        "md5$salt$2fd1ed5e9e3ae1e7c2e0cd8d0e4e7d5c",
        "5f4dcc3b5aa765d61d8327deb882cf99",
        "$argon2x$v=19$m=8192,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    ] {
        assert_eq!(refusal(hash), "unknown password hash format", "{hash}");
    }
    assert_eq!(
        refusal("$2x$04$X/DezFERmhsGSHGfnHdc3e4FdBC6YW7YQVpLINey/FOY6EJfsI3L2"),
        "$2x$ bcrypt hashes (crypt_blowfish's 8-bit bug) are not verified"
    );
}

#[test]
fn costs_beyond_the_caps_are_refused() {
    let bcrypt_salt_and_hash = &BCRYPT_2B[7..];
    assert!(adopt(&format!("$2b$14${bcrypt_salt_and_hash}"), None, None).is_ok());
    assert_eq!(
        refused_everywhere(&format!("$2b$15${bcrypt_salt_and_hash}")),
        "bcrypt cost above 14 is not verified"
    );

    let argon2 = |params: &str| ARGON2ID.replace("m=8192,t=2,p=1", params);
    for within in [
        "m=262144,t=4,p=8",
        "m=104857,t=10,p=8",
        // argon2-cffi's default.
        "m=65536,t=3,p=4",
    ] {
        assert!(adopt(&argon2(within), None, None).is_ok(), "{within}");
    }
    for (beyond, reason) in [
        (
            "m=262145,t=1,p=1",
            "argon2 memory cost above 262144 KiB is not verified",
        ),
        ("m=8192,t=11,p=1", "argon2 time cost above 10 is not verified"),
        ("m=8192,t=2,p=9", "argon2 parallelism above 8 is not verified"),
        (
            "m=262144,t=5,p=1",
            "argon2 memory × time cost above 1048576 KiB is not verified",
        ),
        (
            "m=131072,t=9,p=1",
            "argon2 memory × time cost above 1048576 KiB is not verified",
        ),
    ] {
        assert_eq!(refused_everywhere(&argon2(beyond)), reason, "{beyond}");
    }

    let scrypt = |params: &str| SCRYPT_PASSLIB.replace("ln=10,r=8,p=1", params);
    for within in [
        "ln=18,r=8,p=2",
        "ln=17,r=16,p=1",
        "ln=17,r=8,p=4",
        "ln=10,r=8,p=512",
        // passlib's default.
        "ln=16,r=8,p=1",
    ] {
        assert!(adopt(&scrypt(within), None, None).is_ok(), "{within}");
    }
    for too_much in ["ln=19,r=8,p=1", "ln=18,r=9,p=1", "ln=40,r=1,p=1", "ln=99,r=8,p=1"] {
        assert_eq!(
            refused_everywhere(&scrypt(too_much)),
            "scrypt memory above 256 MiB is not verified",
            "{too_much}"
        );
    }
    for too_long in ["ln=18,r=8,p=3", "ln=17,r=8,p=5", "ln=10,r=8,p=513"] {
        assert_eq!(
            refused_everywhere(&scrypt(too_long)),
            "scrypt work (memory × parallelism) above 512 MiB is not verified",
            "{too_long}"
        );
    }

    let pbkdf2 = |iterations: &str| PBKDF2_SHA256_DJANGO.replace("$20000$", iterations);
    assert!(adopt(&pbkdf2("$2000000$"), None, None).is_ok());
    assert!(
        adopt(PBKDF2_SHA256_DJANGO_DEFAULT, None, None).is_ok(),
        "Django's default"
    );
    assert_eq!(
        refused_everywhere(&pbkdf2("$2000001$")),
        "PBKDF2 iterations above 2000000 are not verified"
    );
}

#[test]
fn pbkdf2_hashes_beyond_one_block_are_refused() {
    let sha512_hash = PBKDF2_SHA512_PASSLIB.rsplit_once('$').unwrap().1;
    let sha256_hash = PBKDF2_SHA256_DJANGO.rsplit_once('$').unwrap().1;
    for (hash, reason) in [
        (
            format!("$pbkdf2-sha256$20000$c2FsdA${sha512_hash}"),
            "PBKDF2 hashes longer than 32 bytes (one SHA-256 block) are not verified",
        ),
        (
            format!("pbkdf2_sha256$20000$salt${}", b64(&[7; 33])),
            "PBKDF2 hashes longer than 32 bytes (one SHA-256 block) are not verified",
        ),
        (
            format!("pbkdf2_sha1$20000$salt${sha256_hash}"),
            "PBKDF2 hashes longer than 20 bytes (one SHA-1 block) are not verified",
        ),
        (
            format!("$pbkdf2$20000$c2FsdA${}", b64(&[7; 21])),
            "PBKDF2 hashes longer than 20 bytes (one SHA-1 block) are not verified",
        ),
        (
            format!("$pbkdf2-sha512$20000$c2FsdA${}", b64(&[7; 65])),
            "PBKDF2 hashes longer than 64 bytes (one SHA-512 block) are not verified",
        ),
    ] {
        assert_eq!(refused_everywhere(&hash), reason, "{hash}");
    }
    // One block exactly (the vectors), or less, is read.
    for hash in [
        format!("$pbkdf2-sha512$20000$c2FsdA${}", b64(&[7; 64])),
        format!("$pbkdf2-sha512$20000$c2FsdA${}", b64(&[7; 32])),
        format!("pbkdf2_sha1$20000$salt${}", b64(&[7; 20])),
    ] {
        assert!(adopt(&hash, None, None).is_ok(), "{hash}");
    }
}

/// What the hashing crates would refuse when verifying is refused at adoption.
#[test]
fn what_verifying_would_refuse_is_refused() {
    // argon2 wants 8 bytes of salt at least ("saltsal": 7).
    let zeros = b64(&[0; 16]);
    assert_eq!(
        refused_everywhere(&format!("$argon2id$v=19$m=8192,t=2,p=1$c2FsdHNhbA${zeros}")),
        "argon2 salts shorter than 8 bytes are not verified"
    );
    // Less memory than 8 KiB a lane.
    assert_eq!(
        refused_everywhere(&format!("$argon2id$v=19$m=8,t=1,p=2$c2FsdHNhbHQ${zeros}")),
        "malformed argon2 hash"
    );
    // bcrypt's base64 must be canonical: the salt's last character carries 2 bits, the
    // hash's 4, the rest must be 0 (`b` is 28, `A` 2 in bcrypt's alphabet).
    let dots = |n| ".".repeat(n);
    for hash in [
        format!("$2b$04${}b{}", dots(21), dots(31)),
        format!("$2b$04${}A", dots(52)),
    ] {
        assert_eq!(refused_everywhere(&hash), "malformed bcrypt hash", "{hash}");
    }
    // scrypt's N = 2^ln must be above 1, its hash 10 to 64 bytes long.
    assert_eq!(
        refused_everywhere(&format!("$scrypt$ln=0,r=8,p=1$c2FsdA${zeros}")),
        "malformed scrypt parameters"
    );
    assert_eq!(
        refused_everywhere(&format!("$scrypt$ln=4,r=8,p=1$c2FsdA${}", b64(&[0; 65]))),
        "malformed scrypt parameters"
    );
}

/// Every form adopt takes is one verifying can work with: the vectors, and forms at the edges
/// of what is read. (The vectors at the libraries' default costs are verified by
/// `library_default_costs_verify` and `django_default_iterations_verify`.)
#[test]
fn every_adopted_form_verifies() {
    let zeros = |n| b64(&vec![0; n]);
    let edges = [
        // argon2's least memory (8 KiB a lane), time and salt; no `v=` (version 1.0).
        format!("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ${}", zeros(16)),
        format!("$argon2i$m=64,t=1,p=8$c2FsdHNhbHQ${}", zeros(64)),
        format!("argon2$argon2d$v=16$m=16,t=1,p=2$c2FsdHNhbHQ${}", zeros(16)),
        // scrypt's least N, an empty salt, the longest hash.
        format!("$scrypt$ln=1,r=1,p=1$${}", zeros(16)),
        format!("$scrypt$ln=2,r=1,p=3$c2FsdA${}", zeros(64)),
        // PBKDF2's shortest hash and one whole SHA-512 block, empty salts.
        format!("pbkdf2_sha1$1$${}", zeros(16)),
        format!("$pbkdf2-sha512$1$${}", zeros(64)),
        format!("$pbkdf2-sha256$1$${}", zeros(32)),
        // bcrypt's canonical base64 (all zero bits).
        format!("$2a$04${}", ".".repeat(53)),
        format!("bcrypt_sha256$$2y$04${}", ".".repeat(53)),
    ];
    let vectors = [
        BCRYPT_2B,
        BCRYPT_2A_NON_ASCII,
        BCRYPT_2Y,
        BCRYPT_LONG,
        ARGON2ID,
        ARGON2ID_NON_ASCII,
        ARGON2I,
        ARGON2D,
        ARGON2I_V16,
        ARGON2ID_PASSLIB,
        SCRYPT_PASSLIB,
        SCRYPT_PASSLIB_P2,
        SCRYPT_RUSTCRYPTO,
        PBKDF2_SHA256_PASSLIB,
        PBKDF2_SHA512_PASSLIB,
        PBKDF2_SHA1_PASSLIB,
        PBKDF2_SHA256_DJANGO,
        PBKDF2_SHA1_DJANGO,
        PBKDF2_SHA256_DJANGO_NON_ASCII,
        DJANGO_BCRYPT_SHA256,
        DJANGO_BCRYPT,
        DJANGO_BCRYPT_SHA256_LONG,
        DJANGO_ARGON2,
    ];
    let firebase = adopt(FIREBASE_HASH, Some(FIREBASE_SALT), Some(&firebase_project())).unwrap();
    let forms = vectors
        .into_iter()
        .map(str::to_owned)
        .chain(edges)
        .chain([firebase]);
    for hash in forms {
        let form = adopt(&hash, None, None).unwrap_or_else(|reason| panic!("{hash}: {reason}"));
        let imported = read(&form).unwrap_or_else(|_| panic!("{form} unread"));
        assert_eq!(imported.verify(WRONG.as_bytes()), Ok(false), "{form}");
    }
}

#[test]
fn unverifiable_variants_are_refused() {
    // A 32-bit hash: a wrong password would match one time in four billion.
    assert_eq!(
        refusal("$pbkdf2-sha256$20000$EoJwrjWGUAqhVIqxVopxDg$hR4Xfw"),
        "PBKDF2 hashes shorter than 16 bytes are not verified"
    );
    assert_eq!(
        refusal("$argon2id$v=19$m=8192,t=2,p=1,keyid=AAAA$Hr+Fur151INS0WxDmH3jnw$yhWeMF3B+izYgJUqBA6NpEyIVpGXzSAs71Q/ZM3GVfk"),
        "argon2 hashes made with a secret key (keyid) are not verified"
    );
}

#[test]
fn garbage_is_refused_at_adoption_and_malformed_when_stored() {
    for garbage in [
        "$2b$04$tooshort",
        "$2b$4$X/DezFERmhsGSHGfnHdc3e4FdBC6YW7YQVpLINey/FOY6EJfsI3L2",
        "$2b$03$X/DezFERmhsGSHGfnHdc3e4FdBC6YW7YQVpLINey/FOY6EJfsI3L2",
        "$argon2id$v=19$m=8192,t=2,p=1$not*base64$yhWeMF3B",
        "$argon2id$v=42$m=8192,t=2,p=1$Hr+Fur151INS0WxDmH3jnw$yhWeMF3B+izYgJUqBA6NpEyIVpGXzSAs71Q/ZM3GVfk",
        "$scrypt$ln=10,r=8$by0lxLg3xhjjPAdAqJWydg$mIlj+se2ltQVzTA2u+8l6vEGXOX3n+49KTp5Zl8EXdU",
        "$scrypt$ln=10,r=0,p=1$by0lxLg3xhjjPAdAqJWydg$mIlj+se2ltQVzTA2u+8l6vEGXOX3n+49KTp5Zl8EXdU",
        "pbkdf2_sha256$many$salt$KIPFDbunITspi1sYuzWSefnc9JmNe4tUAU77clFaKpE=",
        "pbkdf2_sha256$0$salt$KIPFDbunITspi1sYuzWSefnc9JmNe4tUAU77clFaKpE=",
        "$pbkdf2-sha512$20000$salt",
        "firebase-scrypt$r=8,m=14$AAAA",
        "bcrypt_sha256$not-bcrypt",
    ] {
        assert!(adopt(garbage, None, None).is_err(), "{garbage} adopted");
        assert!(
            matches!(read(garbage), Err(HashError::Malformed)),
            "{garbage} read"
        );
    }
    // A form beyond the caps (not one adopt made) is not verified either (and see
    // `refused_everywhere`).
    let costly = SCRYPT_PASSLIB.replace("ln=10", "ln=25");
    assert!(matches!(read(&costly), Err(HashError::Malformed)));
}

#[test]
fn every_base64_alphabet_these_systems_write_decodes() {
    let bytes = [0xfb, 0xff, 0xbf, 0x00];
    for text in ["+/+/AA==", "+/+/AA", "././AA", "-_-_AA=="] {
        assert_eq!(decode_b64(text).as_deref(), Some(&bytes[..]), "{text}");
    }
    assert_eq!(decode_b64("not base64!"), None);
}
