"""The one door to python-escpos: import it here, with its side effects contained.

python-escpos 3.1 does three things at import time that a desktop application must not let
happen (see ../shared/DEPENDENCIES.md):

- ``escpos.capabilities`` calls ``logging.basicConfig()``, which puts a stderr handler on the
  root logger when the application has not configured logging yet;
- it evaluates ``environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())``: the default
  argument is computed first, so a new empty temporary folder is made on *every* start even
  when the variable is set;
- it writes its capabilities pickle into that folder.

:func:`escpos` imports the library once, under a lock, with ``ESCPOS_CAPABILITIES_PICKLE_DIR``
pointing at a stable per-user cache folder, ``tempfile.mkdtemp`` standing in for that folder
while the import runs, and any root-logger handler the import added removed again. Every other
module of this package reaches python-escpos through this function, never by ``import escpos``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"
HOME_ENV_VAR = "POS_MEMBER_HOME"  # same variable as the store's data folder
APP_NAME = "POSMember"

_lock = threading.Lock()
_modules: SimpleNamespace | None = None


def cache_dir() -> Path:
    """A stable folder for python-escpos's capabilities pickle (created on demand)."""
    home = os.environ.get(HOME_ENV_VAR, "").strip()
    if home:
        return Path(home).expanduser() / "cache" / "escpos"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "escpos"


def escpos() -> SimpleNamespace:
    """python-escpos's modules: ``printer``, ``constants``, ``exceptions``.

    Imported on first use (it costs a few hundred milliseconds and pulls in ``barcode``,
    ``qrcode`` and ``yaml``), so laying out a receipt never pays for it.
    """
    global _modules
    if _modules is not None:
        return _modules
    with _lock:
        if _modules is None:
            _modules = _import_contained()
    return _modules


def _import_contained() -> SimpleNamespace:
    folder = os.environ.get(PICKLE_DIR_ENV, "").strip()
    if not folder:
        folder = str(cache_dir())
        os.environ[PICKLE_DIR_ENV] = folder
    Path(folder).mkdir(parents=True, exist_ok=True)

    root = logging.getLogger()
    handlers_before = list(root.handlers)
    level_before = root.level
    real_mkdtemp = tempfile.mkdtemp
    tempfile.mkdtemp = lambda *args, **kwargs: folder  # type: ignore[assignment]
    try:
        import escpos.constants as constants
        import escpos.exceptions as exceptions
        import escpos.printer as printer
    finally:
        tempfile.mkdtemp = real_mkdtemp  # type: ignore[assignment]
        for handler in list(root.handlers):
            if handler not in handlers_before:
                root.removeHandler(handler)
        root.setLevel(level_before)
    return SimpleNamespace(printer=printer, constants=constants, exceptions=exceptions,
                           pickle_dir=folder)


def dummy_printer():
    """A fresh ``escpos.printer.Dummy``: collects the bytes of one job in memory."""
    return escpos().printer.Dummy()
