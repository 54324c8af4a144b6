"""The till's local database: SQLite through SQLAlchemy, migrated with Alembic.

- :mod:`pos_member.store.paths`: where the data folder and database file are.
- :mod:`pos_member.store.db`: engine (PRAGMAs, BEGIN IMMEDIATE), sessions, instance lock.
- :mod:`pos_member.store.models`: the tables.
- :mod:`pos_member.store.migrate`: upgrade with a backup first, integrity checks.
- :mod:`pos_member.store.repositories`: low-level helpers the services build on.

This package imports neither Qt nor the network stack.
"""
