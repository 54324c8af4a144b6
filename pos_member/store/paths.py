"""Where the till keeps its files.

The data folder is ``$POS_MEMBER_HOME`` when that variable is set (tests, portable installs,
several tills on one development machine), otherwise the per-user data folder that
platformdirs gives for the app name "POSMember" (for example
``%LOCALAPPDATA%\\POSMember`` on Windows, ``~/.local/share/POSMember`` on Linux).

Nothing here creates folders; the code that writes a file creates its parent.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "POSMember"
HOME_ENV_VAR = "POS_MEMBER_HOME"
DB_FILENAME = "till.sqlite3"
BACKUPS_DIRNAME = "backups"


def data_dir() -> Path:
    """The till's data folder (not created here)."""
    override = os.environ.get(HOME_ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    import platformdirs  # here: not needed (a few ms at start) when the variable is set

    # appauthor=False: no extra "author" level on Windows; roaming=False: a database belongs
    # to this machine, not to a roaming profile.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def default_db_path() -> Path:
    """``<data>/till.sqlite3``."""
    return data_dir() / DB_FILENAME


def backups_dir_for(db_path: str | os.PathLike[str]) -> Path:
    """The folder for backups of a database file: ``backups/`` beside it.

    For the default database this is ``<data>/backups``.
    """
    return Path(db_path).resolve().parent / BACKUPS_DIRNAME
