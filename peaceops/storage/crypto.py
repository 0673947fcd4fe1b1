"""Encryption at rest of personal data (names of trainees, complainants, respondents).

Fields are encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag, from the
``cryptography`` package) before they reach the database, so a copied database file or a
backup does not disclose who is in it. Several keys may be given: the first encrypts, all
decrypt, which lets an operator rotate keys (``peaceops`` re-encrypts on the next write).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from peaceops.errors import ConfigError


class FieldCipher:
    """Encrypts and decrypts text fields with one or more Fernet keys."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("no data key: set PEACEOPS_DATA_KEY")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise ConfigError(
                "PEACEOPS_DATA_KEY must be Fernet keys (32 url-safe base64 bytes), comma "
                "separated; make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from exc

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise ConfigError(
                "a stored personal field cannot be decrypted with the configured data keys "
                "(was PEACEOPS_DATA_KEY changed without keeping the old key?)"
            ) from exc

    def rotate(self, token: str) -> str:
        """The same text encrypted with the first key (for re-encryption after a key change)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ConfigError(
                "a stored personal field cannot be decrypted with the configured data keys"
            ) from exc
