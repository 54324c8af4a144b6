"""Alembic migrations for the till database, shipped inside the package.

Run them through :mod:`pos_member.store.migrate`, which builds the Alembic configuration in
code (no alembic.ini), backs the file up first and turns foreign keys off for the upgrade.
"""
