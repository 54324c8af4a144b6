"""The cashier application (PySide6); the only package of the project that imports Qt."""

from ._none_guard import apply as _guard_none

_guard_none()  # before any Qt call: see _none_guard (a PySide6 6.12 bug on CPython 3.11)
