"""The calm stop when the till's data is damaged (see pos_member/store/health.py).

Shown by the launcher instead of selling when the database is empty, missing where a till
lived, corrupt, behind its high-water mark, another till's, or when the data folder cannot be
written. It says what is wrong in the cashier's words, that nothing was changed, names the
newest good backup, and offers to restore it (the same restore as ``db restore``: the current
file is kept as a backup first). The English detail, with the file's path, is shown under it
and is in the log.

Opened with ``open()`` (window-modal, no nested event loop); ``restore_requested(Path)`` and
``quit_requested()`` tell the launcher what the manager chose.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .screen import MessageBar, set_role

translate = QCoreApplication.translate

UNWRITABLE = "unwritable"  # not a health problem: the data folder cannot be written


def headline(problem: str) -> str:
    texts = {
        "missing": translate("DamagedDatabase", "The till's database is missing, but this "
                                                "computer has backups of it."),
        "empty": translate("DamagedDatabase", "The till's database file is empty: its data "
                                              "is gone."),
        "corrupt": translate("DamagedDatabase", "The till's database is damaged."),
        "behind": translate("DamagedDatabase", "The till's database has lost its latest "
                                               "sales: a file of the database went missing."),
        "other_till": translate("DamagedDatabase", "This database belongs to another till."),
        UNWRITABLE: translate("DamagedDatabase", "The till cannot write to its data folder "
                                                 "(a read-only disk or missing permissions)."),
    }
    return texts.get(problem, translate("DamagedDatabase", "The till's database cannot be "
                                                           "used as it is."))


class DamagedDatabaseDialog(QDialog):
    restore_requested = Signal(object)  # the backup's Path
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None, problem: str, detail: str,
                 backup: Path | None):
        super().__init__(parent)
        self.setObjectName("damaged_database")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.problem = problem
        self.detail_text = detail
        self.backup = backup
        self.title = QLabel(self)
        self.title.setObjectName("damaged_title")
        self.title.setWordWrap(True)
        set_role(self.title, "title")
        self.body = QLabel(self)
        self.body.setObjectName("damaged_body")
        self.body.setWordWrap(True)
        self.detail = QLabel(detail, self)
        self.detail.setObjectName("damaged_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = MessageBar(self)
        self.restore = set_role(QPushButton(self), "primary")
        self.restore.setObjectName("damaged_restore")
        self.restore.setMinimumHeight(56)
        self.restore.setVisible(backup is not None and problem != UNWRITABLE)
        self.restore.clicked.connect(self._restore)
        self.quit = QPushButton(self)
        self.quit.setObjectName("damaged_quit")
        self.quit.setMinimumHeight(56)
        self.quit.clicked.connect(self._quit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit)
        buttons.addWidget(self.restore)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        for w in (self.title, self.body, self.detail, self.message):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.setMinimumWidth(640)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("The till cannot start"))
        self.title.setText(headline(self.problem))
        if self.problem == UNWRITABLE:
            body = self.tr("Nothing was changed. Make the data folder writable for this user "
                           "(or set POS_MEMBER_HOME to a writable folder), then start the till "
                           "again.")
        elif self.backup is None:
            body = self.tr("Nothing was changed. No sound backup was found in the backups "
                           "folder: ask for help before using this till again.")
        else:
            when = datetime.fromtimestamp(self.backup.stat().st_mtime).strftime(
                "%Y-%m-%d %H:%M")
            body = self.tr("Nothing was changed. The newest good backup is %1 (%2). Restore "
                           "it here, or on the command line: pos-member db restore %1. The "
                           "current file is kept as a backup first; sales made after the "
                           "backup that were already synced are at the central service.") \
                .replace("%1", self.backup.name).replace("%2", when)
        self.body.setText(body)
        self.restore.setText(self.tr("Restore this backup"))
        self.quit.setText(self.tr("Quit"))

    def _restore(self) -> None:
        self.restore.setEnabled(False)
        self.quit.setEnabled(False)
        self.message.show_message(self.tr("Restoring the backup…"), "info", 0)
        self.restore_requested.emit(self.backup)

    def restore_failed(self, text: str) -> None:
        self.restore.setEnabled(True)
        self.quit.setEnabled(True)
        self.message.show_message(self.tr("The backup could not be restored: %1")
                                  .replace("%1", text), "error", 0)

    def _quit(self) -> None:
        self.quit_requested.emit()
