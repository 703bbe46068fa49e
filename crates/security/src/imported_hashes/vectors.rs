//! Hashes made by each scheme's reference implementation, for the tests: printed by
//! scripts/hash-vectors.py (each with the call that made it), except where a comment says
//! otherwise.
//!
//! Made with bcrypt 5.0.0, argon2-cffi 25.1.0, passlib 1.9.5, Django 5.2.20.
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) const NON_ASCII: &str = "pässwörd ünïcödé ✓";
pub(crate) const LONG: &str =
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-and-more";
/// bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4))
pub(crate) const BCRYPT_2B: &str = "$2b$04$ypWD6IzeoN7LYUYJp0BGE.wK1yA9NR/.NWoo2/5DVPFKj93wMwy1e";
/// bcrypt.hashpw(NON_ASCII, bcrypt.gensalt(rounds=4, prefix=b"2a"))
pub(crate) const BCRYPT_2A_NON_ASCII: &str = "$2a$04$t.7CfMeGWBFb2YJs8488k.vbtlbygDWye.lrBbkGLtdut71NxDBUG";
/// passlib.hash.bcrypt.using(ident="2y", rounds=4).hash(PASSWORD)
pub(crate) const BCRYPT_2Y: &str = "$2y$04$LN.dFecRe9txhJXsSXXa0.3Jlyw686eF68bnzKsO4frAk.wMI5Rc2";
/// bcrypt.hashpw(LONG[:72], bcrypt.gensalt(rounds=4)) (as bcrypt < 5 cut it)
pub(crate) const BCRYPT_LONG: &str = "$2b$04$LBIyRMea3.4HaAUxJ19E7.TnUfX.Efwu2M4rC4J0VB2axXYXSrWJW";
/// bcrypt.hashpw(PASSWORD, bcrypt.gensalt()) (cost 12)
pub(crate) const BCRYPT_DEFAULT: &str = "$2b$12$9FOf7FwJKFDOZPkSE7Uxc.ZxfoyTiRe9raVquVPjht8MwUXD/sg3W";
/// argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)
pub(crate) const ARGON2ID: &str =
    "$argon2id$v=19$m=8192,t=2,p=1$J2C0rH3XRxpiSP+qn3BFdA$p07UFlYF3G6u+9+UScpBGkaWas2xX4UJaJSKDK/nk58";
/// argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(NON_ASCII)
pub(crate) const ARGON2ID_NON_ASCII: &str =
    "$argon2id$v=19$m=8192,t=2,p=1$dx6zcYv5UTltczKPUC89Ug$XJlU0OfbtEECs1yNXsw+hOl8hrl46Yh7/YLbunirqVk";
/// argon2.low_level.hash_secret(PASSWORD, salt, time_cost=2, memory_cost=8192, parallelism=2, hash_len=32, type=Type.I, version=19)
pub(crate) const ARGON2I: &str =
    "$argon2i$v=19$m=8192,t=2,p=2$GlVgQxwFTURK6Jsng6cpyw$sd/LWzya8qwG1mkpjHCeGDdduHeS2OCUlO2YZIktsBA";
/// argon2.low_level.hash_secret(PASSWORD, salt, time_cost=2, memory_cost=8192, parallelism=2, hash_len=32, type=Type.D, version=19)
pub(crate) const ARGON2D: &str =
    "$argon2d$v=19$m=8192,t=2,p=2$SqbLKPXrLMmEdIPpHydMnA$a9/Jpcb5FDqp3539tiAjP51tRxIzIxWWn7wlk71bxM0";
/// argon2.low_level.hash_secret(PASSWORD, salt, time_cost=2, memory_cost=8192, parallelism=2, hash_len=32, type=Type.I, version=16)
pub(crate) const ARGON2I_V16: &str =
    "$argon2i$v=16$m=8192,t=2,p=2$171IICVxUCJBkRIw3dXWBw$zsO/eTP7I+sDGAadz4+mUmeNJXYDUtrAeWzEPXIuXoM";
