# Run: python3 -m venv /tmp/fixvenv && /tmp/fixvenv/bin/pip install bcrypt argon2-cffi passlib django cryptography && /tmp/fixvenv/bin/python scripts/import-fixtures.py
"""Writes the customer-import fixtures of the end-to-end tests (docs/import.md).

tests/e2e/fixtures/import/
  schemes.jsonl   one customer per accepted password-hash scheme, as JSON Lines
  schemes.csv     the same customers, as CSV with a header row
  passwords.json  email -> the password each hash was made from
  firebase.json   the Firebase project's hash parameters the Firebase customer needs

Every hash is made by the scheme's reference implementation (Python `bcrypt`, `argon2-cffi`,
passlib, Django's hashers) and checked with that library's own verifier before anything is
written; the Firebase customer is the example of https://github.com/firebase/scrypt's README,
checked with a reimplementation (hashlib.scrypt + AES-256-CTR from `cryptography`). Costs are
the lowest practical ones so that a debug build verifies them quickly. Salts are derived from
the customer's email, so running the script again writes the same files.
"""
import base64
import csv
import datetime
import hashlib
import io
import json
import os
import sys

import argon2
import bcrypt
from argon2.low_level import Type, hash_secret
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from passlib import hash as passlib_hash

import django
from django.conf import settings

settings.configure(USE_TZ=True, PASSWORD_HASHERS=[
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
])
django.setup()
from django.contrib.auth import hashers as django_hashers  # noqa: E402 (needs settings)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "e2e", "fixtures", "import")

BCRYPT_COST = 4
ARGON2 = dict(time_cost=2, memory_cost=8192, parallelism=1, hash_len=32)
SCRYPT_LN = 10  # N = 2^10, r = 8, p = 1
PBKDF2_ROUNDS = 20000

# https://github.com/firebase/scrypt (README): the sample project's hash parameters and the
# exported account user1@test.com, whose password is "user1password".
FIREBASE = {
    "signerKey": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    "saltSeparator": "Bw==",
    "rounds": 8,
    "memCost": 14,
}
FIREBASE_USER = {
    "localId": "kYi4EvWQlQTKSfnJ3dRSP6IH3ed2",
    "password": "user1password",
    "salt": "42xEC+ixf3L2lw==",
    "passwordHash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    "createdAt": 1508893925000,
}


def salt_bytes(label, n=16):
    """A fixed salt per customer: fixtures, not secrets."""
    return hashlib.sha256(("clientele-import-fixture:" + label).encode()).digest()[:n]


def salt_text(label, n=22):
    """The same, as letters and digits (Django's salt alphabet)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    digest = hashlib.sha256(("clientele-import-fixture:" + label).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:n])


def bcrypt_salt(label, prefix="2b", cost=BCRYPT_COST):
    """`$2b$04$` + 16 salt bytes in bcrypt's base64 (./A-Za-z0-9, no padding): what gensalt makes."""
    std = base64.b64encode(salt_bytes(label)).decode().rstrip("=")
    table = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                          "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    return f"${prefix}${cost:02d}${std.translate(table)}".encode()


def firebase_scrypt(password, salt_b64, params):
    """Firebase's modified scrypt: AES-256-CTR (zero IV) of the signer key, keyed with
    scrypt(password, salt + separator, N = 2^memCost, r = rounds, p = 1, 32 bytes)."""
    key = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64) + base64.b64decode(params["saltSeparator"]),
                         n=2 ** params["memCost"], r=params["rounds"], p=1, dklen=32, maxmem=64 * 1024 * 1024)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()
    return base64.b64encode(encryptor.update(base64.b64decode(params["signerKey"])) + encryptor.finalize()).decode()


# Django's hashers at test costs (the algorithm names, and so the stored format, are Django's).
class FastPBKDF2(django_hashers.PBKDF2PasswordHasher):
    iterations = PBKDF2_ROUNDS


class FastPBKDF2SHA1(django_hashers.PBKDF2SHA1PasswordHasher):
    iterations = PBKDF2_ROUNDS


