"""Ed25519 key helpers for member-code signing.

The central service holds the private key and signs dynamic member codes; a till only ever
holds public keys. Keys travel as raw 32 bytes (what the sync pull can carry, e.g. base64) or
as PEM (SubjectPublicKeyInfo / PKCS#8) for files and configuration.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "generate_key_pair",
    "key_fingerprint",
    "load_private_key",
    "load_public_key",
    "private_key_to_pem",
    "private_key_to_raw",
    "public_key_to_pem",
    "public_key_to_raw",
]

_RAW = serialization.Encoding.Raw
_PEM = serialization.Encoding.PEM


def generate_key_pair() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    """A new signing key and its public key (for the central service and for tests)."""
    private_key = Ed25519PrivateKey.generate()
    return private_key, private_key.public_key()


def public_key_to_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(_RAW, serialization.PublicFormat.Raw)


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(_PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_key_to_raw(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with ``password`` when one is given."""
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if password:
        encryption = serialization.BestAvailableEncryption(password)
    return private_key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_public_key(data: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from raw 32 bytes or PEM (bytes or str); keys pass through.

    Raises ValueError for anything else, including PEM keys of another algorithm.
    """
    if isinstance(data, Ed25519PublicKey):
        return data
    raw = data.encode("ascii", "strict") if isinstance(data, str) else bytes(data)
    if raw.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(raw)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM public key is not an Ed25519 key")
        return key
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 public key is exactly 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def load_private_key(
    data: Ed25519PrivateKey | bytes | str, password: bytes | None = None
) -> Ed25519PrivateKey:
    """An Ed25519 private key from raw 32 bytes or PKCS#8 PEM; keys pass through."""
    if isinstance(data, Ed25519PrivateKey):
        return data
    raw = data.encode("ascii", "strict") if isinstance(data, str) else bytes(data)
    if raw.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(raw, password=password)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM private key is not an Ed25519 key")
        return key
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 private key is exactly 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def key_fingerprint(public_key: Ed25519PublicKey | bytes | str) -> str:
    """First 16 hex digits of SHA-256 over the raw public key: a handy default key id."""
    return hashlib.sha256(public_key_to_raw(load_public_key(public_key))).hexdigest()[:16]
