"""The last line of defence outside the window: an unexpected exception on a non-UI code path
(start-up, the command line, a background thread) is logged with its traceback, and one calm
line on stderr says that nothing saved is lost and where the log file is.

The cashier application installs its own hook (``pos_member.ui.app.install_crash_hook``: a
dialog). To keep out of its way, :func:`install_excepthook` installs this one only where no
other hook is in place (``sys.excepthook is sys.__excepthook__``), and the UI's hook, installed
later, simply replaces it.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

log = logging.getLogger("pos_member.crash")

# Set by main.py when the program has no console (the windowed Windows build, started from the
# Start menu or at log-on): a message printed to stderr would reach nobody there.
windowed = False


def tell_user(text: str) -> bool:
    """Show ``text`` in a message box when there is no console to print it to (Windows,
    windowed build); True if shown. Uses the Windows API, not Qt: it runs before or without
    the cashier window."""
    if not windowed or sys.platform != "win32":
        return False
    try:
        import ctypes

        mb_iconwarning, mb_setforeground, mb_topmost = 0x30, 0x10000, 0x40000
        ctypes.windll.user32.MessageBoxW(  # type: ignore[attr-defined]
            None, text, "POS Member", mb_iconwarning | mb_setforeground | mb_topmost)
    except Exception:
        log.exception("could not show the message box")
        return False
    return True


class ExceptHook:
    """``sys.excepthook`` / ``threading.excepthook`` that logs and names the log file."""

    def __init__(self, log_path: Path | str | None, stream=None):
        self.log_path = Path(log_path) if log_path is not None else None
        self.stream = stream  # None: sys.stderr at the time of the crash
        self.count = 0

    def message(self, value: BaseException) -> str:
        where = (f" The details are in the log file: {self.log_path}" if self.log_path
                 else "")
        text = " ".join(str(value).split()) or type(value).__name__
        return (f"POS Member stopped because of an unexpected error ({type(value).__name__}: "
                f"{text[:300]}). Everything already saved is kept.{where}")

    def __call__(self, etype: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        self.count += 1
        try:
            log.critical("unexpected error:\n%s",
                         "".join(traceback.format_exception(etype, value, tb)))
        except Exception:  # noqa: BLE001, S110 - the hook must never raise
            pass
        stream = self.stream or sys.stderr
        try:
            if stream is not None:
                print(self.message(value), file=stream, flush=True)
            tell_user(self.message(value))
        except Exception:  # noqa: BLE001, S110 - nowhere left to report to
            pass

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def install_excepthook(log_path: Path | str | None) -> ExceptHook | None:
    """Install the hook unless someone else's is already installed. Returns it, or None."""
    installed = None
    if sys.excepthook is sys.__excepthook__:
        installed = ExceptHook(log_path)
        sys.excepthook = installed
    if threading.excepthook is threading.__excepthook__:
        hook = installed or ExceptHook(log_path)
        threading.excepthook = hook.thread_hook
        installed = hook
    return installed