class FastBCryptSHA256(django_hashers.BCryptSHA256PasswordHasher):
    rounds = BCRYPT_COST


class FastBCrypt(django_hashers.BCryptPasswordHasher):
    rounds = BCRYPT_COST


def django_bcrypt_salt(label):
    return bcrypt_salt(label)  # Django's bcrypt hashers take gensalt()'s bytes as the salt


# (email, password, first name, fixed uuid or None, make(password, email) -> hash, verify(password, hash) -> bool)
def scheme_customers():
    def bc(prefix):
        return lambda pw, label: bcrypt.hashpw(pw.encode(), bcrypt_salt(label, prefix)).decode()

    def bc_check(pw, h):
        return bcrypt.checkpw(pw.encode(), h.encode())

    def argon(kind):
        return lambda pw, label: hash_secret(pw.encode(), salt_bytes(label), type=kind, **ARGON2).decode()

    def argon_check(kind):
        def check(pw, h):
            try:
                return argon2.PasswordHasher(type=kind).verify(h, pw)
            except argon2.exceptions.VerifyMismatchError:
                return False
        return check

    def passlib_make(handler, **using):
        return lambda pw, label: handler.using(salt=salt_bytes(label), **using).hash(pw)

    def passlib_check(handler):
        return lambda pw, h: handler.verify(pw, h)

    def django_make(hasher, salt):
        return lambda pw, label: django_hashers.make_password(pw, salt=salt(label), hasher=hasher)

    def django_check(hasher):
        return lambda pw, h: django_hashers.check_password(pw, h, preferred=hasher) and hasher.verify(pw, h)

    return [
        ("bcrypt-2b@import.test", "Quartz-Lantern-4711", "Bea", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a01",
         bc("2b"), bc_check),
        # $2a$ and $2y$ differ from $2b$ only by the label: for the same password and salt the
        # hash is the same bytes (2b fixed a length wrap-around past 255 bytes in OpenBSD's 2a,
        # 2y is PHP's name for a fixed 2a), so any $2b$ hash can be relabelled 2a or 2y.
        ("bcrypt-2a@import.test", "Harbour-Pelican-0382", "Abe", None, bc("2a"), bc_check),
        ("bcrypt-2y@import.test", "Saffron-Glacier-5529", "Yara", None, bc("2y"), bc_check),
        ("argon2id@import.test", "Violet-Turbine-6104", "Ida", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a04",
         argon(Type.ID), argon_check(Type.ID)),
        ("argon2i@import.test", "Copper-Meadow-9275", "Ivo", None, argon(Type.I), argon_check(Type.I)),
        ("argon2d@import.test", "Tundra-Sparrow-1846", "Dora", None, argon(Type.D), argon_check(Type.D)),
        ("scrypt@import.test", "Marble-Cyclone-3390", "Sky", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a07",
         passlib_make(passlib_hash.scrypt, rounds=SCRYPT_LN), passlib_check(passlib_hash.scrypt)),
        ("firebase-scrypt@import.test", FIREBASE_USER["password"], "Fern", None,
         None, None),  # the README's example, below
        ("pbkdf2-sha256@import.test", "Juniper-Anvil-7021", "Pia", None,
         passlib_make(passlib_hash.pbkdf2_sha256, rounds=PBKDF2_ROUNDS), passlib_check(passlib_hash.pbkdf2_sha256)),
        ("pbkdf2-sha512@import.test", "Orchid-Beacon-2657", "Otto", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a10",
         passlib_make(passlib_hash.pbkdf2_sha512, rounds=PBKDF2_ROUNDS), passlib_check(passlib_hash.pbkdf2_sha512)),
        ("pbkdf2-sha1@import.test", "Granite-Falcon-8813", "Finn", None,
         passlib_make(passlib_hash.pbkdf2_sha1, rounds=PBKDF2_ROUNDS), passlib_check(passlib_hash.pbkdf2_sha1)),
        ("django-pbkdf2-sha256@import.test", "Cobalt-Orchard-4468", "Dana", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a12",
         django_make(FastPBKDF2(), salt_text), django_check(FastPBKDF2())),
        ("django-pbkdf2-sha1@import.test", "Amber-Kestrel-5937", "Dirk", None,
         django_make(FastPBKDF2SHA1(), salt_text), django_check(FastPBKDF2SHA1())),
        ("django-bcrypt-sha256@import.test", "Indigo-Lighthouse-1209", "Dean", None,
         django_make(FastBCryptSHA256(), django_bcrypt_salt), django_check(FastBCryptSHA256())),
        ("django-bcrypt@import.test", "Walnut-Comet-6650", "Della", None,
         django_make(FastBCrypt(), django_bcrypt_salt), django_check(FastBCrypt())),
    ]


