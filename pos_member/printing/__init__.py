"""Receipt and report printing on ESC/POS printers (see docs/printing.md).

- :mod:`.model`: the dataclasses the services fill (ReceiptData, ReportData, MemberCardData);
- :mod:`.layout`, :mod:`.reports`: pure layouts into a :class:`.document.Document`;
- :mod:`.text`: display widths per printer encoding; :mod:`.labels`: every fixed word;
- :mod:`.encode`: ESC/POS bytes; :mod:`.raster`, :mod:`.preview`: images with a CJK font;
- :mod:`.transport`: printer spec strings and connections (python-escpos, through
  :mod:`.escpos_compat` only); :mod:`.jobs`, :mod:`.queue`: the print queue;
- :mod:`.printer`: :class:`ReceiptPrinter`, the facade the services use.

This package imports nothing of the store, sync, services or UI, nor SQLAlchemy, Qt or requests.
"""

from __future__ import annotations

import importlib

# Names are imported on first use (PEP 562), so that ``import pos_member.printing.cli`` (done by
# the command line for every command) does not pay for Pillow, qrcode and the layouts.
_EXPORTS = {
    "Document": "document", "Job": "jobs", "JobStore": "jobs", "JsonFileJobStore": "jobs",
    "MemoryJobStore": "jobs", "Paper": "layout", "layout_receipt": "layout",
    "CouponFigure": "model", "CouponUse": "model", "DenominationCount": "model",
    "LineDiscount": "model", "MemberCardData": "model", "MemberInfo": "model",
    "ReceiptData": "model", "ReceiptLine": "model", "ReportData": "model", "Tender": "model",
    "TenderFigure": "model", "TierFigure": "model", "ReceiptPrinter": "printer",
    "PrintQueue": "queue", "QueueState": "queue", "layout_member_card": "reports",
    "layout_report": "reports", "layout_test_page": "reports", "PrinterSettings": "settings",
    "SettingsError": "settings", "PrinterError": "transport", "PrinterSpecError": "transport",
    "parse_spec": "transport",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
