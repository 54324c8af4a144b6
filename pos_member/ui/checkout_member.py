"""The checkout screen's member and coupons: identifying the member (a scanned or typed code,
the look-up dialog, a registration), the member panel's actions (history, recharge, points to
redeem, removing the member) and the coupons entered or chosen for the sale.
``CheckoutMember`` is a mixin of ``ui.checkout.CheckoutScreen``: the member is loaded on the
worker with the basket priced for them (``checkout_ops.load_member``) and shown in one pass.
"""

from __future__ import annotations

import logging

from . import checkout_ops
from . import gifts as gifts_ui
from .checkout_dialogs import CodeDialog
from .i18n import error_text
from .members_ui import MemberLookupDialog, RegistrationDialog
from .receipts import build_card_slip, print_card_slip
from .worker import Op

log = logging.getLogger(__name__)


class CheckoutMember:
    """The member and the coupons of the sale on the checkout screen."""

    # --- members -----------------------------------------------------------------------------

    def identify(self, text: str, member_id: str | None = None, lookup=None) -> None:
        self.message.clear_message()
        Op(checkout_ops.load_member, self.env.ctx, text, member_id, self.sale.cart(),
           tuple(self.sale.entered), lookup) \
            .success(self._member_loaded).failure(self._member_failed).run(self.env.worker)

    def _member_loaded(self, loaded) -> None:
        if loaded.member is None:
            # several members share these digits: show the pick list
            dialog = MemberLookupDialog(self, self.env)
            dialog._show(loaded.lookup)
            dialog.found.connect(lambda res, m: self.identify("", m.id, res))
            dialog.open()
            return
        via = loaded.lookup.via
        code = loaded.lookup.code if via == "dynamic_code" else None
        self.sale.set_member(loaded.member, via, code, loaded.wallet,
                             code_text=loaded.lookup.code_text if code is not None else None)
        # one pass over the panel: the member, their coupons and the basket priced for them
        self.member_panel.set_member(loaded.member, loaded.coupons, loaded.pricing)
        if loaded.pricing is None:
            gifts_ui.refresh(self, loaded.member.id)  # an empty basket: the gifts all the same
        if loaded.pricing is not None or self.sale.empty:
            self._show_pricing(loaded.pricing, self.sale.version, panel=False)
        else:
            self.requote()
        self.env.changed.emit("checkout_member")

    def _member_failed(self, exc) -> None:
        self.message.show_message(lambda: error_text(exc), "error", 0)

    def open_lookup(self) -> None:
        dialog = MemberLookupDialog(self, self.env)
        dialog.found.connect(lambda res, m: self.identify("", m.id, res))
        dialog.open()

    def open_member_history(self) -> None:
        from .member_history import MemberHistoryDialog

        if self.sale.member is not None:
            dialog = MemberHistoryDialog(self, self.env, self.sale.member)
            dialog.member_changed.connect(self._member_edited)
            dialog.open()

    def open_recharge(self) -> None:
        """Stored value (储值): recharge, or refund a recharge (ui/recharge.py); the panel then
        shows the new balance (the member stays identified as before)."""
        from pos_member.services.members import get_member

        from .recharge import RechargeDialog

        member = self.sale.member
        if member is None:
            return
        dialog = RechargeDialog(self, self.env, member)

        def reload(_result) -> None:
            Op(get_member, self.env.ctx, member.id).success(self._member_edited).run(
                self.env.worker)

        dialog.recharged.connect(reload)
        dialog.refunded.connect(reload)
        dialog.open()
        self.recharge_dialog = dialog

    def _member_edited(self, view) -> None:
        """The member's details were corrected: the panel shows them at once (points, coupons
        and the basket's pricing are unchanged)."""
        if self.sale.member is not None and self.sale.member.id == view.id:
            self.sale.member = view
            self.member_panel.member = view
            self.member_panel.retranslate()

    def open_registration(self) -> None:
        dialog = RegistrationDialog(self, self.env)
        dialog.registered.connect(self._registered)
        dialog.open()

    def _registered(self, member, coupon) -> None:
        text = self.tr("Welcome, %1! The member is on this sale.").replace("%1", member.name or
                                                                            member.phone or "")
        if coupon:
            text += " " + self.tr("First-order coupon %1 added.").replace("%1", coupon)
        self.message.show_message(text, "ok")
        self._identify_id(member.id)
        receipts = self.env.receipts
        if receipts is not None:
            ctx = self.env.ctx
            data = build_card_slip(member, coupon, self.env.store, ctx.terminal_id[:8],
                                   ctx.now(), ctx.tz_name, tiers=self.env.tiers)
            Op(print_card_slip, receipts, data).failure(
                lambda exc: log.warning("card slip: %s", exc)).run(self.env.worker)

    def _identify_id(self, member_id: str) -> None:
        from pos_member.services.members import LookupResult

        def lookup_by_id(ctx, mid, cart, entered):
            from pos_member.services import members

            m = members.get_member(ctx, mid)
            return checkout_ops.load_member(ctx, None, None, cart, entered,
                                            LookupResult((m,), "id"))

        Op(lookup_by_id, self.env.ctx, member_id, self.sale.cart(), tuple(self.sale.entered)) \
            .success(self._member_loaded).failure(self._member_failed).run(self.env.worker)

    def remove_member(self) -> None:
        if self.sale.member is None:
            return
        self.sale.clear_member()
        self.member_panel.set_member(None, {c: v for c, v in self.member_panel.coupon_views.items()
                                            if c in self.sale.entered})
        self.requote()

    def focus_points(self) -> None:
        if self.sale.member is not None:
            self.member_panel.redeem.setFocus()
            self.member_panel.redeem.selectAll()

    def _redeem_changed(self, points: int) -> None:
        self.sale.redeem_points = points
        self.sale.touch()
        self.requote()

    # --- coupons -----------------------------------------------------------------------------

    def ask_coupon(self) -> None:
        dialog = CodeDialog(self, self.tr("Coupon"), self.tr("Type or scan the coupon's code"))

        def entered(code: str) -> None:
            def found(res) -> None:
                if res.kind == "coupon":
                    self._add_coupon_view(res.value)
                else:
                    self.add_product(res.value)

            Op(checkout_ops.resolve_code, self.env.ctx, code).success(found) \
                .failure(lambda exc: self.message.show_message(
                    self.tr("No coupon %1 on this till.").replace("%1", code), "error", 0)) \
                .run(self.env.worker)

        dialog.entered.connect(entered)
        dialog.open()

    def _add_coupon_view(self, view) -> None:
        if not self.sale.add_coupon(view.code):
            self.message.show_message(self.tr("Coupon %1 is already on this sale.")
                                      .replace("%1", view.code), "info")
            return
        self.member_panel.add_coupon_views({view.code: view})
        if self.sale.member is None:
            self.member_panel.retranslate()
        self.requote()

    def _coupon_toggled(self, code: str, wanted: bool) -> None:
        p = self.sale.pricing
        current = [a.code for a in p.applied] if p is not None else []
        chosen = [c for c in current if c != code]
        if wanted:
            chosen.append(code)
        self.sale.chosen = tuple(chosen)
        self.sale.touch()
        self.requote()