def main():
    assert firebase_scrypt(FIREBASE_USER["password"], FIREBASE_USER["salt"], FIREBASE) == FIREBASE_USER["passwordHash"], \
        "the Firebase README's example does not verify"

    rows, passwords, seen = [], {}, set()
    for n, (email, password, first, uuid, make, verify) in enumerate(scheme_customers(), start=1):
        assert len(password) >= 10 and password not in seen, email
        seen.add(password)
        row = {"email": email}
        if make is None:  # Firebase
            row["passwordHash"] = FIREBASE_USER["passwordHash"]
            row["passwordSalt"] = FIREBASE_USER["salt"]
        else:
            row["passwordHash"] = make(password, email)
            if not verify(password, row["passwordHash"]):
                sys.exit(f"{email}: the hash does not verify with its own library")
            if verify(password + "x", row["passwordHash"]):
                sys.exit(f"{email}: a wrong password verifies")
        row["emailVerified"] = True
        row["firstName"] = first
        row["externalId"] = f"old-{n}"
        if uuid:
            row["uuid"] = uuid
        if make is None:  # the export's createdAt, milliseconds since the epoch
            row["createdAt"] = datetime.datetime.fromtimestamp(FIREBASE_USER["createdAt"] / 1000, datetime.timezone.utc) \
                .strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            row["createdAt"] = f"2021-{(n - 1) % 12 + 1:02d}-{n:02d}T09:{n:02d}:00Z"
        rows.append(row)
        passwords[email] = password

    # The relabelled bcrypt variants are the $2b$ hash of the same password and salt.
    for prefix in ("2a", "2y"):
        row = next(r for r in rows if r["email"] == f"bcrypt-{prefix}@import.test")
        relabelled = bcrypt.hashpw(passwords[row["email"]].encode(), bcrypt_salt(row["email"], "2b")).decode()
        assert row["passwordHash"] == f"${prefix}$" + relabelled[4:], row["email"]

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "schemes.jsonl"), "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    columns = ["email", "passwordHash", "passwordSalt", "emailVerified", "firstName", "externalId", "uuid", "createdAt"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else v) for k, v in row.items()})
    with open(os.path.join(OUT, "schemes.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(text.getvalue())

    with open(os.path.join(OUT, "passwords.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(passwords, indent=2) + "\n")

    firebase = dict(FIREBASE)
    firebase["source"] = "https://github.com/firebase/scrypt (README: sample hash parameters and user1@test.com)"
    firebase["example"] = {k: FIREBASE_USER[k] for k in ("localId", "password", "salt", "passwordHash", "createdAt")}
    firebase["cli"] = ["--firebase-signer-key", FIREBASE["signerKey"], "--firebase-salt-separator", FIREBASE["saltSeparator"],
                       "--firebase-rounds", str(FIREBASE["rounds"]), "--firebase-mem-cost", str(FIREBASE["memCost"])]
    firebase["headers"] = {"Clientele-Firebase-Signer-Key": FIREBASE["signerKey"],
                           "Clientele-Firebase-Salt-Separator": FIREBASE["saltSeparator"],
                           "Clientele-Firebase-Rounds": str(FIREBASE["rounds"]),
                           "Clientele-Firebase-Mem-Cost": str(FIREBASE["memCost"])}
    with open(os.path.join(OUT, "firebase.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(firebase, indent=2) + "\n")

    print(f"import-fixtures: {len(rows)} customers written to {os.path.relpath(OUT, ROOT)}/")


if __name__ == "__main__":
    main()
