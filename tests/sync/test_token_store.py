"""The terminal token: in the OS keyring when a backend works, else in an owner-only file."""

from __future__ import annotations

import os
import stat
import sys

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from pos_member.sync.token_store import SERVICE_NAME, TokenStore, keyring_usable


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.saved.get((service, username))

    def set_password(self, service, username, password):
        self.saved[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.saved:
            raise PasswordDeleteError("absent")
        del self.saved[(service, username)]


class BrokenKeyring(MemoryKeyring):
    """A backend that is configured but does not work (a locked Secret Service, say)."""

    def get_password(self, service, username):
        raise KeyringError("locked")

    def set_password(self, service, username, password):
        raise NoKeyringError("no daemon")


@pytest.fixture
def use_backend():
    before = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(before)


def _assert_owner_only(path):
    assert path.read_text().strip().startswith("pmt_")
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keyring_when_a_backend_works(tmp_path, use_backend):
    backend = use_backend(MemoryKeyring())
    assert keyring_usable()
    store = TokenStore.for_database(tmp_path / "till.sqlite3")
    assert store.set("pmt_secret") == "keyring"
    assert backend.saved == {(SERVICE_NAME, str((tmp_path / "till.sqlite3").resolve())):
                             "pmt_secret"}
    assert not store.path.exists()  # nothing on disk
    assert TokenStore.for_database(tmp_path / "till.sqlite3").get() == "pmt_secret"
    store.delete()
    assert store.get() is None and backend.saved == {}


def test_a_file_readable_only_by_its_owner_without_a_keyring(tmp_path, use_backend):
    use_backend(fail.Keyring())  # what this CI machine has
    assert not keyring_usable()
    store = TokenStore.for_database(tmp_path / "till.sqlite3")
    assert store.set("pmt_file-token") == "file"
    assert store.path.parent == tmp_path
    _assert_owner_only(store.path)
    assert TokenStore.for_database(tmp_path / "till.sqlite3").get() == "pmt_file-token"
    assert store.set("pmt_second") == "file"  # replaced atomically, still 0600
    _assert_owner_only(store.path)
    assert store.get() == "pmt_second"
    assert [p.name for p in tmp_path.iterdir()] == [store.path.name]  # no temporary left
    store.delete()
    assert store.get() is None and not store.path.exists()


def test_a_broken_keyring_falls_back_to_the_file(tmp_path, use_backend):
    use_backend(BrokenKeyring())
    store = TokenStore("till-1", tmp_path)
    assert store.set("pmt_fallback") == "file"
    _assert_owner_only(store.path)
    assert store.get() == "pmt_fallback"


def test_a_token_moves_from_the_file_to_a_keyring_that_appears(tmp_path, use_backend):
    use_backend(fail.Keyring())
    store = TokenStore("till-2", tmp_path)
    store.set("pmt_old")
    backend = use_backend(MemoryKeyring())
    assert store.get() == "pmt_old"  # still readable from the file
    assert store.set("pmt_new") == "keyring"
    assert not store.path.exists() and backend.saved[(SERVICE_NAME, "till-2")] == "pmt_new"


def test_two_tills_do_not_share_a_token(tmp_path):
    a = TokenStore.for_database(tmp_path / "a.sqlite3", use_keyring=False)
    b = TokenStore.for_database(tmp_path / "b.sqlite3", use_keyring=False)
    a.set("pmt_a")
    b.set("pmt_b")
    assert (a.get(), b.get()) == ("pmt_a", "pmt_b") and a.path != b.path


def test_bad_tokens_are_refused(tmp_path):
    store = TokenStore("x", tmp_path, use_keyring=False)
    for bad in ("", "two\nlines"):
        with pytest.raises(ValueError):
            store.set(bad)
