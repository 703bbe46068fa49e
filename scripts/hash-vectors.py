#!/usr/bin/env python3
"""Prints password-hash test vectors made by each scheme's reference implementation, as Rust
constants for crates/security/src/imported_hashes.rs (whose tests verify hashes that earlier
systems wrote: bcrypt, Argon2, scrypt, Firebase's scrypt, PBKDF2, Django's bcrypt variants).

    python3 -m venv /tmp/hashvenv
    /tmp/hashvenv/bin/pip install bcrypt argon2-cffi passlib django cryptography
    /tmp/hashvenv/bin/python scripts/hash-vectors.py

Salts are random: every run prints different hashes of the same passwords, each as good as the
ones pasted into the tests. Modest costs keep debug-build tests fast; the `*_DEFAULT` vectors use
each library's default cost.

Not made here: the scrypt PHC string of the RustCrypto `scrypt` crate (0.11, feature `simple`:
`Scrypt.hash_password_customized(b"...", None, None, Params::new(10, 8, 1, 32)?, &salt)`), which
is the same format as passlib's. Firebase's example comes from the firebase/scrypt README; this
script checks it with a reimplementation (hashlib's scrypt, then AES-256-CTR).
"""

import base64
import hashlib
import os
from importlib.metadata import version

import argon2
import bcrypt
from argon2.low_level import Type, hash_secret
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from passlib import hash as passlib_hash

settings.configure()

from django.contrib.auth import hashers as django_hashers  # noqa: E402 (needs settings)

PASSWORD = "correct horse battery staple"
NON_ASCII = "pässwörd ünïcödé ✓"
# bcrypt reads 72 bytes; bcrypt >= 5 refuses longer input, older releases (which wrote the hashes
# being imported) cut it: cutting here makes what they wrote.
LONG = "x" * 72 + "-and-more"


def const(name, value, made_by):
    print(f"/// {made_by}")
    print(f'const {name}: &str = "{value}";')


def bcrypt_vectors():
    salt4 = bcrypt.gensalt(rounds=4)
    const("BCRYPT_2B", bcrypt.hashpw(PASSWORD.encode(), salt4).decode(),
          "bcrypt.hashpw(PASSWORD, bcrypt.gensalt(rounds=4))")
    const("BCRYPT_2A_NON_ASCII",
          bcrypt.hashpw(NON_ASCII.encode(), bcrypt.gensalt(rounds=4, prefix=b"2a")).decode(),
          'bcrypt.hashpw(NON_ASCII, bcrypt.gensalt(rounds=4, prefix=b"2a"))')
    const("BCRYPT_2Y", passlib_hash.bcrypt.using(ident="2y", rounds=4).hash(PASSWORD),
          'passlib.hash.bcrypt.using(ident="2y", rounds=4).hash(PASSWORD)')
    const("BCRYPT_LONG",
          bcrypt.hashpw(LONG.encode()[:72], bcrypt.gensalt(rounds=4)).decode(),
          "bcrypt.hashpw(LONG[:72], bcrypt.gensalt(rounds=4)) (as bcrypt < 5 cut it)")
    const("BCRYPT_DEFAULT", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt()).decode(),
          "bcrypt.hashpw(PASSWORD, bcrypt.gensalt()) (cost 12)")


def argon2_vectors():
    modest = argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
    const("ARGON2ID", modest.hash(PASSWORD),
          "argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)")
    const("ARGON2ID_NON_ASCII", modest.hash(NON_ASCII),
          "argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(NON_ASCII)")
    variants = [("ARGON2I", Type.I, 19), ("ARGON2D", Type.D, 19), ("ARGON2I_V16", Type.I, 16)]
    for name, kind, argon2_version in variants:
        encoded = hash_secret(PASSWORD.encode(), os.urandom(16), time_cost=2,
                              memory_cost=8192, parallelism=2, hash_len=32, type=kind,
                              version=argon2_version).decode()
        const(name, encoded,
              f"argon2.low_level.hash_secret(PASSWORD, salt, time_cost=2, memory_cost=8192, "
              f"parallelism=2, hash_len=32, type=Type.{kind.name}, version={argon2_version})")
    const("ARGON2ID_PASSLIB",
          passlib_hash.argon2.using(rounds=2, memory_cost=8192, parallelism=1).hash(PASSWORD),
          "passlib.hash.argon2.using(rounds=2, memory_cost=8192, parallelism=1).hash(PASSWORD)")
    const("ARGON2ID_DEFAULT", argon2.PasswordHasher().hash(PASSWORD),
          "argon2.PasswordHasher().hash(PASSWORD) (m=65536, t=3, p=4)")


