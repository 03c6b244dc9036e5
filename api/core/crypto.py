"""Secrets at rest (platform tokens, webhook secrets): Fernet with rotatable keys from settings."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from api.core.config import get_settings


class UndecryptableSecret(RuntimeError):
    """A stored secret no configured key opens (the key was changed without keeping the old one)."""


@lru_cache
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in get_settings().encryption_keys()])


def encrypt(value: str) -> str:
    """The value encrypted with the newest key (authenticated; a different ciphertext every time)."""
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext, or UndecryptableSecret naming the likely cause."""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableSecret(
            "A stored secret cannot be decrypted with TOKEN_ENCRYPTION_KEY; keep retired keys after the "
            "new one (comma-separated) when rotating."
        ) from exc


def clear_cache() -> None:
    """Forget the keys (tests that change settings)."""
    _cipher.cache_clear()
