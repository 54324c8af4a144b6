"""Windows that fit the till's screen, and the geometry check that proves it.

Tills come with 1024×768, 1280×800, 1366×768 and 1920×1080 screens (issue 15). The rules:

- The main window starts maximized (:func:`show_for_till`); shown normally it takes its
  preferred 1280×800 only when the screen's available area has room, else the available area
  (:func:`fitted_size`). Its minimum size never exceeds the available area.
- Every dialog is kept inside the available area of its screen when it is shown
  (:class:`DialogPlacer`, an application event filter the main window installs): a dialog
  whose preferred size is larger is made smaller (down to its minimum size) and moved inside.
- :func:`layout_problems` finds, by geometry, what a person would call broken: a window
  outside the screen, a visible widget outside its parent's rect or the window's, two visible
  siblings overlapping, a button or a one-line label squeezed below the width its text needs.
  The screen-fit test (tests/ui/test_screen_fit.py) runs it on every screen and dialog at each
  size in both languages; ``python -m pos_member.ui.selftest_window`` users may call it too.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtWidgets import QApplication, QWidget

# Only what the login screen's first paint needs is imported at the top (issue 14 item 8):
# PySide makes each Qt class's Python type on first use (about 0.6 ms each), so the classes of
# the dialog placer and of the geometry check are imported where they are used.

PREFERRED = QSize(1280, 800)
MINIMUM = QSize(1024, 700)
TOLERANCE = 1  # px: rounding of fractional layouts


def available(widget: QWidget | None = None) -> QRect:
    """The available area (without task bars) of the widget's screen, else the primary's."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QApplication.primaryScreen()
    return screen.availableGeometry()


def _frame_extra(widget: QWidget) -> QSize:
    """What the window manager's frame adds (0 before the first show and offscreen)."""
    frame, inner = widget.frameGeometry(), widget.geometry()
    return QSize(max(0, frame.width() - inner.width()), max(0, frame.height() - inner.height()))


def fitted_size(widget: QWidget, preferred: QSize = PREFERRED) -> QSize:
    area, extra = available(widget), _frame_extra(widget)
    return QSize(min(preferred.width(), area.width() - extra.width()),
                 min(preferred.height(), area.height() - extra.height()))


def fit_main_window(window: QWidget, preferred: QSize = PREFERRED,
                    minimum: QSize = MINIMUM) -> None:
    """Size (not show) the main window for its screen: preferred size when there is room,
    minimum size no larger than the available area, placed inside it."""
    area, extra = available(window), _frame_extra(window)
    if area.width() < minimum.width() or area.height() < minimum.height():
        # Smaller than any till's screen (the offscreen test platform's 800×600): keep the
        # preferred size rather than squeeze every screen below what it was laid out for.
        window.setMinimumSize(minimum)
        window.resize(preferred)
        return
    window.setMinimumSize(min(minimum.width(), area.width() - extra.width()),
                          min(minimum.height(), area.height() - extra.height()))
    window.resize(fitted_size(window, preferred))
    keep_inside(window)


COMPACT_BELOW = 1400  # px of window width: below it, buttons take less padding (compact.qss)
_compact_sheet: str | None = None


def compact_sheet() -> str:
    global _compact_sheet
    if _compact_sheet is None:
        from .i18n import RESOURCES

        try:
            _compact_sheet = (RESOURCES / "style" / "compact.qss").read_text(encoding="utf-8")
        except OSError:
            _compact_sheet = ""
    return _compact_sheet


def apply_density(window: QWidget, width: int | None = None) -> bool:
    """Compact buttons (less padding, 14 px text) while the window is narrower than
    ``COMPACT_BELOW``: the checkout's six line buttons and the member panel's four then fit
    1024 px. Changes the window's own style sheet only when the density changes.

    ``width``: the width the window is about to have (default: its width now). The main
    window sets its density before its widgets exist and before it is shown maximized, so
    the resize events of the first show find it already set: a style sheet set on a window
    that holds widgets re-polishes every one of them."""
    compact = (window.width() if width is None else width) < COMPACT_BELOW
    if compact != bool(getattr(window, "_compact", False)):
        window._compact = compact
        window.setStyleSheet(compact_sheet() if compact else "")
    return compact


def show_for_till(window: QWidget) -> None:
    """How the till shows its main window: maximized on the available area (a till's window is
    the whole screen; the task bar, if any, stays visible)."""
    fit_main_window(window)
    apply_density(window, max(available(window).width() - _frame_extra(window).width(),
                              window.minimumWidth()))  # the maximized width: no re-polish
    window.showMaximized()


