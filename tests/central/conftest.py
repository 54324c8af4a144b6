"""Fixtures of the central service's tests; the reusable ones live in server_fixture.py."""

from tests.central.server_fixture import (  # noqa: F401 (pytest finds fixtures by name)
    central_database_kind,
    central_server,
    make_central_server,
)
