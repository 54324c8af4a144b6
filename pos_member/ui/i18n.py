"""Languages: Qt translation files, switchable while the till runs.

Source strings are English, in the code (``self.tr("Pay")``). Chinese lives in
``resources/translations/pos_member_zh_CN.ts`` and is compiled to ``.qm`` with
``pyside6-lrelease`` (see docs/ui.md, "Translations"). Installing or removing a translator makes
Qt send every widget a ``LanguageChange`` event; each screen's ``changeEvent`` then calls its
``retranslate()``.

Words the services produce (coupon refusal reasons, hint kinds) are translated here, by their
stable codes, not by their English text. Tiers are the brand's data: their names come from the
rules (``ui.tiers``), never from a translation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

log = logging.getLogger(__name__)
translate = QCoreApplication.translate  # lupdate reads translate("Context", "text")

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
TRANSLATIONS = RESOURCES / "translations"
LANGUAGES = {"en": "English", "zh_CN": "中文"}
DEFAULT_LANGUAGE = "zh_CN"


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"pos_member_{language}.qm"


_current = "en"


def current_language() -> str:
    return _current


class LanguageManager(QObject):
    changed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.language = "en"
        self._translators: list[QTranslator] = []

    def set_language(self, language: str) -> bool:
        """Switch the whole application; False if the language's file cannot be loaded."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        app = QCoreApplication.instance()
        new: list[QTranslator] = []
        if language != "en":
            ours = QTranslator(self)
            if not ours.load(str(qm_path(language))):
                log.error("translation file missing: %s", qm_path(language))
                return False
            new.append(ours)
            qt = QTranslator(self)
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt.load(f"qtbase_{language}", qt_dir):  # the standard buttons (OK, Cancel)
                new.append(qt)
        for t in self._translators:
            app.removeTranslator(t)
        for t in new:
            app.installTranslator(t)
        self._translators = new
        self.language = language
        global _current
        _current = language
        QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
        self.changed.emit(language)
        return True


def tier_name(code: str | None, book) -> str:
    """The brand's name for a tier (``book``: the window's ui.tiers.TierBook, ``env.tiers``), in
    the screen's language."""
    return book.label(code, "en" if _current == "en" else "zh")


def tier_discount(code: str | None, book) -> str:
    """The tier's discount rate in words: 88折, or "12% off" on an English screen."""
    return book.discount(code, "en" if _current == "en" else "zh")


def tender_name(kind: str) -> str:
    return {
        "cash": translate("Terms", "Cash"),
        "wechat": translate("Terms", "WeChat Pay"),
        "alipay": translate("Terms", "Alipay"),
        "card": translate("Terms", "UnionPay card"),
        "voucher": translate("Terms", "Voucher"),
        "meituan": translate("Terms", "Meituan voucher"),
        "douyin": translate("Terms", "Douyin voucher"),
        "points": translate("Terms", "Points"),
        "stored_value": translate("Terms", "Stored value"),
    }.get(kind, kind)


def coupon_reason(code: str, shortfall_yuan: str = "") -> str:
    """A coupon's refusal reason (pos_member.domain.coupons.Reason) in words."""
    if code == "below_threshold" and shortfall_yuan:
        return translate("Terms", "spend ¥%1 more to use it").replace("%1", shortfall_yuan)
    return {
        "expired": translate("Terms", "expired"),
        "not_yet_valid": translate("Terms", "not valid yet"),
        "wrong_weekday": translate("Terms", "not valid today"),
        "tier_not_allowed": translate("Terms", "not for this member's tier"),
        "below_threshold": translate("Terms", "the basket is below its threshold"),
        "no_eligible_lines": translate("Terms", "no item in the basket qualifies"),
        "already_used": translate("Terms", "already used"),
        "not_combinable": translate("Terms", "cannot be combined with the coupon applied"),
        "over_coupon_limit": translate("Terms", "too many coupons on one order"),
        "not_chosen": translate("Terms", "another coupon saves more"),
    }.get(code, code)


