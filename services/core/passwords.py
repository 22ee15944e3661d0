"""Password hashing: argon2id with the OWASP Password Storage Cheat Sheet's minimum (m=19 MiB, t=2, p=1).

Only the encoded hash (``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``) is stored: it carries
its own salt and parameters, so raising the parameters later rehashes on the next login.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MEMORY_COST_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1


@functools.cache
def _hasher() -> PasswordHasher:
    """The argon2id hasher, loaded on the first password a function checks or sets (its routes that take none
    never import argon2)."""
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=TIME_COST,
        memory_cost=MEMORY_COST_KIB,
        parallelism=PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """True when ``password`` matches. With no stored hash a dummy one is checked, so timing is alike."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(encoded or _dummy_hash(), password) and encoded is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    return _hasher().check_needs_rehash(encoded)


@functools.cache
def _dummy_hash() -> str:
    """Hash of a value nobody knows: checked for unknown accounts to even out response times."""
    return _hasher().hash("dummy password that matches no account")