/// passlib.hash.argon2.using(rounds=2, memory_cost=8192, parallelism=1).hash(PASSWORD)
pub(crate) const ARGON2ID_PASSLIB: &str =
    "$argon2id$v=19$m=8192,t=2,p=1$kjImRCglBEDo3ZtTag0hZA$wrdX6Ud7Met7/D7A05t40yBPJrE5i3qkEmmVT3TS19Y";
/// argon2.PasswordHasher().hash(PASSWORD) (m=65536, t=3, p=4)
pub(crate) const ARGON2ID_DEFAULT: &str =
    "$argon2id$v=19$m=65536,t=3,p=4$mDYuvCPghZ09iUZQqFb0wg$Okl8KVSFm634AzyO0rD7kL6YccrOT0mlvOChNm6l09Y";
/// passlib.hash.scrypt.using(rounds=10).hash(PASSWORD) (r=8, p=1)
pub(crate) const SCRYPT_PASSLIB: &str =
    "$scrypt$ln=10,r=8,p=1$3bs3hpCy1roXYowxBmBMyQ$TSdBFRxe31uku14bavyV5IH8Wp68t46uD8JJq9DTgJU";
/// passlib.hash.scrypt.using(rounds=8, block_size=4, parallelism=2).hash(NON_ASCII)
pub(crate) const SCRYPT_PASSLIB_P2: &str =
    "$scrypt$ln=8,r=4,p=2$JWRMaW0NIWRsrXXuPUdIKQ$fN9ohmXU4evFXbChRDXrokcn2J8qNACw/W7sm2sbwys";
/// passlib.hash.scrypt.hash(PASSWORD) (ln=16, r=8, p=1)
pub(crate) const SCRYPT_PASSLIB_DEFAULT: &str =
    "$scrypt$ln=16,r=8,p=1$Y4xRSokRwvgfAwDAOGdMaQ$dt4TrtiDF6fgaWNxL0OUt2imcyFPN77fUzkkM7atVTY";
/// passlib.hash.pbkdf2_sha256.using(rounds=20000).hash(PASSWORD)
pub(crate) const PBKDF2_SHA256_PASSLIB: &str =
    "$pbkdf2-sha256$20000$s9aaMwbAuFdKqbUWQmjt3Q$JT7X301F8/MQ.OP3flC2ZO5KcUWKEHdGmnQCOT0xkr8";
/// passlib.hash.pbkdf2_sha256.hash(PASSWORD) (29000 rounds)
pub(crate) const PBKDF2_SHA256_PASSLIB_DEFAULT: &str =
    "$pbkdf2-sha256$29000$ak0JQQihdC4FoPS.F0IoZQ$ptz7EhCOUP7HUN87kXVtWMIhrME3dYR2BJlZajRIAb0";
/// passlib.hash.pbkdf2_sha512.using(rounds=20000).hash(PASSWORD)
pub(crate) const PBKDF2_SHA512_PASSLIB: &str = "$pbkdf2-sha512$20000$mnOOMaa0tpZSam1tDWEMQQ$YpLgnTaVyrUuICdWhL1nJvj3CBTeJALy6k6zi/ejkDQtjGHl2Pb2ivXdKPemdcXwG1.KZmNwXmcuRpWCH1IkRQ";
/// passlib.hash.pbkdf2_sha512.hash(PASSWORD) (25000 rounds)
pub(crate) const PBKDF2_SHA512_PASSLIB_DEFAULT: &str = "$pbkdf2-sha512$25000$CcFYizHm3JsTAkDoPWdMaQ$byDNIXWE4mydOTlkQCSJZIbpIEuMqNFwmXhAKAB2mN1oaNCXyPqgQyDc3C6WBK.jszBQM5IHLYuoAIlsXBzSYg";
/// passlib.hash.pbkdf2_sha1.using(rounds=20000).hash(PASSWORD)
pub(crate) const PBKDF2_SHA1_PASSLIB: &str =
    "$pbkdf2$20000$ECKEEALA2Ptfa02JUao1Bg$EMDg5DdSAA0G.vOOJmpOHMHEv9k";
/// passlib.hash.pbkdf2_sha1.hash(PASSWORD) (131000 rounds)
pub(crate) const PBKDF2_SHA1_PASSLIB_DEFAULT: &str =
    "$pbkdf2$131000$NyZEqLU2JuTcuzemVMoZQw$5ASA1f.SfD6lWhw/jnw6U9ALqqw";
