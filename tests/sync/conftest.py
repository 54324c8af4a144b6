"""Fixtures of the sync tests: the real central service (tests/central/server_fixture.py) on
SQLite, and on PostgreSQL too when POS_CENTRAL_TEST_DATABASE_URL is set."""

from tests.central.server_fixture import (  # noqa: F401 (pytest finds fixtures by name)
    central_database_kind,
    central_server,
    make_central_server,
)
