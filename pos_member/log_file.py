"""The till's log file, ``<data folder>/logs/pos-member.log``, in two steps.

- :func:`start`, before the window (``run``): a plain append-mode ``logging.FileHandler`` on
  the root logger. It needs neither ``logging.handlers`` (with ``socket``, ``pickle``,
  ``queue`` ...) nor the composition root (:mod:`pos_member.app`), which every
  ``python main.py`` would otherwise import before its first paint.
- :func:`setup` (``pos_member.app.setup_logging``), after the paint (the launcher calls it on
  the DB worker as it opens the till): the rotating file (5 MB, 5 old files). It takes the
  start handler's place in one assignment of the root logger's handler list, so every record
  goes to exactly one of the two: none lost, none written twice.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

FILE_NAME = "pos-member.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 5_000_000
BACKUP_COUNT = 5


def log_path() -> Path:
    from pos_member.store.paths import data_dir

    return data_dir() / "logs" / FILE_NAME


class StartFileHandler(logging.FileHandler):
    """The plain file handler :func:`start` puts on the root logger until :func:`setup`."""


def _rotating(root: logging.Logger):
    import logging.handlers

    return next((h for h in root.handlers
                 if isinstance(h, logging.handlers.RotatingFileHandler)), None)


def start(level: int = logging.INFO) -> Path:
    """Log to the log file from now on, with a plain handler (see the module doc); nothing is
    added when a file handler of ours (start or rotating) is already there."""
    path = log_path()
    root = logging.getLogger()
    if any(isinstance(h, StartFileHandler) for h in root.handlers) or (
            "logging.handlers" in sys.modules and _rotating(root) is not None):
        return path  # (no rotating handler can exist before logging.handlers is imported)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = StartFileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return path


def setup(level: int = logging.INFO) -> Path:
    """Log to the rotating file (and warnings to stderr, Python's last resort). Idempotent;
    replaces :func:`start`'s handler when there is one."""
    import logging.handlers

    path = log_path()
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if _rotating(root) is not None:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES,
                                                   backupCount=BACKUP_COUNT, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    early = [h for h in root.handlers if isinstance(h, StartFileHandler)]
    if not early:
        root.addHandler(handler)
        root.setLevel(level)
        return path
    # One assignment: a record being logged now (any thread) sees either the old list or the
    # new one, so it reaches exactly one of the two handlers. Logger.callHandlers reads the
    # list once per record.
    root.handlers = [handler if h is early[0] else h for h in root.handlers
                     if h is early[0] or h not in early]
    root.setLevel(level)
    for h in early:
        # A record that took the old list just before the assignment is written first: close()
        # waits for the handler's lock, and a FileHandler closed before an emit reopens its
        # file (appending), so even that record is kept.
        h.close()
    return path