def hint_text(hint: dict, book) -> str:
    """A pricing hint (pos_member.domain.hints) as a sentence for the cashier (``book``: the
    window's TierBook, for the tiers' names)."""
    kind = hint.get("kind")
    if kind == "tier_upgrade":
        return translate("Terms", "This sale upgrades the member to %1!").replace(
            "%1", tier_name(hint.get("to"), book))
    if kind == "next_tier":
        return translate("Terms", "Spend ¥%1 more to reach %2").replace(
            "%1", str(hint.get("amount", ""))).replace("%2",
                                                       tier_name(hint.get("tier"), book))
    if kind == "coupon_unlock":
        return translate("Terms", "Add ¥%1 to unlock coupon %2").replace(
            "%1", str(hint.get("amount", ""))).replace("%2", str(hint.get("code", "")))
    if kind == "points_expiring":
        return translate("Terms", "%1 points expire on %2").replace(
            "%1", str(hint.get("points", ""))).replace("%2", str(hint.get("expires_on", "")))
    if kind == "birthday_month":
        return translate("Terms", "Birthday month: points x%1").replace(
            "%1", str(hint.get("multiplier", "")))
    if kind == "member_day":
        return translate("Terms", "Member day: points x%1").replace("%1", str(hint.get("multiplier", "")))
    if kind in ("gift_claimable", "upgrade_gift", "next_tier_gift", "member_day_benefit"):
        return _benefit_hint(kind, hint, book)
    if kind in ("benefit_left", "card_left", "card_expiring"):
        return _uses_hint(kind, hint)
    if kind == "first_order":
        return translate("Terms", "First order of a new member")
    if kind == "dormant":
        text = translate("Terms", "Dormant member: no purchase for %1 days").replace(
            "%1", str(hint.get("days", "")))
        offer = hint.get("offer")
        if hint.get("winback_coupon"):  # the brand's win-back offer, applied to this sale
            offer = translate("Terms", "welcome back: win-back offer %1 applied").replace(
                "%1", str(hint["winback_coupon"]))
        return f"{text} · {offer}" if offer else text
    return str(kind)


def _uses_hint(kind: str, hint: dict) -> str:
    """Benefits left this period and count cards (pos_member.domain.benefits.hints)."""
    name = str(hint.get("name", ""))
    left = hint.get("remaining")
    if kind == "benefit_left":
        if left is None:
            return translate("Terms", "%1: unlimited this period").replace("%1", name)
        return translate("Terms", "%1: %2 left this period").replace("%1", name).replace(
            "%2", str(left))
    text = translate("Terms", "Count card %1: %2 left").replace("%1", name).replace(
        "%2", str(left))
    if kind == "card_expiring":
        text += " · " + translate("Terms", "expires %1").replace(
            "%1", str(hint.get("expires_on", "")))
    return text


def _benefit_hint(kind: str, hint: dict, book) -> str:
    """The hints of gifts and member days (pos_member.domain.benefit_offers)."""
    title = str(hint.get("title", ""))
    if kind == "gift_claimable":
        return translate("Terms", "Gift to collect: %1").replace("%1", title)
    if kind == "upgrade_gift":
        return translate("Terms", "Upgraded to %1: upgrade gift %2").replace(
            "%1", tier_name(hint.get("tier"), book)).replace("%2", title)
    if kind == "next_tier_gift":
        return translate("Terms", "Spend ¥%1 more to reach %2 and get the upgrade gift").replace(
            "%1", str(hint.get("amount", ""))).replace("%2", tier_name(hint.get("tier"), book))
    text = translate("Terms", "%1: extra %2").replace(
        "%1", str(hint.get("name") or hint.get("day", ""))).replace(
        "%2", discount_label(hint.get("discount_rate")))
    if hint.get("multiplier"):
        text += " · " + translate("Terms", "points x%1").replace("%1", str(hint["multiplier"]))
    return text


def discount_label(rate) -> str:
    """A rate string ("0.95") as the cashier reads it: 95折 / 5% off."""
    from decimal import Decimal

    from pos_member.domain.rules import discount_label as label

    try:
        lang = "en" if current_language().startswith("en") else "zh"
        return label(Decimal(str(rate)), lang)
    except (ArithmeticError, ValueError):
        return str(rate)


def limit_reason(code: str | None) -> str:
    """Why fewer points could be redeemed than asked (PricingResult.redeem_limited_by)."""
    return {
        "balance": translate("Terms", "the member's available points"),
        "max_ratio": translate("Terms", "at most half of the amount payable"),
        "offline_daily_limit": translate("Terms", "the offline limit of points per member per day"),
        "no_member": translate("Terms", "no member on this sale"),
    }.get(code or "", code or "")


