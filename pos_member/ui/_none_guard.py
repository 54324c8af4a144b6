"""A guard against a reference-count bug of PySide6 6.12 (the cp310-abi3 wheel) on CPython 3.11.

Every Qt method that returns ``None`` (all the void ones: ``setText``, ``setVisible`` ...;
and getters with nothing to return: ``parent()``, ``focusWidget()``, ``item(r, c)``,
``property()`` of an unset property) hands back ``Py_None`` without taking a reference. Each
call wears ``None``'s reference count down by one, and after a few thousand calls CPython 3.11
aborts with "Fatal Python error: none_dealloc: deallocating None". On CPython 3.12+ ``None`` is
immortal and the bug is invisible, which is probably why it went unnoticed.

The guard does what CPython 3.12 does: it gives ``None`` a reference count so large (2**60) that
no run of the till can wear it down. ``None`` is never deallocated in any case (its dealloc is a
fatal error), so nothing else changes. Applied once, on import of :mod:`pos_member.ui`, only on
CPython < 3.12. tests/ui/test_foundation.py checks that a hundred thousand void calls leave
``None`` alive. Remove this when a fixed PySide6 is required.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 60
_applied = False


def apply() -> bool:
    """Make ``None`` effectively immortal; True when the guard was applied (now or before)."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    # ob_refcnt is the first field of every object (a Py_ssize_t) in release builds.
    ctypes.c_ssize_t.from_address(id(None)).value += _BOOST
    _applied = True
    return True
