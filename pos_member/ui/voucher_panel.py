"""美团/抖音 group-buy vouchers in the payment dialog.

The cashier scans (or types) the voucher's code into the reference field and presses 美团 (F7)
or 抖音 (F8). The till asks the central service what the voucher covers (prepare, on the
worker: nothing blocks the screen) and shows it; the cashier presses "Use voucher" (or the
same key again) and the voucher is verified (核销) for this sale and taken as a tender of its
value, at most what is due (no change on a voucher). Offline, or when the platform does not
answer, the voucher is refused with a clear message and nothing is taken. A voucher taken off
again (Undo) or left behind when the payment screen is closed is cancelled at the central
service, so the customer can use it another time.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos_member.services import vouchers as sv

from .i18n import error_text
from .member_panel import yuan
from .message_bar import alive, set_role
from .worker import Op

log = logging.getLogger(__name__)
PLATFORM_KEYS = (("meituan", "F7"), ("douyin", "F8"))  # F6 is the stored-value tender


def platform_name(platform: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return {"meituan": QCoreApplication.translate("VoucherPanel", "Meituan voucher"),
            "douyin": QCoreApplication.translate("VoucherPanel", "Douyin voucher")
            }.get(platform, platform)


def online_gateway(env):
    """The window's online gateway (made once, from the composition root)."""
    gateway = getattr(env, "online_gateway", None)
    if gateway is None and env is not None and env.ctx is not None:
        from pos_member.app import online_gateway as make

        gateway = make(env.ctx)
        env.online_gateway = gateway
    return gateway


