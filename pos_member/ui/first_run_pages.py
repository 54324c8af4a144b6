"""The first-run wizard's pages (language, store, printer, mode) and their small helpers; the
wizard itself is :class:`pos_member.ui.first_run.FirstRunWizard`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .first_run_setup import (
    CENTRAL,
    DEMO,
    ENCODINGS,
    NAME_MAX,
    WIDTHS,
    PrinterProblem,
    TestPageResult,
    print_test_page,
)
from .i18n import LANGUAGES, LanguageManager
from .scanner import make_scan_field
from .screen import MessageBar, set_role

log = logging.getLogger("pos_member.ui.first_run")
translate = QCoreApplication.translate


class _Background(QObject):
    """Runs a function on a short-lived Python thread and calls back on the GUI thread."""

    _done = Signal(object, object, object)  # callback, result, exception

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._done.connect(self._deliver)
        self.running = 0

    def run(self, fn: Callable[..., Any], callback: Callable[[Any, BaseException | None], None],
            *args: Any) -> None:
        self.running += 1

        def work() -> None:
            result, error = None, None
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
                error = exc
            try:
                self._done.emit(callback, result, error)
            except RuntimeError:  # the wizard is gone
                pass

        threading.Thread(target=work, name="pos-first-run", daemon=True).start()

    def _deliver(self, callback, result, error) -> None:  # GUI thread
        self.running -= 1
        callback(result, error)


def _field_label(parent: QWidget) -> QLabel:
    label = set_role(QLabel(parent), "field")
    return label


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


# --- the pages ----------------------------------------------------------------------------------

class _Page(QWidget):
    """A wizard page. ``changed`` says Next may have become (un)available."""

    changed = Signal()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        pass

    def heading(self) -> tuple[str, str]:
        return "", ""

    def complete(self) -> bool:
        return True

    def first_field(self) -> QWidget | None:
        return None


class LanguagePage(_Page):
    def __init__(self, language: LanguageManager, parent: QWidget | None = None):
        super().__init__(parent)
        self.language = language
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        row = QHBoxLayout()
        row.addStretch(1)
        for code, label in (("zh_CN", "简体中文"), ("en", "English")):
            b = set_role(QPushButton(label, self), "choice")
            b.setObjectName(f"setup_lang_{code}")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.choose(c))
            self.group.addButton(b)
            row.addWidget(b)
            self.buttons[code] = b
        row.addStretch(1)
        self.note = set_role(QLabel(self), "subtitle")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(24)
        layout.addWidget(self.note)
        layout.addStretch(2)
        self.retranslate()

    def choose(self, code: str) -> None:
        if code not in LANGUAGES:
            return
        self.language.set_language(code)  # the whole application switches now
        self._sync()

    def _sync(self) -> None:
        for code, b in self.buttons.items():
            b.setChecked(code == self.language.language)

    def heading(self) -> tuple[str, str]:
        return (self.tr("Welcome to POS Member"),
                self.tr("Choose the till's language. 请选择收银台的语言。"))

    def retranslate(self) -> None:
        self.note.setText(self.tr("You can change it later in Settings, or with Ctrl+Shift+L."))
        self._sync()


class StorePage(_Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.store_label, self.till_label = _field_label(self), _field_label(self)
        self.store_name = QLineEdit(self)
        self.store_name.setObjectName("setup_store_name")
        self.store_name.setMaxLength(NAME_MAX)
        self.terminal_name = QLineEdit(self)
        self.terminal_name.setObjectName("setup_terminal_name")
        self.terminal_name.setMaxLength(NAME_MAX)
        self._terminal_edited = False
        self.terminal_name.textEdited.connect(lambda _t: setattr(self, "_terminal_edited", True))
        self.store_hint = set_role(QLabel(self), "muted")
        self.till_hint = set_role(QLabel(self), "muted")
        for w in (self.store_hint, self.till_hint):
            w.setWordWrap(True)
        for f in (self.store_name, self.terminal_name):
            f.textChanged.connect(lambda _t: self.changed.emit())
        grid = QGridLayout()
        grid.setVerticalSpacing(6)
        grid.addWidget(self.store_label, 0, 0)
        grid.addWidget(self.store_name, 1, 0)
        grid.addWidget(self.store_hint, 2, 0)
        grid.setRowMinimumHeight(3, 24)
        grid.addWidget(self.till_label, 4, 0)
        grid.addWidget(self.terminal_name, 5, 0)
        grid.addWidget(self.till_hint, 6, 0)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.retranslate()

    def heading(self) -> tuple[str, str]:
        return self.tr("Store and till"), self.tr("The names the screens, the reports and the "
                                                  "central service show.")

    def retranslate(self) -> None:
        self.store_label.setText(self.tr("Store name"))
        self.store_name.setPlaceholderText(self.tr("e.g. Corner Café, Jing'an"))
        self.store_hint.setText(self.tr("Shown at the top of the till's screens and reports."))
        self.till_label.setText(self.tr("Till name"))
        self.till_hint.setText(self.tr("Tells this till apart from the store's other tills."))
        if not self._terminal_edited:
            self.terminal_name.setText(self.tr("Till 1"))

    def complete(self) -> bool:
        return bool(self.store_name.text().strip() and self.terminal_name.text().strip())

    def first_field(self) -> QWidget | None:
        return self.store_name


class PrinterPage(_Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.background = _Background(self)
        self.last_result: TestPageResult | None = None
        self.last_error: BaseException | None = None
        self.testing = False
        self.spec_label = _field_label(self)
        self.spec = QLineEdit(self)
        self.spec.setObjectName("setup_printer_spec")
        self.spec.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.spec.textChanged.connect(lambda _t: self.changed.emit())
        self.examples = set_role(QLabel(self), "muted")
        self.examples.setWordWrap(True)
        self.examples.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.width_label = _field_label(self)
        self.width_buttons: dict[int, QPushButton] = {}
        self.width_group = QButtonGroup(self)
        width_row = QHBoxLayout()
        for w in WIDTHS:
            b = set_role(QPushButton(self), "option")
            b.setObjectName(f"setup_width_{w}")
            b.setCheckable(True)
            self.width_group.addButton(b)
            self.width_buttons[w] = b
            width_row.addWidget(b)
        self.width_buttons[48].setChecked(True)
        self.encoding_label = _field_label(self)
        self.encoding = QComboBox(self)
        self.encoding.setObjectName("setup_encoding")
        self.encoding.setMinimumWidth(240)
        for e in ENCODINGS:
            self.encoding.addItem(e, e)
        self.test_button = set_role(QPushButton(self), "option")
        self.test_button.setObjectName("setup_test_page")
        self.test_button.clicked.connect(self.test_page)
        self.none_button = set_role(QPushButton(self), "option")
        self.none_button.setObjectName("setup_no_printer")
        self.none_button.setCheckable(True)
        self.none_button.toggled.connect(self._no_printer_toggled)
        self.result = MessageBar(self)
        self.result.setObjectName("setup_test_result")
        from .printer_finder import PrinterFinder  # printers found, not typed (issue 15)

        self.finder = PrinterFinder(self)
        self.finder.chosen.connect(self.spec.setText)

        self.fields = QWidget(self)
        grid = QGridLayout(self.fields)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.spec_label, 0, 0)
        grid.addWidget(self.spec, 0, 1)
        grid.addWidget(self.examples, 1, 1)
        grid.addWidget(self.width_label, 2, 0)
        grid.addLayout(width_row, 2, 1)
        grid.addWidget(self.encoding_label, 3, 0)
        grid.addWidget(self.encoding, 3, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(10)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button, 1)
        buttons.addWidget(self.none_button, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.finder)
        layout.addWidget(self.fields)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.retranslate()

    def heading(self) -> tuple[str, str]:
        return self.tr("Receipt printer"), self.tr("Connect and switch on the printer, find it "
                                                   "(or enter where it is) and print a test "
                                                   "page. No printer yet? Choose \"No printer "
                                                   "for now\".")

    def retranslate(self) -> None:
        self.spec_label.setText(self.tr("Printer"))
        self.spec.setPlaceholderText("network:192.168.1.50:9100")
        self.examples.setText(self.tr(
            "Network: network:192.168.1.50:9100 · USB: usb:04b8:0202 (vendor:product) · "
            "serial: serial:COM3 · a file or device: file:/dev/usb/lp0"))
        self.width_label.setText(self.tr("Paper"))
        self.width_buttons[48].setText(self.tr("80 mm (48 columns)"))
        self.width_buttons[32].setText(self.tr("58 mm (32 columns)"))
        self.encoding_label.setText(self.tr("Encoding"))
        self.encoding.setToolTip(self.tr("gb18030 for printers with Chinese fonts; raster "
                                         "prints Chinese as an image on any printer."))
        self.test_button.setText(self.tr("Testing…") if self.testing
                                 else self.tr("Print a test page"))
        self.none_button.setText(self.tr("No printer for now"))
        self._show_result()

    # --- values ---------------------------------------------------------------------------------

    @property
    def no_printer(self) -> bool:
        return self.none_button.isChecked()

    def width_value(self) -> int:
        return next(w for w, b in self.width_buttons.items() if b.isChecked())

    def values(self) -> tuple[str | None, int, str]:
        spec = None if self.no_printer else self.spec.text().strip()
        return spec, self.width_value(), self.encoding.currentData()

    def complete(self) -> bool:
        return self.no_printer or bool(self.spec.text().strip())

    def first_field(self) -> QWidget | None:
        return None if self.no_printer else self.spec

    def _no_printer_toggled(self, on: bool) -> None:
        self.fields.setEnabled(not on)
        self.finder.setEnabled(not on)
        self.test_button.setEnabled(not on and not self.testing)
        if on:
            self.result.clear_message()
        self.changed.emit()

    # --- the test page (background thread) --------------------------------------------------------

    def test_page(self) -> None:
        spec, width, encoding = self.values()
        if not spec:
            self.last_result, self.last_error = None, PrinterProblem("")
            self._show_result()
            return
        self.testing = True
        self.last_result, self.last_error = None, None
        self.test_button.setEnabled(False)
        self.retranslate()
        self.result.show_message(self.tr("Printing the test page on %1…").replace("%1", spec),
                                 "info", 0)
        self.changed.emit()
        self.background.run(print_test_page, self._tested, spec, width, encoding)

    def _tested(self, result: TestPageResult | None, error: BaseException | None) -> None:
        self.testing = False
        self.test_button.setEnabled(not self.no_printer)
        self.last_result, self.last_error = result, error
        if error is not None and not isinstance(error, PrinterProblem):
            log.error("the test page failed", exc_info=(type(error), error,
                                                        error.__traceback__))
        self.retranslate()
        self.changed.emit()

    def _show_result(self) -> None:
        r, e = self.last_result, self.last_error
        if self.testing or (r is None and e is None):
            return
        if e is not None:
            text = str(e) if isinstance(e, PrinterProblem) and str(e) else ""
            self.result.show_message(self.tr("These printer settings cannot be used: %1")
                                     .replace("%1", text) if text
                                     else self.tr("Enter the printer first."), "error", 0)
        elif r.ok:
            self.result.show_message(self.tr("Test page printed on %1 (%2 bytes). Check the "
                                             "paper: Chinese, the ruler and the QR code should "
                                             "be clear.").replace("%1", r.spec)
                                     .replace("%2", str(r.size)), "ok", 0)
        else:
            self.result.show_message(self.tr("Not printed on %1: %2. Check the cable, the "
                                             "power and the paper, then try again.")
                                     .replace("%1", r.spec).replace("%2", r.message),
                                     "error", 0)


class _Card(QFrame):
    """A big choice: a checkable title button and a description; the whole card clicks."""

    def __init__(self, name: str, parent: QWidget):
        super().__init__(parent)
        set_role(self, "card")
        self.setProperty("selected", "false")
        self.button = set_role(QPushButton(self), "option")
        self.button.setObjectName(name)
        self.button.setCheckable(True)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 15px; color: #57606a;")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setSpacing(10)
        self.layout_.addWidget(self.button)
        self.layout_.addWidget(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def mousePressEvent(self, event) -> None:
        if self.button.isEnabled():
            self.button.click()
        super().mousePressEvent(event)

    def set_selected(self, on: bool) -> None:
        value = "true" if on else "false"
        if self.property("selected") != value:
            self.setProperty("selected", value)
            _repolish(self)


class ModePage(_Page):
    def __init__(self, demo_allowed: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.demo_allowed = demo_allowed
        self.demo = _Card("setup_demo", self)
        self.central = _Card("setup_central", self)
        self.group = QButtonGroup(self)
        self.group.addButton(self.demo.button)
        self.group.addButton(self.central.button)
        self.demo.button.setEnabled(demo_allowed)
        self.url_label, self.code_label = _field_label(self.central), _field_label(self.central)
        self.url = make_scan_field(QLineEdit(self.central))
        self.url.setObjectName("setup_central_url")
        self.url.setPlaceholderText("https://pos.example.com")
        self.code = make_scan_field(QLineEdit(self.central))
        self.code.setObjectName("setup_enrolment_code")
        self.code.setPlaceholderText("7KQ4-M2XD-9RTB")
        grid = QGridLayout()
        grid.addWidget(self.url_label, 0, 0)
        grid.addWidget(self.url, 0, 1)
        grid.addWidget(self.code_label, 1, 0)
        grid.addWidget(self.code, 1, 1)
        grid.setColumnStretch(1, 1)
        self.central.layout_.addLayout(grid)
        for card in (self.demo, self.central):
            card.layout_.addStretch(1)
        for f in (self.url, self.code):
            f.textChanged.connect(lambda _t: self.changed.emit())
        self.group.buttonToggled.connect(lambda _b, _on: self._sync())
        (self.demo if demo_allowed else self.central).button.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.demo, 1)
        row.addWidget(self.central, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addStretch(1)
        self._sync()
        self.retranslate()

    @property
    def mode(self) -> str:
        return CENTRAL if self.central.button.isChecked() else DEMO

    def _sync(self) -> None:
        central = self.mode == CENTRAL
        self.demo.set_selected(not central)
        self.central.set_selected(central)
        for w in (self.url, self.code, self.url_label, self.code_label):
            w.setEnabled(central)
        if central and self.isVisible():
            (self.code if self.url.text() else self.url).setFocus()
        self.changed.emit()

    def heading(self) -> tuple[str, str]:
        return self.tr("Products and members"), self.tr(
            "Connect this till to your brand's central service, or try the till with the demo "
            "brand.")

    def retranslate(self) -> None:
        self.demo.button.setText(self.tr("Use the demo brand"))
        self.demo.text.setText(
            self.tr("A tea and coffee shop with drinks, bakery and retail goods, members with "
                    "points and coupons, and staff to sign in with (cashier S002, PIN 1357; "
                    "manager S001, PIN 2468). Sell within a minute.")
            if self.demo_allowed else
            self.tr("Not offered: this till was started without demo data."))
        self.central.button.setText(self.tr("Connect to the central service"))
        self.central.text.setText(self.tr("Your head office gives you the service's address "
                                          "and a one-time enrolment code for this till. "
                                          "Products and members then come from there."))
        self.url_label.setText(self.tr("Address"))
        self.code_label.setText(self.tr("Enrolment code"))

    def complete(self) -> bool:
        if self.mode == CENTRAL:
            return bool(self.url.text().strip() and self.code.text().strip())
        return self.demo_allowed

    def first_field(self) -> QWidget | None:
        return (self.code if self.url.text() else self.url) if self.mode == CENTRAL else None
