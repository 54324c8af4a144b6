"""Window-first start: the login screen is painted before the database stack is even imported.

``pos_member run`` (``commands.cmd_run``) opens the till first (SQLAlchemy, Alembic, the
migration check: about half a second) and then calls :func:`main_window.run_app`. This entry
does the same work in the other order, so a cashier sees the login screen in about the time a
bare PySide6 window takes to appear:

1. the QApplication, fonts, style sheet, translator and a main window holding only the login
   and lock screens (none of them imports the services);
2. after the login screen's first paint, ONE op on the DB worker imports the database stack
   and opens the till (lock, upgrade with backup, demo data on a first start) and puts the
   context in ``window.env.ctx``; a PIN typed meanwhile is checked by the next op, which the
   single worker runs after this one;
3. back on the GUI thread, the other screens are built one per event-loop turn
   (:meth:`MainWindow.attach` with ``staged=True``).

    python -m pos_member.ui.launcher [--db FILE] [--no-demo] [--demo-members N]

To make it what ``python main.py`` starts, ``commands.cmd_run`` would call :func:`launch`
instead of opening the till itself (that file is not part of the UI package).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def launch(db: str | None = None, *, seed_demo_if_new: bool = True,
           demo_members: int = 2000, language: str | None = None) -> int:

    from .app import create_application, install_crash_hook
    from .i18n import DEFAULT_LANGUAGE, translate
    from .main_window import MainWindow, _exit_when_painted
    from .worker import Op

    db_path = Path(db) if db else None  # the default needs platformdirs: found on the worker
    app = create_application()
    window_ref: list = []
    install_crash_hook(lambda: window_ref[0] if window_ref else None)
    window = MainWindow(None, db_path.parent if db_path else Path("."),
                        language=language or DEFAULT_LANGUAGE)
    window_ref.append(window)
    opened: list = []

    def open_the_till():  # on the DB worker
        from pos_member.app import open_till, setup_logging
        from pos_member.store.paths import default_db_path

        setup_logging()
        path = db_path or default_db_path()
        window.env.data_dir = path.parent  # receipts and print jobs live beside the database
        till = open_till(path, seed_demo_if_new=seed_demo_if_new, demo_members=demo_members)
        window.env.ctx = till.ctx  # before any later op runs: they all come after this one
        return till

    def attached(till) -> None:
        opened.append(till)
        window.attach(till.ctx, staged=True)
        if till.seeded:
            window.login.message.show_message(translate(
                "MainWindow", "Demo data was created: cashier S002 PIN 1357, manager S001 PIN "
                              "2468."), "info", 0)

    def failed(exc: BaseException) -> None:
        from pos_member.store.db import InstanceLockedError

        if isinstance(exc, InstanceLockedError):
            text = translate("Launcher", "The till is already running on this computer.")
        else:
            log.error("the till could not be opened", exc_info=(type(exc), exc,
                                                                exc.__traceback__))
            text = translate("Launcher", "The till's database could not be opened; the "
                                         "details are in the log file.")
        window.login.message.show_message(text, "error", 0)
        window.login.pad.setEnabled(False)

    window.first_painted.connect(
        lambda: Op(open_the_till).success(attached).failure(failed).run(window.worker))
    if os.environ.get("POS_MEMBER_EXIT_WHEN_SHOWN"):  # bench/startup.py
        _exit_when_painted(app, window.login)
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        for till in opened:
            till.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="pos_member.ui.launcher")
    ap.add_argument("--db", help="database file (default: the user's data folder)")
    ap.add_argument("--no-demo", action="store_true", help="do not create demo data")
    ap.add_argument("--demo-members", type=int, default=2000, metavar="N")
    args = ap.parse_args(argv)
    return launch(args.db, seed_demo_if_new=not args.no_demo, demo_members=args.demo_members)


if __name__ == "__main__":
    sys.exit(main())