class VoucherPanel(QWidget):
    """Lives in the PaymentDialog; ``dialog`` gives ``payment``, ``reference``, ``message``
    and ``take(kind, amount, reference)``; ``sale`` is the checkout's SaleState (or None)."""

    def __init__(self, dialog, env, sale) -> None:
        super().__init__(dialog)
        self.setObjectName("voucher_panel")
        self.dialog = dialog
        self.env = env
        self.sale = sale
        self.prepared: sv.VoucherInfo | None = None
        self.verified: list[tuple[sv.VoucherInfo, int]] = []  # taken in this dialog
        self.busy = False
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for platform, key in PLATFORM_KEYS:
            b = QPushButton(self)  # lower than the quick tender keys: the dialog is full
            b.setMinimumHeight(40)
            b.setObjectName(f"tender_{platform}")
            b.clicked.connect(lambda _=False, k=platform: self.press(k))
            QShortcut(QKeySequence(key), dialog, lambda k=platform: self.press(k))
            row.addWidget(b)
            self.buttons[platform] = b
        self.info = QLabel(self)
        self.info.setObjectName("voucher_info")
        self.info.setWordWrap(True)
        self.info.hide()  # shown with something to say
        self.use = set_role(QPushButton(self), "primary")
        self.use.setObjectName("voucher_use")
        self.use.clicked.connect(self.confirm)
        self.use.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.info)
        layout.addWidget(self.use)
        self.retranslate()
        sale_id = getattr(sale, "sale_id", None)
        if env is not None and env.ctx is not None and sale_id:
            # a voucher verified for this sale before its checkout failed is taken again
            Op(sv.unrecorded_uses, env.ctx, sale_id).success(
                lambda infos: self._restore(infos) if alive(self) else None).run(env.worker)

    def _restore(self, infos: list[sv.VoucherInfo]) -> None:
        for info in infos:
            if self.dialog.payment.remaining <= 0:
                break
            amount = sv.voucher_amount(info, self.dialog.payment.remaining)
            self.verified.append((info, amount))
            self.dialog.take(info.platform, amount, info.code)
            self._say(self.tr("%1 %2 was verified for this sale already: taken again.")
                      .replace("%1", platform_name(info.platform)).replace("%2", info.code))

    # -- the flow -----------------------------------------------------------------------------

    def press(self, platform: str) -> None:
        if self.busy:
            return
        p = self.prepared
        if p is not None and p.platform == platform and not self.dialog.reference.text().strip():
            self.confirm()  # the same key again: use the voucher shown
            return
        code = self.dialog.reference.text().strip()
        if not code:
            self.dialog.message.show_message(
                self.tr("Scan or type the voucher's code first, then press %1.").replace(
                    "%1", platform_name(platform)), "error")
            self.dialog.reference.setFocus()
            return
        if self.dialog.payment.remaining <= 0:
            self.dialog.message.show_message(self.tr("Everything is paid already."), "info")
            return
        self._busy(self.tr("Asking %1 about the voucher…").replace("%1", platform_name(platform)))
        gateway = online_gateway(self.env)
        Op(sv.prepare_voucher, gateway, platform, code) \
            .success(lambda info: self._prepared(info) if alive(self) else None) \
            .failure(lambda exc: self._failed(exc) if alive(self) else None) \
            .finally_(lambda: self._idle() if alive(self) else None).run(self.env.worker)

    def _prepared(self, info: sv.VoucherInfo) -> None:
        self.prepared = info
        self.dialog.reference.clear()
        due = self.dialog.payment.remaining
        amount = sv.voucher_amount(info, due)
        text = self.tr("%1: %2. Covers %3 (the customer paid %4).").replace(
            "%1", platform_name(info.platform)).replace("%2", info.title or info.code).replace(
            "%3", yuan(info.value_fen)).replace("%4", yuan(info.paid_fen))
        if info.value_fen > due:
            text += " " + self.tr("Only %1 is due: the rest of the voucher is not given as "
                                  "change.").replace("%1", yuan(due))
        self._say(text)
        self.use.setText(self.tr("Use voucher: %1").replace("%1", yuan(amount)))
        self.use.show()
        self.use.setFocus()

    def confirm(self) -> None:
        info = self.prepared
        if info is None or self.busy:
            return
        sale = self.sale
        member_id = getattr(sale, "member_id", None)
        sale_id = getattr(sale, "sale_id", None)
        self._busy(self.tr("Verifying the voucher with %1…").replace(
            "%1", platform_name(info.platform)))
        env = self.env
        gateway = online_gateway(env)

        def verified(done: sv.VoucherInfo) -> None:
            if alive(self):
                self._verified(done)
            else:  # the payment screen was closed while the platform answered
                Op(sv.release_voucher, env.ctx, gateway, done.key).run(env.worker)

        Op(sv.verify_voucher, env.ctx, gateway, info, member_id, sale_id) \
            .success(verified).failure(lambda exc: self._failed(exc) if alive(self) else None) \
            .finally_(lambda: self._idle() if alive(self) else None).run(env.worker)

    def _verified(self, info: sv.VoucherInfo) -> None:
        self.prepared = None
        self.use.hide()
        amount = sv.voucher_amount(info, self.dialog.payment.remaining)
        self.verified.append((info, amount))
        self._say(self.tr("%1 verified: %2.").replace(
            "%1", platform_name(info.platform)).replace("%2", info.code))
        self.dialog.take(info.platform, amount, info.code)

    def _failed(self, exc: BaseException) -> None:
        self.dialog.message.show_message(self.refusal_text(exc), "error", 0)
        if isinstance(exc, sv.VoucherRefused):
            self.prepared = None
            self.use.hide()
            self._say("")

    def refusal_text(self, exc: BaseException) -> str:
        if isinstance(exc, sv.VoucherOffline):
            return self.tr("The voucher cannot be verified now (offline, or the platform did "
                           "not answer); nothing was used. Try again, or take another tender.")
        reason = getattr(exc, "reason", "")
        text = {
            "expired": self.tr("This voucher has expired."),
            "used": self.tr("This voucher has been used already."),
            "unknown": self.tr("The platform does not know this voucher code: check the "
                               "platform (Meituan or Douyin) and the code."),
            "cancelled": self.tr("This voucher's verification was cancelled; scan it again."),
        }.get(reason)
        return text or error_text(exc)

    # -- taking a voucher off again -------------------------------------------------------------

    def release(self, code: str) -> None:
        """The tender of voucher ``code`` was taken off: cancel its verification."""
        for i, (info, _amount) in enumerate(self.verified):
            if info.code == code:
                del self.verified[i]
                self._release(info)
                return

    def release_all(self) -> None:
        """The payment screen closed without a sale: cancel every voucher it verified."""
        while self.verified:
            self._release(self.verified.pop()[0])

    def _release(self, info: sv.VoucherInfo) -> None:
        env = self.env
        gateway = online_gateway(env)
        window = env.worker  # the op outlives this dialog

        def done(undone: bool) -> None:
            if not undone:
                log.warning("voucher %s could not be released", info.code)

        Op(sv.release_voucher, env.ctx, gateway, info.key).success(done).run(window)

    # -- drawing ------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.info.setText(text)
        self.info.setVisible(bool(text))

    def _busy(self, text: str) -> None:
        self.busy = True
        self._say(text)
        for b in self.buttons.values():
            b.setEnabled(False)
        self.use.setEnabled(False)

    def _idle(self) -> None:
        self.busy = False
        for b in self.buttons.values():
            b.setEnabled(True)
        self.use.setEnabled(True)

    def retranslate(self) -> None:
        for platform, key in PLATFORM_KEYS:
            self.buttons[platform].setText(f"{platform_name(platform)} ({key})")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def undo_vouchers_after_refund(screen, sale_id: str, result) -> None:
    """After a refund that gave back a 美团/抖音 tender: cancel the sale's verifications at the
    central service (within the platform's window) and tell the cashier what happened."""
    from PySide6.QtCore import QCoreApplication

    if not any(t in dict(PLATFORM_KEYS) for t, _fen in result.payments):
        return
    env = screen.env
    translate = QCoreApplication.translate
    if not getattr(result.outcome, "full", True):
        # a voucher is undone whole: a partial refund leaves it used (docs/cross-channel.md)
        screen.message.show_message(translate(
            "VoucherPanel", "Partial refund: the group-buy voucher stays used; it is undone "
                            "only when the whole sale is refunded."), "warn", 0)
        return

    def done(results) -> None:
        lines = []
        for r in results:
            name = f"{platform_name(r.platform)} {r.code}"
            if r.undone:
                text = translate("VoucherPanel", "%1: verification undone; the customer can "
                                                 "use the voucher again.")
            elif r.result == "window_passed":
                text = translate("VoucherPanel", "%1: the platform's window for undoing it "
                                                 "has passed; it stays used (recorded).")
            elif r.result == "offline":
                text = translate("VoucherPanel", "%1: not undone, the central service cannot "
                                                 "be reached; recorded.")
            else:
                text = translate("VoucherPanel", "%1: not undone (%2); recorded.").replace(
                    "%2", r.result)
            lines.append(text.replace("%1", name))
        if lines:
            screen.message.show_message("\n".join(lines),
                                        "ok" if all(r.undone for r in results) else "warn", 0)

    Op(sv.undo_for_refund, env.ctx, online_gateway(env), sale_id, result.refund_id) \
        .success(done).run(env.worker)