def keep_inside(widget: QWidget) -> None:
    """Make a top-level widget no larger than its screen's available area (not below its
    minimum size) and move it inside that area."""
    area, extra = available(widget), _frame_extra(widget)
    width = min(widget.width(), area.width() - extra.width())
    height = min(widget.height(), area.height() - extra.height())
    if (width, height) != (widget.width(), widget.height()):
        widget.resize(max(width, widget.minimumWidth()), max(height, widget.minimumHeight()))
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
    x, y = max(x, area.left()), max(y, area.top())
    if (x, y) != (frame.x(), frame.y()):
        widget.move(x, y)


class DialogPlacer(QObject):
    """Application event filter: every dialog (and message box) shown is kept inside the
    available area of its screen. Installed once (:func:`install`)."""

    def eventFilter(self, obj, event) -> bool:
        from PySide6.QtWidgets import QDialog

        if event.type() == QEvent.Type.Show and isinstance(obj, QDialog) and obj.isWindow():
            settle(obj)  # before QDialog.showEvent centres it on its parent, at its new size
            QTimer.singleShot(0, lambda d=obj: _alive(d) and d.isVisible() and keep_inside(d))
        return False


def _alive(widget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def settle(widget: QWidget) -> None:
    """Lay the window out again with its children's styled sizes. A dialog built before the
    style sheet polished its children keeps the smaller minimum size computed then, and
    its layout squeezes the children into it: the keypad's keys overlapped its OK button."""
    from PySide6.QtWidgets import QLayout

    widget.ensurePolished()
    for child in widget.findChildren(QWidget):
        child.ensurePolished()
        child.updateGeometry()  # drops the layout's cached (pre-style) size hints
    layout = widget.layout()
    if layout is None:
        return
    for sub in [layout, *widget.findChildren(QLayout)]:
        sub.invalidate()
    layout.activate()
    need = _needed(widget, layout)
    area, extra = available(widget), _frame_extra(widget)
    room = QSize(area.width() - extra.width(), area.height() - extra.height())
    if (need.height() > room.height() or need.width() > room.width()) \
            and scroll_contents(widget):
        layout = widget.layout()
        layout.activate()
        need = _needed(widget, layout)
    if widget.width() < need.width() or widget.height() < need.height():
        widget.resize(widget.size().expandedTo(need))


def _needed(widget: QWidget, layout: QLayout) -> QSize:
    need = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    if layout.hasHeightForWidth():  # word-wrapped labels: their height at this width
        need.setHeight(max(need.height(), layout.totalHeightForWidth(
            max(widget.width(), need.width()))))
    return need


def scroll_contents(dialog: QWidget) -> bool:
    """A dialog taller (or wider) than the screen: its contents move into a scroll area, so
    every field stays reachable and the dialog fits (the blind count at 1024×768). Works on a
    box layout (every dialog of the till has one); returns False for anything else."""
    from PySide6.QtWidgets import QBoxLayout, QFrame, QScrollArea

    layout = dialog.layout()
    if not isinstance(layout, QBoxLayout) or getattr(dialog, "scroll_area", None) is not None:
        return False
    content = QWidget()
    content.setObjectName("dialog_content")
    inner = QBoxLayout(layout.direction(), content)
    inner.setContentsMargins(layout.contentsMargins())
    inner.setSpacing(layout.spacing())
    while layout.count():
        stretch = layout.stretch(0)
        item = layout.takeAt(0)
        if item.widget() is not None:
            inner.addWidget(item.widget(), stretch, item.alignment())
        elif item.layout() is not None:
            sub = item.layout()
            sub.setParent(None)
            inner.addLayout(sub, stretch)
        else:
            inner.addItem(item)
            inner.setStretch(inner.count() - 1, stretch)
    scroll = QScrollArea(dialog)
    scroll.setObjectName("dialog_scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll)
    dialog.scroll_area = scroll
    return True


_placer: DialogPlacer | None = None


def install() -> None:
    global _placer
    app = QApplication.instance()
    if app is None or _placer is not None:
        return
    _placer = DialogPlacer(app)
    app.installEventFilter(_placer)


# --- the geometry check ---------------------------------------------------------------------

# Composite widgets whose insides are Qt's business (a spin box's line edit, a table's
# viewport and headers, a combo box's arrow): checked as one widget, not descended into.
def atomic() -> tuple[type, ...]:
    from PySide6.QtWidgets import (
        QAbstractButton, QAbstractScrollArea, QAbstractSpinBox, QCalendarWidget, QComboBox,
        QLineEdit, QProgressBar, QTabBar,
    )

    return (QAbstractSpinBox, QComboBox, QLineEdit, QAbstractScrollArea, QCalendarWidget,
            QTabBar, QProgressBar, QAbstractButton)


def __getattr__(name: str):  # ``fit.ATOMIC`` as before, made on first use
    if name == "ATOMIC":
        return atomic()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _name(w: QWidget) -> str:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    text = ""
    if isinstance(w, (QLabel, QAbstractButton)):
        text = " " + repr(w.text()[:30])
    return f"{type(w).__name__}#{w.objectName() or '?'}{text}"


def _path(w: QWidget, top: QWidget) -> str:
    parts = []
    while w is not None and w is not top:
        parts.append(_name(w))
        w = w.parentWidget()
    return " < ".join(parts)


def _shown(w: QWidget, top: QWidget) -> bool:
    return w.isVisibleTo(top) and not w.isWindow()


def _needs_width(w: QWidget) -> int | None:
    """The width the widget's text needs, for widgets that cannot wrap or scroll it."""
    from PySide6.QtWidgets import QLabel, QPushButton

    if isinstance(w, QPushButton) and w.text():
        return w.minimumSizeHint().width()
    if isinstance(w, QLabel) and not w.wordWrap() and w.text() and not w.hasScaledContents() \
            and w.pixmap().isNull() and "<" not in w.text():
        return w.fontMetrics().horizontalAdvance(w.text()) + (
            w.contentsMargins().left() + w.contentsMargins().right())
    return None


def layout_problems(top: QWidget, screen_rect: QRect | None = None) -> list[str]:
    """Everything visibly wrong with this window's geometry (an empty list: it fits)."""
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QScrollArea, QStackedWidget

    atomic_types = atomic()
    problems: list[str] = []
    area = screen_rect or available(top)
    frame = top.frameGeometry()
    if not area.contains(frame):
        problems.append(f"window {_name(top)} {frame.getRect()} is not inside the screen's "
                        f"available area {area.getRect()}")
    window_rect = top.rect()

    def visit(parent: QWidget, scrolled: bool = False) -> None:
        children = [c for c in parent.findChildren(QWidget, options=_direct())
                    if _shown(c, top)]
        if isinstance(parent, QStackedWidget):
            children = [c for c in children if c is parent.currentWidget()]
        inner = parent.rect()
        for c in children:
            g = c.geometry()
            if c.objectName().startswith("qt_"):
                continue
            if not inner.adjusted(-TOLERANCE, -TOLERANCE, TOLERANCE, TOLERANCE).contains(g):
                problems.append(f"clipped by its parent: {_path(c, top)} {g.getRect()} "
                                f"outside {_name(parent)} {inner.getRect()}")
            at = QRect(c.mapTo(top, c.rect().topLeft()), c.size())
            if not scrolled and not window_rect.adjusted(-TOLERANCE, -TOLERANCE, TOLERANCE,
                                        TOLERANCE).contains(at):
                problems.append(f"outside the window: {_path(c, top)} {at.getRect()}")
            need = _needs_width(c)
            if need is not None and c.width() + TOLERANCE < need:
                problems.append(f"text cut: {_path(c, top)} is {c.width()} px wide, its text "
                                f"needs {need} px")
            if isinstance(c, QAbstractButton) and c.height() + TOLERANCE \
                    < c.minimumSizeHint().height():
                problems.append(f"squeezed: {_path(c, top)} is {c.height()} px high, needs "
                                f"{c.minimumSizeHint().height()} px")
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if a.objectName().startswith("qt_") or b.objectName().startswith("qt_"):
                    continue
                overlap = a.geometry().intersected(b.geometry())
                if overlap.width() > TOLERANCE and overlap.height() > TOLERANCE:
                    problems.append(f"overlap: {_path(a, top)} {a.geometry().getRect()} and "
                                    f"{_name(b)} {b.geometry().getRect()}")
        for c in children:
            if isinstance(c, QScrollArea) and c.widget() is not None:
                visit(c.widget(), True)  # scrolled content: checked inside itself
            elif not isinstance(c, atomic_types) and not isinstance(c, QAbstractItemView):
                visit(c, scrolled)

    visit(top)
    return problems


def _direct():
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def visible_top_levels() -> list[QWidget]:
    """The windows and dialogs on screen now (message boxes included)."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    return [w for w in QApplication.topLevelWidgets()
            if w.isVisible() and (isinstance(w, (QDialog, QMessageBox)) or
                                  w.objectName() == "main_window" or w.isWindow())
            and not w.inherits("QMenu") and not w.inherits("QComboBoxPrivateContainer")
            and not w.inherits("QTipLabel")]
