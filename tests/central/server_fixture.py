"""The real central service on 127.0.0.1, for tests: uvicorn in a background thread.

Reusable by any test package (the till's sync tests too)::

    from tests.central.server_fixture import CentralServer, sqlite_url

    with CentralServer(sqlite_url(tmp_path)) as server:
        till = server.enrol("Till 1")
        requests.post(server.base_url + "/v1/push", json=..., headers=till.headers)

``CentralServer`` migrates its database, serves it on a free port over real sockets, and can be
stopped and started again on the same port (a service restart). ``database_urls()`` names the
back ends to run on: SQLite always, PostgreSQL too when ``POS_CENTRAL_TEST_DATABASE_URL`` is
set; ``isolated_database(kind, tmp_path)`` makes a fresh database of that kind (an SQLite file,
or a PostgreSQL schema dropped afterwards).

The pytest fixtures at the end (``central_database_kind``, ``central_server``,
``make_central_server``) are imported by tests/central/conftest.py; another package's conftest
can import them the same way.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest
import requests
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pos_central.app import create_app
from pos_central.auth import new_enrol_code
from pos_central.cli import migrate
from pos_central.db import Database

PG_ENV = "POS_CENTRAL_TEST_DATABASE_URL"


def database_kinds() -> list[str]:
    """``["sqlite"]``, plus ``"postgresql"`` when POS_CENTRAL_TEST_DATABASE_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


def sqlite_url(directory: Path, name: str = "central.db") -> str:
    return f"sqlite:///{Path(directory) / name}"


@contextmanager
def postgres_schema(base_url: str | None = None) -> Iterator[str]:
    """A fresh schema in the PostgreSQL database of ``base_url`` (default: the env var);
    yields a URL whose connections use it, and drops it (CASCADE) afterwards."""
    base = make_url(base_url or os.environ[PG_ENV])
    schema = f"pos_central_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def isolated_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(directory, f"central-{uuid.uuid4().hex[:8]}.db")
    elif kind == "postgresql":
        with postgres_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")


@dataclass
class EnrolledTerminal:
    """A terminal the service enrolled, and a requests session that sends its token."""

    terminal_id: str
    token: str
    store_id: str
    base_url: str
    http: requests.Session = field(default_factory=requests.Session, repr=False)
    next_seq: int = 1

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.get(self.base_url + path, headers=headers, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.post(self.base_url + path, headers=headers, timeout=60, **kwargs)

    def push(self, events: list[dict[str, Any]]) -> requests.Response:
        return self.post("/v1/push", json={"events": events})

    def take_seq(self) -> int:
        seq, self.next_seq = self.next_seq, self.next_seq + 1
        return seq


class CentralServer:
    """pos_central on 127.0.0.1 in a background thread, on a port that survives restarts."""

    def __init__(self, database_url: str, host: str = "127.0.0.1") -> None:
        self.database_url = database_url
        self.host = host
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        migrate(database_url)
        self.db = Database(database_url)  # for setting up data directly, as brand operations

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> CentralServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port or 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.database_url), log_level="warning",
                                access_log=False, lifespan="on", timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"central-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the central service did not start")
            time.sleep(0.01)
        self._server, self._thread, self._socket = server, thread, sock
        return self

    def stop(self, force: bool = False) -> None:
        """Shut down; ``force`` drops requests in flight instead of letting them finish."""
        if self._server is None:
            return
        self._server.should_exit = True
        self._server.force_exit = force
        self._thread.join(timeout=15)
        self._socket.close()
        self._server = self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        self.db.dispose()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------------

    def enrol_code(self, store_id: str | None = None) -> str:
        return new_enrol_code(self.db, store_id=store_id)

    def enrol(self, name: str = "Till", store_id: str = "S001") -> EnrolledTerminal:
        """A new terminal, enrolled over HTTP with a fresh one-time code."""
        response = requests.post(self.base_url + "/v1/enrol", timeout=30, json={
            "code": self.enrol_code(), "terminal_name": name, "store_id": store_id})
        response.raise_for_status()
        body = response.json()
        return EnrolledTerminal(terminal_id=body["terminal_id"], token=body["token"],
                                store_id=store_id, base_url=self.base_url)

    def write(self):
        """A write session on the service's database (committed on leaving the block)."""
        return self.db.write()

    def read(self):
        return self.db.read()


# -- pytest fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session", params=database_kinds())
def central_database_kind(request: pytest.FixtureRequest) -> str:
    """"sqlite", and "postgresql" too when POS_CENTRAL_TEST_DATABASE_URL is set."""
    return request.param


@pytest.fixture(scope="session")
def central_server(central_database_kind: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    """One service per test session and back end. Tests share it: use fresh phones, codes and
    terminals (``server.enrol()``), or ``make_central_server`` for a database of one's own."""
    with isolated_database(central_database_kind, tmp_path_factory.mktemp("central")) as url:
        server = CentralServer(url).start()
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
def make_central_server(central_database_kind: str,
                        tmp_path: Path) -> Iterator[Callable[[], CentralServer]]:
    """A factory of services with databases of their own, closed after the test."""
    with ExitStack() as stack:
        def make() -> CentralServer:
            url = stack.enter_context(isolated_database(central_database_kind, tmp_path))
            server = CentralServer(url).start()
            stack.callback(server.close)
            return server

        yield make
