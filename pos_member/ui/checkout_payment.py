"""The checkout screen's total and payment: repricing the basket on the worker after each
change (the latest request wins) and showing it (totals, member panel, customer display), then
paying (points approval, the payment dialog, one recording request per sale) and what follows a
recorded sale (the sale-done dialog, the receipt read back from the recorded sale, the next
sale). ``CheckoutPayment`` is a mixin of ``ui.checkout.CheckoutScreen``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer

from pos_member.security.roles import Action
from pos_member.services import checkout
from pos_member.services import staff as staff_service

from . import checkout_ops
from . import gifts as gifts_ui
from .benefits_dialog import claims_of
from .checkout_dialogs import SaleDoneDialog
from .i18n import error_text
from .payment import PaymentDialog
from .sale import SaleState
from .screen import alive
from .worker import Op

log = logging.getLogger(__name__)


class CheckoutPayment:
    """The running total and the payment of the sale on the checkout screen."""

    # --- pricing -----------------------------------------------------------------------------

    def requote(self) -> None:
        """Reprice the basket on the worker; bursts of changes price it once (latest)."""
        version = self.sale.version
        if self.sale.empty:
            self._show_pricing(None, version)
            return
        Op(checkout.quote_basket, self.env.ctx, self.sale.cart(), self.sale.member_id,
           self.sale.coupons(), self.sale.chosen, self.sale.redeem_points,
           *claims_of(self.sale)) \
            .latest("quote").success(lambda p: self._show_pricing(p, version)) \
            .failure(lambda exc: self._quote_failed(exc, version)).run(self.env.worker)

    def _show_pricing(self, pricing, version: int, panel: bool = True) -> None:
        if version != self.sale.version:
            return  # a newer change is being priced
        self.sale.pricing = pricing
        self.totals.set_pricing(pricing)
        if panel:
            self.member_panel.set_pricing(pricing, self.sale.redeem_points)
        self._fill_table()
        if self.pay_button.isEnabled() == self.sale.empty:
            self.pay_button.setEnabled(not self.sale.empty)
        self.quoted_version = version
        self._feed_customer_display(lambda d: d.update_from_sale(self.sale))

    def _feed_customer_display(self, update) -> None:
        """The second screen follows the basket; a display fault never stops a sale."""
        display = getattr(self.window_, "customer_display", None)
        if display is not None:
            try:
                update(display)
            except Exception:
                log.exception("the customer display could not be updated")

    quoted_version = -1

    def _quote_failed(self, exc, version: int) -> None:
        code = getattr(exc, "code", "")
        if code == "pricing" and self.sale.chosen is not None:
            self.sale.chosen = None
            self.sale.touch()
            self.message.show_message(self.tr("That coupon combination is not possible; the "
                                              "best one is applied."), "warn")
            self.requote()
            return
        if code == "unknown_coupon":
            for c in list(self.sale.entered):
                if c in str(exc):
                    self.sale.drop_coupon(c)
            self.requote()
        self.message.show_message(lambda: error_text(exc), "error", 0)

    # --- payment -----------------------------------------------------------------------------

    # The payment request under way (an approval asked, the payment screen open, the sale being
    # recorded): one at a time, so a second F9 or Enter focuses it instead of asking again.
    _pending_op: Op | None = None
    _recording: str | None = None
    payment_dialog = None
    sale_approval = None  # a manager's approval given during this sale (price override)

    def _focus_pending(self) -> bool:
        """True (and the open dialog raised) when a payment request is already under way."""
        op = self._pending_op
        dialog = op.dialog if op is not None else None
        if dialog is None and alive(self.payment_dialog) and self.payment_dialog.isVisible():
            dialog = self.payment_dialog
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()
            return True
        return op is not None or self._recording is not None

    def _commit_redeem(self) -> None:
        """Points typed in the redeem field and not yet confirmed (F9 pressed right after the
        digits) count: the basket is priced with them before anything is paid."""
        field = self.member_panel.redeem
        text = field.text().strip()
        if self.sale.member is not None and text.isdigit() and int(text) != field.value():
            field.setValue(int(text))

    def _points_need_approval(self) -> bool:
        p = self.sale.pricing
        return (p is not None and (p.points_redeemed > 0 or p.mall_points > 0)
                and self.sale.code_text is None
                and self.sale_approval is None and not self.points_approved)

    def pay(self) -> None:
        if self._focus_pending():
            return
        self._commit_redeem()
        if self.sale.empty:
            self.message.show_message(self.tr("Scan an item first."), "info")
            return
        if self.sale.pricing is None or self.quoted_version != self.sale.version:
            self.message.show_message(self.tr("Still pricing the basket…"), "info")
            QTimer.singleShot(100, self._pay_when_priced)
            return
        if self._points_need_approval():
            self._approve_points()
            return
        self._open_payment()

    def _approve_points(self) -> None:
        """Spending points without the member's app code needs a manager: asked now, before
        the payment screen, so no money has changed hands when a manager says no."""
        version = self.sale.version
        ctx, staff = self.env.ctx, self.env.staff

        def check(approval=None):
            staff_service.authorize_action(ctx, staff, Action.STATIC_CODE_POINTS_SPEND,
                                           approval)
            return approval

        def approved(approval) -> None:
            self._pending_op = None
            self.sale_approval = approval  # None for a manager at the till: nobody else asked
            self.points_approved = approval is None
            if version == self.sale.version:
                self._open_payment()

        def ended() -> None:
            if self._pending_op is op:
                self._pending_op = None

        op = Op(check).with_approval(self, self.tr("Spend points without the app code"))
        op.success(approved).cancelled(lambda: self.message.show_message(
            self.tr("No points are spent without a manager's approval: set the points to 0 "
                    "or ask a manager."), "warn")).finally_(ended)
        self._pending_op = op
        op.run(self.env.worker)

    points_approved = False  # a manager signed in: points spend without another approval

    def _open_payment(self) -> None:
        dialog = PaymentDialog(self, self.sale.pricing.total)
        dialog.paid.connect(self._record)
        dialog.open()
        self.payment_dialog = dialog

    def _pay_when_priced(self) -> None:
        if self.quoted_version == self.sale.version and self.sale.pricing is not None:
            self.message.clear_message()
            self.pay()
        elif self.env.worker.pending:
            QTimer.singleShot(100, self._pay_when_priced)

    def _record(self, tenders) -> None:
        sale = self.sale
        if self._recording == sale.sale_id or sale.sale_id in self._completed:
            self._focus_pending()  # one request per sale: the first one is under way
            return
        pricing = sale.pricing
        req = {"sale_id": sale.sale_id, "staff": self.env.staff, "lines": sale.cart(),
               "tenders": tuple(tenders), "member_id": sale.member_id,
               "coupon_codes": sale.coupons(), "chosen_coupons": sale.chosen,
               "redeem_points": pricing.points_redeemed if pricing else 0,
               "member_code": sale.code_text}
        req["benefit_claims"], req["mall_claims"] = claims_of(sale)

        def run(approval=None):
            return checkout.checkout(self.env.ctx, checkout.CheckoutRequest(**req,
                                                                            approval=approval))

        def ended() -> None:
            if self._recording == sale.sale_id:
                self._recording = None
            if self._pending_op is op:
                self._pending_op = None
            self.pay_button.setEnabled(not self.sale.empty)

        self.pay_button.setEnabled(False)
        self._recording = sale.sale_id
        op = Op(run).with_approval(self, self.tr("Approve this sale"),
                                   initial=self.sale_approval) \
            .success(lambda result: self._sold(sale, tenders, result)) \
            .failure(self._sale_failed).finally_(ended)
        self._pending_op = op
        op.run(self.env.worker)

    def _sale_failed(self, exc) -> None:
        self.message.show_message(lambda: error_text(exc), "error", 0)
        if getattr(exc, "code", "") == "shift_state":
            self.window_.ask_open_shift()

    def _sold(self, sale: SaleState, tenders, result) -> None:
        if result.sale_id in self._completed:
            # Completed already (a repeated request): no second dialog, drawer kick or receipt.
            log.warning("sale %s completed twice; side effects skipped", result.receipt_no)
            return
        self._completed[result.sale_id] = None
        while len(self._completed) > 100:
            del self._completed[next(iter(self._completed))]
        pricing = result.pricing
        upgraded = gifts_ui.upgrade_text(pricing, self.env.tiers)  # with its 升级礼
        self.last_sale = result
        self.new_sale()
        self._feed_customer_display(
            lambda d: d.show_paid(pricing.total, result.change, pricing.points_earned))
        done = SaleDoneDialog(self, result.receipt_no, pricing.total, result.change, upgraded,
                              on_scan=self.handle_scan)
        self.last_done = done
        done.finished.connect(lambda _r: self.entry.setFocus())

        def show_receipt(job_id, png) -> None:
            if alive(done):  # the cashier may already be serving the next customer
                done.set_receipt(job_id, png)

        done.open()
        self.env.changed.emit("sale")
        receipts = self.env.receipts
        if receipts is None:
            show_receipt(None, b"")
            return
        # The receipt is read back from the recorded sale (services.receipts.sale_receipt):
        # the original, its preview and every reprint come from one builder.
        Op(checkout_ops.print_recorded_sale, self.env.ctx, receipts, result.sale_id) \
            .success(lambda r: show_receipt(*r)) \
            .failure(lambda exc: (log.error("receipt: %s", exc), show_receipt(None, b""))) \
            .run(self.env.worker)

    last_sale = None

    def new_sale(self) -> None:
        self.message.clear_message()  # the last sale's notices end with it
        self.sale = SaleState()
        self.sale_approval = None
        self.points_approved = False
        self.member_panel.set_member(None, {})
        self._show_pricing(None, self.sale.version)
        self._fill_table()
        self.entry.setFocus()
