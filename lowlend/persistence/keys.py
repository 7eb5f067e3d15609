"""Data-encryption keys derived from the master key (``LOWLEND_MASTER_KEY``).

One scheme for every kind of encrypted data: HKDF-SHA256 of the master key with a
per-purpose ``info`` label, used as a Fernet key (AES-128-CBC + HMAC-SHA256). Each
purpose (identity numbers, attachments, …) gets its own key, so one leaked derived
key does not open the others.

>>> token = derived_fernet("k" * 44, b"lowlend:test:v1").encrypt(b"x")
>>> derived_fernet("k" * 44, b"lowlend:test:v1").decrypt(token)
b'x'
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["ID_PEPPER_INFO", "derived_fernet", "derived_secret"]

ID_PEPPER_INFO = b"lowlend:id-number-pepper:v1"
"""Purpose label of the keyed hash of identity numbers (the blind index)."""


def derived_secret(master_key: str | bytes, info: bytes) -> bytes:
    """32 bytes of purpose ``info`` under ``master_key`` (HKDF-SHA256).

    >>> derived_secret("k" * 44, b"a") != derived_secret("k" * 44, b"b")
    True
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = master_key.encode("utf-8") if isinstance(master_key, str) else master_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lowlend", info=info).derive(secret)


def derived_fernet(master_key: str | bytes, info: bytes) -> Any:
    """The Fernet of purpose ``info`` under ``master_key``."""
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(derived_secret(master_key, info)))
