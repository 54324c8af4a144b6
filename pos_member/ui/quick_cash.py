"""Quick cash buttons for the payment dialog: the exact amount due, then the next round amounts
a customer is likely to hand over (next yuan, next ¥10, next ¥50, next ¥100, and the ¥50 and
¥100 notes when they cover what is due). One touch takes that much cash; the change follows.

``quick_cash_amounts`` is plain Python (no Qt) so the choice of amounts is tested on its own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from .member_panel import yuan
from .screen import set_role

MAX_BUTTONS = 5
_STEPS = (100, 1000, 5000, 10000)   # round up to the yuan, ¥10, ¥50, ¥100
_NOTES = (5000, 10000)              # the notes every till is handed


def _ceil(amount: int, step: int) -> int:
    return -(-amount // step) * step


def quick_cash_amounts(due: int, limit: int = MAX_BUTTONS) -> list[int]:
    """Amounts in fen for the quick cash buttons, smallest first: the exact ``due`` first,
    then the round amounts above it (37.20 → 37.20, 38, 40, 50, 100). Nothing when nothing
    is due."""
    if due <= 0:
        return []
    amounts = {due}
    amounts.update(_ceil(due, step) for step in _STEPS)
    amounts.update(note for note in _NOTES if note >= due)
    return sorted(amounts)[:limit]


class QuickCashRow(QWidget):
    """A row of touch-sized buttons; ``chosen(fen)`` when one is pressed."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("quick_cash")
        self.amounts: list[int] = []
        self.buttons: list[QPushButton] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for i in range(MAX_BUTTONS):
            b = set_role(QPushButton(self), "quick")
            b.setObjectName(f"quick_cash_{i}")
            b.setMinimumHeight(56)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the amount field keeps the keys
            b.clicked.connect(lambda _=False, n=i: self._pressed(n))
            row.addWidget(b)
            self.buttons.append(b)

    def set_due(self, due: int) -> None:
        self.amounts = quick_cash_amounts(due)
        for i, b in enumerate(self.buttons):
            if i < len(self.amounts):
                fen = self.amounts[i]
                text = self.tr("Exact %1").replace("%1", yuan(fen)) if i == 0 else yuan(fen)
                if b.text() != text:
                    b.setText(text)
                b.setVisible(True)
            else:
                b.setVisible(False)

    def _pressed(self, n: int) -> None:
        if n < len(self.amounts):
            self.chosen.emit(self.amounts[n])