def scrypt_vectors():
    const("SCRYPT_PASSLIB", passlib_hash.scrypt.using(rounds=10).hash(PASSWORD),
          "passlib.hash.scrypt.using(rounds=10).hash(PASSWORD) (r=8, p=1)")
    const("SCRYPT_PASSLIB_P2",
          passlib_hash.scrypt.using(rounds=8, block_size=4, parallelism=2).hash(NON_ASCII),
          "passlib.hash.scrypt.using(rounds=8, block_size=4, parallelism=2).hash(NON_ASCII)")
    const("SCRYPT_PASSLIB_DEFAULT", passlib_hash.scrypt.hash(PASSWORD),
          "passlib.hash.scrypt.hash(PASSWORD) (ln=16, r=8, p=1)")


def pbkdf2_vectors():
    for name, handler in [("PBKDF2_SHA256_PASSLIB", "pbkdf2_sha256"),
                          ("PBKDF2_SHA512_PASSLIB", "pbkdf2_sha512"),
                          ("PBKDF2_SHA1_PASSLIB", "pbkdf2_sha1")]:
        hasher = getattr(passlib_hash, handler)
        const(name, hasher.using(rounds=20000).hash(PASSWORD),
              f"passlib.hash.{handler}.using(rounds=20000).hash(PASSWORD)")
        const(f"{name}_DEFAULT", hasher.hash(PASSWORD),
              f"passlib.hash.{handler}.hash(PASSWORD) ({hasher.default_rounds} rounds)")
    for name, hasher in [("PBKDF2_SHA256_DJANGO", django_hashers.PBKDF2PasswordHasher()),
                         ("PBKDF2_SHA1_DJANGO", django_hashers.PBKDF2SHA1PasswordHasher())]:
        made_by = f"django {type(hasher).__name__}()"
        const(name, hasher.encode(PASSWORD, hasher.salt(), iterations=20000),
              f"{made_by}.encode(PASSWORD, salt, iterations=20000)")
    const("PBKDF2_SHA256_DJANGO_NON_ASCII",
          django_hashers.PBKDF2PasswordHasher().encode(NON_ASCII, "saltsaltsalt", iterations=20000),
          "django PBKDF2PasswordHasher().encode(NON_ASCII, 'saltsaltsalt', iterations=20000)")
    const("PBKDF2_SHA256_DJANGO_DEFAULT", django_hashers.make_password(PASSWORD),
          "django make_password(PASSWORD) "
          f"({django_hashers.PBKDF2PasswordHasher.iterations} iterations)")


def django_bcrypt_vectors():
    for name, hasher in [("DJANGO_BCRYPT_SHA256", django_hashers.BCryptSHA256PasswordHasher()),
                         ("DJANGO_BCRYPT", django_hashers.BCryptPasswordHasher())]:
        hasher.rounds = 4
        made_by = f"django {type(hasher).__name__}() with rounds = 4"
        const(name, hasher.encode(PASSWORD, hasher.salt()), f"{made_by}: .encode(PASSWORD, salt)")
    sha256 = django_hashers.BCryptSHA256PasswordHasher()
    sha256.rounds = 4
    const("DJANGO_BCRYPT_SHA256_LONG", sha256.encode(LONG, sha256.salt()),
          "django BCryptSHA256PasswordHasher() with rounds = 4: .encode(LONG, salt)")
    argon = django_hashers.Argon2PasswordHasher()
    argon.time_cost, argon.memory_cost, argon.parallelism = 2, 8192, 1
    const("DJANGO_ARGON2", argon.encode(PASSWORD, argon.salt()),
          "django Argon2PasswordHasher() with time_cost 2, memory_cost 8192, parallelism 1")


def firebase_scrypt(password, salt, separator, signer_key, rounds, mem_cost):
    """Firebase's modified scrypt, as github.com/firebase/scrypt computes it."""
    derived = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt)
                             + base64.b64decode(separator), n=2**mem_cost, r=rounds, p=1,
                             dklen=64, maxmem=2**28)
    encryptor = Cipher(algorithms.AES(derived[:32]), modes.CTR(bytes(16))).encryptor()
    return base64.b64encode(encryptor.update(base64.b64decode(signer_key))).decode()


def firebase_check():
    """The README's example (pasted into the tests) is what Firebase's algorithm makes."""
    readme = dict(
        signer_key="jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSD"
                   "zZvpjeJ9WmXA==",
        separator="Bw==", rounds=8, mem_cost=14, salt="42xEC+ixf3L2lw==")
    expected = ("lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRu"
                "id5lQ==")
    assert firebase_scrypt("user1password", **readme) == expected, "Firebase's example differs"
    print("// The firebase/scrypt README's example is reproduced.")


if __name__ == "__main__":
    print("// " + ", ".join(f"{name} {version(name)}"
                            for name in ["bcrypt", "argon2-cffi", "passlib", "Django"]))
    print(f'const PASSWORD: &str = "{PASSWORD}";')
    print(f'const NON_ASCII: &str = "{NON_ASCII}";')
    print(f'const LONG: &str = "{LONG}";')
    bcrypt_vectors()
    argon2_vectors()
    scrypt_vectors()
    pbkdf2_vectors()
    django_bcrypt_vectors()
    firebase_check()
