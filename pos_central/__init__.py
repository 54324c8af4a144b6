"""The reference central service of POS Member: FastAPI, SQLAlchemy, Alembic.

It may import ``pos_member.sync.protocol`` (the wire format) and ``pos_member.domain`` (the
pure loyalty rules) and nothing else of the till; see docs/sync-api.md.
"""

__version__ = "0.1.0"
