"""Password rules (regulation: at least 10 characters mixing letters, digits and symbols) and hashing.

Hashing is scrypt from the standard library (a memory-hard KDF) with a per-user random salt; the
parameters travel inside the stored string so they can be raised later without breaking old hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

MIN_LENGTH = 10
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SYMBOLS = set(string.punctuation) | {" "}


class PasswordPolicyError(ValueError):
    """The password does not meet the policy; the message says what is missing."""


def check_policy(password: str, username: str = "") -> None:
    """Raise ``PasswordPolicyError`` naming every rule the password breaks."""
    missing = []
    if len(password) < MIN_LENGTH:
        missing.append(f"at least {MIN_LENGTH} characters 至少{MIN_LENGTH}位")
    if not any(c.isalpha() for c in password):
        missing.append("a letter 字母")
    if not any(c.isdigit() for c in password):
        missing.append("a digit 数字")
    if not any(c in SYMBOLS for c in password):
        missing.append("a symbol 符号")
    if username and username.lower() in password.lower():
        missing.append("no user name inside 不得包含用户名")
    if missing:
        raise PasswordPolicyError("password needs " + ", ".join(missing))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def generate_password(length: int = 14) -> str:
    """A random password that meets the policy (for demo users and resets)."""
    letters, digits, symbols = string.ascii_letters, string.digits, "!#%+-=?@_"
    alphabet = letters + digits + symbols
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c in letters for c in pw) and any(c in digits for c in pw) and any(c in symbols for c in pw):
            return pw
