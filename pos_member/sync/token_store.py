"""Where the till keeps its terminal token: the OS keyring, or an owner-only file.

The token is the terminal's bearer credential (``pmt_…``). It is kept with :mod:`keyring`
(Windows Credential Manager, macOS Keychain, Secret Service) under the service name
``pos-member`` and a user name naming this till (its database path, so two tills on one
development machine do not share a token). Where no keyring backend works — a headless Linux
till, a service account, the "fail" backend, or any :class:`keyring.errors.KeyringError` — the
token goes to a file in the till's data folder that only its owner may read (mode 0600,
written atomically). :attr:`TokenStore.backend` says which one holds it.

The file is a fallback, not a vault: anyone who can read the till's data folder as its user can
read it, exactly as they could read the database. On Windows the file inherits the folder's
ACL (the user's own AppData folder); POSIX modes do not apply there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE_NAME = "pos-member"


def keyring_usable() -> bool:
    """Whether a real keyring backend is configured (not the "fail" or null backend)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:  # noqa: BLE001 - no keyring package at all
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001
        return False
    if isinstance(backend, fail.Keyring):
        return False
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return False
    except ImportError:  # pragma: no cover
        pass
    return True


class TokenStore:
    """The token of one till: ``get()``, ``set(token)``, ``delete()``.

    ``account`` is the keyring user name (the database path or the terminal id); ``folder``
    is where the fallback file goes (the data folder). ``use_keyring=False`` forces the file
    (tests; installations that must not touch the keyring).
    """

    def __init__(self, account: str, folder: str | os.PathLike[str], *,
                 service: str = SERVICE_NAME, use_keyring: bool | None = None) -> None:
        self.account = str(account)
        self.service = service
        self.folder = Path(folder)
        self._use_keyring = use_keyring
        self.backend = "none"  # "keyring" or "file" once a token was read or written

    @classmethod
    def for_database(cls, db_path: str | os.PathLike[str], **kw) -> TokenStore:
        path = Path(db_path).expanduser().resolve()
        return cls(str(path), path.parent, **kw)

    @property
    def path(self) -> Path:
        """The fallback file: ``terminal-token-<hash of the account>`` in the data folder."""
        digest = hashlib.sha256(f"{self.service}\0{self.account}".encode()).hexdigest()[:16]
        return self.folder / f"terminal-token-{digest}"

    # -- public -------------------------------------------------------------------------------

    def get(self) -> str | None:
        if self._keyring_enabled():
            try:
                import keyring

                token = keyring.get_password(self.service, self.account)
            except Exception as exc:  # noqa: BLE001 - NoKeyringError, KeyringError, backend bugs
                log.warning("keyring unavailable (%s); reading the token file", exc)
            else:
                if token:
                    self.backend = "keyring"
                    return token
        token = self._read_file()
        if token is not None:
            self.backend = "file"
        return token

    def set(self, token: str) -> str:
        """Store ``token``; returns the backend used ("keyring" or "file")."""
        if not token or "\n" in token:
            raise ValueError("a terminal token is one non-empty line")
        if self._keyring_enabled():
            try:
                import keyring

                keyring.set_password(self.service, self.account, token)
            except Exception as exc:  # noqa: BLE001
                log.warning("keyring unavailable (%s); keeping the token in %s", exc, self.path)
            else:
                self._remove_file()  # a token saved earlier as a file is superseded
                self.backend = "keyring"
                return self.backend
        self._write_file(token)
        self.backend = "file"
        return self.backend

    def delete(self) -> None:
        if self._keyring_enabled():
            try:
                import keyring

                keyring.delete_password(self.service, self.account)
            except Exception:  # noqa: BLE001 - PasswordDeleteError when absent, or no backend
                pass
        self._remove_file()
        self.backend = "none"

    # -- the file -----------------------------------------------------------------------------

    def _keyring_enabled(self) -> bool:
        return keyring_usable() if self._use_keyring is None else self._use_keyring

    def _read_file(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the token file %s: %s", self.path, exc)
            return None
        return text or None

    def _write_file(self, token: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.folder)  # created 0600
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(token + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _remove_file(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover
            log.warning("cannot remove the token file %s: %s", self.path, exc)
