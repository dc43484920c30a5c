"""Teacher passwords: salted scrypt hashes (the failed-login throttle is ``tutor.sign_in``).

Hash format: ``scrypt$N$r$p$salt_b64$hash_b64`` — the parameters travel with the hash, so
they can be raised later without breaking stored accounts (`needs_rehash` says when).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # ~16 MiB and ~50 ms per hash
SALT_BYTES, KEY_BYTES = 16, 32
MAX_PASSWORD_CHARS = 1024
MIN_PASSWORD_CHARS = 8
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


def valid_username(username: object) -> bool:
    return isinstance(username, str) and bool(USERNAME_PATTERN.fullmatch(username))


def check_new_password(password: str) -> None:
    """ValueError unless `password` is acceptable for a new account or a reset."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password may have at most {MAX_PASSWORD_CHARS} characters")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    check_new_password(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


# Verifying an unknown username still costs one scrypt, so timing does not reveal accounts.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(b'0' * SALT_BYTES)}${_b64(b'0' * KEY_BYTES)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`; never raises. `stored=None` burns the same time."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, n, r, p, salt, digest = (stored or _DUMMY_HASH).split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return stored is not None and hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")
