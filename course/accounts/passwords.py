"""Password hashing with Argon2id at OWASP's recommended parameters.

OWASP's Password Storage Cheat Sheet: Argon2id with 19 MiB of memory, 2 iterations and a
parallelism of 1 as the minimum configuration.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: Verified against when an account does not exist, so both answers take the same time.
_DUMMY_HASH = HASHER.hash("not-a-real-password")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same effort when there is no hash."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
