"""POS Member: an offline-first point-of-sale membership client."""

__version__ = "0.1.0"
