"""Whether the first-run set-up is needed: a file check, nothing more. Apart from
:mod:`pos_member.ui.first_run_setup` (its dataclasses and the set-up work) because the launcher
asks it before the login screen's first paint (issue 14 item 8)."""

from __future__ import annotations

from pathlib import Path

MARKER_SUFFIX = ".setup"


def setup_marker(db_path: str | Path) -> Path:
    """``till.sqlite3`` -> ``till.sqlite3.setup``: present while a set-up is unfinished."""
    p = Path(db_path)
    return p.with_name(p.name + MARKER_SUFFIX)


def needs_first_run(db_path: str | Path) -> bool:
    """No database yet, an empty file, or a set-up that did not finish."""
    p = Path(db_path)
    try:
        return not p.exists() or p.stat().st_size == 0 or setup_marker(p).exists()
    except OSError:
        return False  # let opening the till report what is wrong with the path