/// django PBKDF2PasswordHasher().encode(PASSWORD, salt, iterations=20000)
pub(crate) const PBKDF2_SHA256_DJANGO: &str =
    "pbkdf2_sha256$20000$tWJOQqtztiGTIP0ffPpuip$JvE07rLEv5iUZOy/u9c0+FwhY+yM1j3LkE5+Z9Dee3E=";
/// django PBKDF2SHA1PasswordHasher().encode(PASSWORD, salt, iterations=20000)
pub(crate) const PBKDF2_SHA1_DJANGO: &str =
    "pbkdf2_sha1$20000$SxBzZotHWKypoPe9HuQ1q9$FFi5SCJArnOCl2kuaVUYmuV+G8Q=";
/// django PBKDF2PasswordHasher().encode(NON_ASCII, 'saltsaltsalt', iterations=20000)
pub(crate) const PBKDF2_SHA256_DJANGO_NON_ASCII: &str =
    "pbkdf2_sha256$20000$saltsaltsalt$n5Lj/9xDcPoT28I3fqS27OxkY730s8Xa1Xl8ius44O4=";
/// django make_password(PASSWORD) (1000000 iterations)
pub(crate) const PBKDF2_SHA256_DJANGO_DEFAULT: &str =
    "pbkdf2_sha256$1000000$1OpZPPgHvNpSa7SLF6S0jG$1d852IOgt/0pB6f/XaltgLBFbbjEjxMNtClkyCfbnKo=";
/// django BCryptSHA256PasswordHasher() with rounds = 4: .encode(PASSWORD, salt)
pub(crate) const DJANGO_BCRYPT_SHA256: &str =
    "bcrypt_sha256$$2b$04$CxaTVIxnzAYMX7z1WLzK/uLfetkyh24TNQ1BlKjZDD5u25V4DG9rq";
/// django BCryptPasswordHasher() with rounds = 4: .encode(PASSWORD, salt)
pub(crate) const DJANGO_BCRYPT: &str = "bcrypt$$2b$04$LqRnFL80VrQsSLk6KTrLVespxolGFX8bPTokxglQfRvc.CKJeAm1q";
/// django BCryptSHA256PasswordHasher() with rounds = 4: .encode(LONG, salt)
pub(crate) const DJANGO_BCRYPT_SHA256_LONG: &str =
    "bcrypt_sha256$$2b$04$m/VhxMzQbOdDvIW5lGxpheNrvFTfjTiO68gW4Qc33WtI/Tt1VPuPi";
/// django Argon2PasswordHasher() with time_cost 2, memory_cost 8192, parallelism 1
pub(crate) const DJANGO_ARGON2: &str = "argon2$argon2id$v=19$m=8192,t=2,p=1$SkVPWWpFVWJoWEhxTWJiYWFxTlNnZA$0MyEhMmBrP0IhmL881/7CcfJsHCq7NW0LI0dA/06IZg";
/// RustCrypto's `scrypt` 0.11 (feature `simple`): `Scrypt.hash_password_customized(PASSWORD,
/// None, None, Params::new(10, 8, 1, 32), &SaltString::generate(&mut OsRng))`.
pub(crate) const SCRYPT_RUSTCRYPTO: &str =
    "$scrypt$ln=10,r=8,p=1$wgoCfkd5SVcwoM2AbMhq8w$8u25JYbVm6ILfLjClwqSIgUsTslw7vxgUWYmG8Wgd2s";

/// Firebase's example in the README of github.com/firebase/scrypt (its project parameters, and
/// an exported account's salt and hash of `user1password`).
pub(crate) const FIREBASE_SIGNER_KEY: &str =
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
pub(crate) const FIREBASE_SALT_SEPARATOR: &str = "Bw==";
pub(crate) const FIREBASE_ROUNDS: u32 = 8;
pub(crate) const FIREBASE_MEM_COST: u32 = 14;
pub(crate) const FIREBASE_PASSWORD: &str = "user1password";
pub(crate) const FIREBASE_SALT: &str = "42xEC+ixf3L2lw==";
pub(crate) const FIREBASE_HASH: &str =
    "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
