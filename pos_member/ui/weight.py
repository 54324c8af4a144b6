"""The weight prompt for weighed goods: kilograms with up to three decimals (0.350 = 350 g).

A weight is not money: the amount prompt reads yuan (two decimals), so weights typed there
stopped at 10 g and "0.350" was refused. This prompt reads kg through
:func:`pos_member.domain.scale.parse_weight` and reports ``entered(Decimal)``.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QWidget

from pos_member.domain.scale import ScaleError, parse_weight

from .dialogs import DecimalPadDialog


class WeightDialog(DecimalPadDialog):
    """Ask for a weight in kg. ``entered(Decimal)`` with three decimals, e.g. Decimal("0.350")."""

    entered = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, prompt: str,
                 initial: Decimal | None = None):
        super().__init__(parent, title, prompt, name="weight", max_len=9, unit="kg",
                         initial_text=(f"{initial.quantize(Decimal('0.001'))}"
                                       if initial is not None else ""))
        self.cancel_button.setText(self.tr("Cancel"))

    def _done(self, text: str) -> None:
        try:
            weight = parse_weight(text)
        except ScaleError as exc:
            if exc.code == "too_precise":
                self.message.show_message(self.tr("Weigh to the gram: at most three decimals, "
                                                  "e.g. 0.350 kg."), "error")
            else:
                self.message.show_message(self.tr("Enter a weight in kg greater than zero, "
                                                  "e.g. 0.350."), "error")
            return
        self.entered.emit(weight)
        self.done(QDialog.DialogCode.Accepted)
