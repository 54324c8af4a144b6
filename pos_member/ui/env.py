"""What every screen shares: the till's context, the worker, who is signed in, the language,
the printer, and one "what changed" signal (Anki's operation-did-execute)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from .i18n import LanguageManager
from .tiers import TierBook
from .worker import DbWorker

if TYPE_CHECKING:  # pragma: no cover
    from pos_member.services.context import TillContext
    from pos_member.services.staff import StaffMember

    from .receipts import ReceiptService
    from .scanner import WedgeScanner


class UiEnv(QObject):
    """One per main window. Screens receive it in their constructor."""

    staff_changed = Signal(object)  # StaffMember | None
    # What a finished op changed, so views redraw only that: "sale", "member", "shift",
    # "catalogue", "settings", "refund", "sync". Views coalesce with a timer where it matters.
    changed = Signal(str)

    def __init__(self, ctx: TillContext | None, worker: DbWorker, language: LanguageManager,
                 data_dir: Path, parent: QObject | None = None, *, tiers: TierBook):
        super().__init__(parent)
        # None until the till is open (the launcher shows the login screen first and opens
        # the database on the worker; every op runs after that one, so ops see the context)
        self.ctx = ctx
        self.worker = worker
        self.language = language
        self.data_dir = data_dir
        self.staff: StaffMember | None = None
        self.store: dict[str, str] = {}  # store name, address, printer spec (catalogue.store_info)
        self.receipts: ReceiptService | None = None
        self.scanner: WedgeScanner | None = None
        self.shift_open: bool | None = None  # known after login
        # the brand's tiers as every screen and printout names them (the rules in force)
        self.tiers = tiers
        # How the settings screen enrols (services.settings.enrol_terminal's ``enrol``): the
        # main window sets the one pos_member.app.enroller builds when the sync engine starts;
        # None records the code for the engine to use.
        self.enrol = None

    def set_staff(self, staff: StaffMember | None) -> None:
        self.staff = staff
        self.staff_changed.emit(staff)

    @property
    def is_manager(self) -> bool:
        return self.staff is not None and str(self.staff.role) == "manager"