_ERRORS = {
    # ServiceError.code -> translated sentence (the service's English message is the fallback)
    "wrong_pin": "Wrong PIN.",
    "locked": "This staff member is locked out after repeated wrong PINs.",
    "not_found": "Not found.",
    "unknown_plu": "This scale label's item code is not a product of this till.",
    "not_weighed": "This scale label is for a product sold by the piece.",
    "unknown_staff": "Unknown staff code.",
    "not_a_manager": "The approver is not a manager.",
    "member_not_cached": "This member is not on this till yet; ask for their phone number.",
    "gift_claimed": "The member has had this gift already.",  # services/gifts.py
    "gift_not_offered": "This gift is not for this member today.",
    "gift_unavailable": "This gift's product is not on sale at this till.",
    "code_expired": "This member code has expired; ask the member to refresh it.",
    "code_not_yet_valid": "This member code is not valid yet; check the till's clock.",
    "code_bad_signature": "This member code is forged or damaged.",
    "code_replayed": "This member code was already used to spend points; ask for a fresh one.",
    "code_revoked": "This member code has been revoked.",
    "code_unknown_key": "This member code was signed with a key this till does not have yet.",
    "phone_taken": "A member with this phone number already exists.",
    "bad_phone": "Enter an 11-digit mobile number.",
    "shift_state": "Open a shift before selling.",
    "empty_basket": "The basket is empty.",
    "tender_short": "The payments do not cover the total yet.",
    "tender_over": "The payments exceed the total; give change on cash only.",
    "points_limited": "Fewer points can be redeemed than asked.",
    "unknown_product": "This product is not in the catalogue.",
    "pricing": "This coupon choice is not possible.",
}


def error_text(exc: BaseException) -> str:
    """A ServiceError for the cashier: in English the service's own (more precise) message; in
    another language the translation of its stable code when there is one."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    details = getattr(exc, "details", None) or {}
    # A wrong PIN and a lock-out are worded here in every language: how many tries are left,
    # how long the lock-out lasts (the service's English says "until 10:05 UTC").
    left = details.get("attempts_left")
    if code == "wrong_pin" and isinstance(left, int):
        return (QCoreApplication.translate("Errors", "Wrong PIN: 1 more try before the lock-out.")
                if left == 1 else
                QCoreApplication.translate("Errors", "Wrong PIN: %1 more tries before the "
                                                     "lock-out.").replace("%1", str(left)))
    seconds = details.get("retry_after_s")
    if code == "locked" and isinstance(seconds, int):
        minutes = max(1, -(-seconds // 60))
        return QCoreApplication.translate(
            "Errors", "Locked out after repeated wrong PINs: try again in %1 minutes.").replace(
            "%1", str(minutes))
    if current_language() != "en" and code in _ERRORS:
        return QCoreApplication.translate("Errors", _ERRORS[code])
    return message


def scan_refusal(reason: str, fallback: str = "") -> str:
    """Why a scanned code was refused, by the classifier's stable reason code."""
    table = {
        "url": translate("Terms", "This QR code is a link or a payment app's code, not a member code. "
                           "Ask the member to open the member code in the app."),
        "payment_code": translate("Terms", "This is a payment code (WeChat Pay, Alipay or UnionPay). "
                                    "Scan it at the payment step."),
        "malformed": translate("Terms", "This member code is damaged. Scan again or ask for the phone "
                                 "number."),
        "unsupported_version": translate("Terms", "This member code is of a version this till does "
                                           "not know."),
        "bad_check_digit": translate("Terms", "This card code's check digit is wrong. Scan again."),
        "unrecognised": translate("Terms", "This code is not a member code, a product or a receipt."),
    }
    if reason in table:
        return table[reason]
    return fallback or table["unrecognised"]


def _noop_for_lupdate() -> None:  # pragma: no cover - lists the error strings for lupdate
    translate("Errors", "Wrong PIN.")
    translate("Errors", "Wrong PIN: 1 more try before the lock-out.")
    translate("Errors", "Wrong PIN: %1 more tries before the lock-out.")
    translate("Errors", "Locked out after repeated wrong PINs: try again in %1 minutes.")
    translate("Errors", "This staff member is locked out after repeated wrong PINs.")
    translate("Errors", "Not found.")
    translate("Errors", "This scale label's item code is not a product of this till.")
    translate("Errors", "This scale label is for a product sold by the piece.")
    translate("Errors", "Unknown staff code.")
    translate("Errors", "The approver is not a manager.")
    translate("Errors", "This member is not on this till yet; ask for their phone number.")
    translate("Errors", "This member code has expired; ask the member to refresh it.")
    translate("Errors", "This member code is not valid yet; check the till's clock.")
    translate("Errors", "This member code is forged or damaged.")
    translate("Errors", "This member code was already used to spend points; ask for a fresh one.")
    translate("Errors", "This member code has been revoked.")
    translate("Errors", "This member code was signed with a key this till does not have yet.")
    translate("Errors", "A member with this phone number already exists.")
    translate("Errors", "Enter an 11-digit mobile number.")
    translate("Errors", "Open a shift before selling.")
    translate("Errors", "The basket is empty.")
    translate("Errors", "The payments do not cover the total yet.")
    translate("Errors", "The payments exceed the total; give change on cash only.")
    translate("Errors", "Fewer points can be redeemed than asked.")
    translate("Errors", "This product is not in the catalogue.")
    translate("Errors", "This coupon choice is not possible.")
