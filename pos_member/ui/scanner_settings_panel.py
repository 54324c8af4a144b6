"""The settings screen's scanner panel: keyboard wedge, a serial scanner on a port found on this
computer (or typed), or a camera; saved with ``services.scanner_settings`` and applied at once
(``window.scanner_devices``). A manager's setting: a cashier sees it read-only. The scanner
test above it shows what any of them scans."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QLabel, QPushButton, QVBoxLayout

from pos_member.services import scanner_settings
from pos_member.services.scanner_settings import BAUDS, DEFAULT_BAUD

from .i18n import error_text
from .screen import set_role
from .worker import Op


class ScannerSettingsPanel(QFrame):
    _listed = Signal(list, list, str)   # serial ports, cameras, note (from the listing thread)

    def __init__(self, env, window, parent, message):
        super().__init__(parent)
        self.env = env
        self.window_ = window
        self.message = message
        self.setObjectName("scanner_settings")
        set_role(self, "panel")
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 17px; font-weight: bold;")
        self.source = QComboBox(self)
        self.source.setObjectName("scanner_source")
        for code in scanner_settings.SOURCES:
            self.source.addItem(code, code)
        self.source.currentIndexChanged.connect(lambda _i: self._sync())
        self.port = QComboBox(self)
        self.port.setObjectName("scanner_port")
        self.port.setEditable(True)      # a port the listing does not show can be typed
        self.port.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.port.lineEdit().setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.baud = QComboBox(self)
        self.baud.setObjectName("scanner_baud")
        for b in BAUDS:
            self.baud.addItem(str(b), b)
        self.baud.setCurrentIndex(self.baud.findData(DEFAULT_BAUD))
        self.camera = QComboBox(self)
        self.camera.setObjectName("scanner_camera")
        self.labels = [QLabel(self) for _ in range(4)]
        self.form = QFormLayout()
        for label, field in zip(self.labels, (self.source, self.port, self.baud, self.camera)):
            self.form.addRow(label, field)
        self.state = set_role(QLabel(self), "muted")
        self.state.setObjectName("scanner_state")
        self.state.setWordWrap(True)
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("scanner_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.save_button = set_role(QPushButton(self), "primary")
        self.save_button.setObjectName("scanner_save")
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.state)
        layout.addWidget(self.refresh_button)
        layout.addWidget(self.save_button)
        self._listed.connect(self._show_listing, Qt.ConnectionType.QueuedConnection)
        self._listing = False
        self._loaded = False
        devices = getattr(window, "scanner_devices", None)
        if devices is not None:
            devices.changed.connect(self._show_state)
        self.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Scanner"))
        names = {"wedge": self.tr("USB scanner that types (keyboard wedge)"),
                 "serial": self.tr("Serial scanner"),
                 "camera": self.tr("Camera")}
        for i in range(self.source.count()):
            self.source.setItemText(i, names[self.source.itemData(i)])
        for label, text in zip(self.labels, (self.tr("Scanner"), self.tr("Port"),
                                             self.tr("Baud rate"), self.tr("Camera"))):
            label.setText(text)
        self.port.lineEdit().setPlaceholderText("COM3, /dev/ttyUSB0")
        self.refresh_button.setText(self.tr("Look for ports and cameras"))
        self.save_button.setText(self.tr("Use this scanner"))
        self._show_state()

    # --- showing ---------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._sync()
        if not self._loaded:
            self._loaded = True
            self.refresh()
            Op(scanner_settings.scanner_settings, self.env.ctx).success(self.show_values) \
                .run(self.env.worker)

    def show_values(self, values: scanner_settings.ScannerSettings) -> None:
        self.source.setCurrentIndex(max(0, self.source.findData(values.source)))
        if values.port:
            self.port.setCurrentText(values.port)
        self.baud.setCurrentIndex(max(0, self.baud.findData(values.baud)))
        if values.camera:
            i = self.camera.findData(values.camera)
            if i >= 0:
                self.camera.setCurrentIndex(i)
        self._sync()

    def _sync(self) -> None:
        manager = self.env.is_manager
        source = self.source.currentData()
        for w in (self.source, self.save_button, self.refresh_button):
            w.setEnabled(manager)
        self.port.setEnabled(manager and source == "serial")
        self.baud.setEnabled(manager and source == "serial")
        self.camera.setEnabled(manager and source == "camera")
        self._show_state()

    def _show_state(self) -> None:
        devices = getattr(self.window_, "scanner_devices", None)
        if devices is None:
            self.state.setText("")
            return
        s, msg = devices.state, devices.message
        texts = {
            "wedge": self.tr("A USB scanner that types works in any screen; no set-up needed."),
            "open": self.tr("Serial scanner on %1: ready.").replace("%1",
                                                                   devices.settings.port),
            "waiting": self.tr("Serial scanner on %1: waiting for the port (%2).")
            .replace("%1", devices.settings.port).replace("%2", msg or "…"),
            "running": self.tr("Camera on: hold the code in front of it. %1").replace("%1", msg),
            "unavailable": self.tr("Not available on this computer: %1").replace("%1", msg),
            "error": self.tr("The scanner failed: %1").replace("%1", msg)}
        self.state.setText(texts.get(s, s))

    # --- ports and cameras (listed on a thread: enumerating devices can be slow) -------------------

    def refresh(self) -> None:
        if self._listing:
            return
        self._listing = True

        def work() -> None:
            from pos_member.printing.discovery import list_serial_ports

            from .camera_scanner import list_cameras

            ports, note = list_serial_ports()
            try:
                cameras = list_cameras()
            except Exception:  # a multimedia backend failing: no cameras
                cameras = []
            try:
                self._listed.emit([(p.device, p.description) for p in ports], cameras, note)
            except RuntimeError:
                pass

        threading.Thread(target=work, name="pos-list-devices", daemon=True).start()

    def _show_listing(self, ports: list, cameras: list, note: str) -> None:
        self._listing = False
        typed = self.port.currentText()
        self.port.clear()
        for device, description in ports:
            self.port.addItem(f"{device} — {description}" if description else device, device)
        self.port.setCurrentText(typed or (ports[0][0] if ports else ""))
        self.camera.clear()
        self.camera.addItem(self.tr("Default camera"), "")
        for cam_id, description in cameras:
            self.camera.addItem(description, cam_id)
        if note:
            self.port.setToolTip(note)

    def port_value(self) -> str:
        text = self.port.currentText().strip()
        i = self.port.findText(text)
        if i >= 0 and self.port.itemData(i):
            return self.port.itemData(i)
        return text.split(" — ", 1)[0].strip()

    # --- saving -----------------------------------------------------------------------------------

    def save(self) -> None:
        source = self.source.currentData()

        def saved(values) -> None:
            devices = getattr(self.window_, "scanner_devices", None)
            if devices is not None:
                devices.apply(values)
            self.message.show_message(self.tr("Scanner settings saved."), "ok")

        Op(scanner_settings.save_scanner_settings, self.env.ctx, source, self.port_value(),
           self.baud.currentData(), self.camera.currentData() or "").success(saved) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .run(self.env.worker)
