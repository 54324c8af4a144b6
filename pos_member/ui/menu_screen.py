"""The function menu: big buttons for every screen registered with ``menu=`` (F10 from
checkout). Built with the other screens once the till is open (:meth:`MainWindow.attach`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout

from .env import UiEnv
from .screen import Screen, set_role


class MenuScreen(Screen):
    """Big buttons for every screen registered with ``menu=`` (F10 from checkout)."""

    name = "menu"

    def __init__(self, env: UiEnv, window):  # the ui.main_window.MainWindow
        super().__init__(env)
        self.window_ = window
        self.heading = QLabel(self)
        set_role(self.heading, "title")
        self.grid = QGridLayout()
        self.back = QPushButton(self)
        self.back.setObjectName("menu_back")
        self.back.clicked.connect(lambda: window.show_screen("checkout"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        layout.addWidget(self.back)
        self.buttons: dict[str, QPushButton] = {}
        self.retranslate()

    def rebuild(self) -> None:
        for b in self.buttons.values():
            b.deleteLater()
        self.buttons = {}
        entries = [e for e in self.window_.menu_entries
                   if not e["manager_only"] or self.env.is_manager]
        for i, e in enumerate(entries):
            b = set_role(QPushButton(self), "quick")
            b.setObjectName(f"menu_{e['name']}")
            b.setMinimumHeight(80)
            b.clicked.connect(lambda _=False, n=e["name"]: self.window_.show_screen(n))
            self.grid.addWidget(b, i // 3, i % 3)
            self.buttons[e["name"]] = b
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Functions"))
        self.back.setText(self.tr("Back to checkout (Esc)"))
        for e in self.window_.menu_entries if hasattr(self, "window_") else []:
            b = self.buttons.get(e["name"])
            if b is not None:
                key = f"  ({e['key']})" if e["key"] else ""
                b.setText(e["label"]() + key)

    def on_show(self) -> None:
        self.rebuild()

    def shortcuts(self) -> list:
        return [(QKeySequence(Qt.Key.Key_Escape), lambda: self.window_.show_screen("checkout"),
                 lambda: self.tr("Back to checkout"))]
