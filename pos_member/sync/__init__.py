"""Sync with the central service: the wire protocol (and, later, the client and engine)."""
