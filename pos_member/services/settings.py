"""The till's own settings, as the settings screen reads and saves them (``sync_state`` rows
through :func:`pos_member.store.repositories.set_setting`): the printer, the central service's
address, the enrolment code, the language.

Enrolment itself (``POST /v1/enrol``, the token into the OS keyring) belongs to the sync
package: :func:`enrol_terminal` is the one function the settings screen calls, with the
enrolment the composition root gave it (``enrol=``; ``pos_member.app.enroller``). Without one it
only records the address and the code as *pending*. See the function's docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from pos_member.store import repositories as repo
from pos_member.store.db import transaction

from .context import TillContext
from .errors import InvalidInput
from .rules import CASH_ROUNDING_MODES, CASH_ROUNDING_SETTING, current_rules

# sync_state keys (the printer keys are the ones catalogue.store_info and the receipt service
# read).
PRINTER = "printer"
PRINTER_WIDTH = "printer_width"
PRINTER_ENCODING = "printer_encoding"
LANGUAGE = "language"
CENTRAL_URL = "central_url"
ENROLMENT_CODE = "enrolment_code"      # the one-time code typed in, until enrolment uses it
ENROLMENT_STATE = "enrolment_state"    # not_enrolled | pending | enrolled | failed
ENROLMENT_MESSAGE = "enrolment_message"
ENROLLED_AT = "enrolled_at"
TERMINAL_NAME = "terminal_name"
STORE_ADDRESS = "store_address"  # printed under the store's name on every receipt
STORE_PHONE = "store_phone"
RECEIPT_FOOTER = "receipt_footer"  # the store's own last line (the default thanks when empty)

LANGUAGES = ("en", "zh_CN")
WIDTHS = (32, 48)
# Crockford base-32 (sync-api.md): 12 characters; case, spaces and hyphens are ignored.
_ENROL_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}$")


@dataclass(frozen=True)
class TillSettings:
    terminal_id: str
    terminal_name: str
    store_id: str
    store_name: str
    store_address: str
    tz: str
    printer: str           # a printing spec; "" = the receipt service's default (a file)
    printer_width: int
    printer_encoding: str
    central_url: str
    enrolment_state: str
    enrolment_message: str
    enrolled_at: str
    enrolment_code_pending: bool
    language: str
    cash_rounding: str = "none"  # 抹零 in force: none | jiao | yuan (the store's or the brand's)
    store_phone: str = ""
    receipt_footer: str = ""


@dataclass(frozen=True)
class EnrolmentStatus:
    state: str     # pending (recorded, not yet sent), enrolled, failed
    message: str = ""
    terminal_id: str | None = None


def till_settings(ctx: TillContext) -> TillSettings:
    with ctx.read_sessions() as s:
        def get(key: str, default: str = "") -> str:
            return repo.get_setting(s, key, default) or default

        try:
            width = int(get(PRINTER_WIDTH, "48"))
        except ValueError:
            width = 48
        return TillSettings(
            terminal_id=ctx.terminal_id, terminal_name=get(TERMINAL_NAME),
            store_id=ctx.store_id, store_name=get("store_name") or get("brand_name"),
            store_address=get("store_address"), tz=ctx.tz_name, printer=get(PRINTER),
            printer_width=width, printer_encoding=get(PRINTER_ENCODING, "gb18030"),
            central_url=get(CENTRAL_URL), enrolment_state=get(ENROLMENT_STATE, "not_enrolled"),
            enrolment_message=get(ENROLMENT_MESSAGE), enrolled_at=get(ENROLLED_AT),
            enrolment_code_pending=bool(get(ENROLMENT_CODE)), language=get(LANGUAGE),
            cash_rounding=current_rules(s).cash_rounding, store_phone=get(STORE_PHONE),
            receipt_footer=get(RECEIPT_FOOTER))


def save_printer(ctx: TillContext, spec: str, width: int = 48,
                 encoding: str = "gb18030") -> dict[str, str]:
    """Check and store the receipt printer's settings; returns what was stored."""
    from pos_member.printing.settings import PrinterSettings, SettingsError

    spec = (spec or "").strip()
    if not spec:
        raise InvalidInput("enter the printer, e.g. network:192.168.1.50", code="bad_printer")
    try:
        PrinterSettings(spec, width=int(width), encoding=encoding)
    except (SettingsError, ValueError, TypeError) as exc:
        raise InvalidInput(str(exc), code="bad_printer") from None
    values = {PRINTER: spec, PRINTER_WIDTH: str(int(width)), PRINTER_ENCODING: encoding}
    with transaction(ctx.sessions) as s:
        for key, value in values.items():
            repo.set_setting(s, key, value)
    return values


def save_language(ctx: TillContext, language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(f"unknown language {language!r}", code="bad_language")
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, LANGUAGE, language)
    return language


def save_cash_rounding(ctx: TillContext, actor, mode: str, approval=None) -> str:
    """The store's 抹零: ``none``, ``jiao`` (down to the jiao) or ``yuan`` (down to the yuan),
    applied to every basket priced from now on (it overrides the brand rules' choice). It gives
    money away on every sale, so it is a discount decision: a manager's (``DISCOUNT_OVERRIDE``;
    a cashier needs an approval). Audited."""
    from pos_member.security.roles import Action

    from .staff import append_audit, authorize_action

    if mode not in CASH_ROUNDING_MODES:
        raise InvalidInput(f"cash rounding is one of {', '.join(CASH_ROUNDING_MODES)}",
                           code="bad_cash_rounding")
    approver = authorize_action(ctx, actor, Action.DISCOUNT_OVERRIDE, approval)
    with transaction(ctx.sessions) as s:
        before = current_rules(s).cash_rounding
        repo.set_setting(s, CASH_ROUNDING_SETTING, mode)
        append_audit(s, actor=actor.id, action="setting_changed", at=ctx.now(),
                     approver=approver if approver != actor.id else None,
                     details={"setting": CASH_ROUNDING_SETTING, "from": before, "to": mode})
    return mode


def save_scale_barcodes(ctx: TillContext, text: str) -> str:
    """The store's scale barcode layouts (see :mod:`pos_member.domain.scale`), e.g.
    ``20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC``; refused when malformed. Returns the
    layouts as stored (normalised)."""
    from pos_member.domain import scale

    from .catalogue import SCALE_BARCODES

    try:
        layouts = scale.parse_layouts(text)
    except scale.ScaleError as exc:
        raise InvalidInput(str(exc), code="bad_scale_layout") from None
    value = scale.format_layouts(layouts)
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, SCALE_BARCODES, value)
    return value


STORE_NAME = "store_name"  # the key the seed and catalogue.store_info use
NAME_MAX = 100


def _clean_name(name: str, what: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput(f"enter the {what}", code="bad_name")
    if len(text) > NAME_MAX:
        raise InvalidInput(f"the {what} has at most {NAME_MAX} characters", code="bad_name")
    return text


def save_store_name(ctx: TillContext, name: str) -> str:
    """The store's name as receipts and the window title show it (first-run set-up)."""
    from pos_member.domain import demo_brand

    name = _clean_name(name, "store name")
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, STORE_NAME, name)
        # The demo brand's address is its demo store's: a store named as one's own does not
        # print it under its name (the manager types the store's own on the settings screen).
        if name != demo_brand.STORE_NAME and \
                repo.get_setting(s, STORE_ADDRESS, "") == demo_brand.STORE_ADDRESS:
            repo.set_setting(s, STORE_ADDRESS, "")
    return name


def save_terminal_name(ctx: TillContext, name: str) -> str:
    """This till's name (reports, the central service's list of tills)."""
    name = _clean_name(name, "till name")
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, TERMINAL_NAME, name)
    return name


ADDRESS_MAX, PHONE_MAX, FOOTER_MAX = 120, 40, 120
_PHONE = re.compile(r"^[0-9+()\- ]*$")


def save_store_details(ctx: TillContext, actor, *, terminal_name: str, address: str,
                       phone: str, footer: str) -> dict[str, str]:
    """The till's name and what the receipt prints about the store: its address, phone and own
    last line (empty: none; the footer falls back to the default thanks). A manager's
    setting, audited. Returns what was stored."""
    from pos_member.security.roles import Role

    from .errors import ServiceError
    from .staff import append_audit

    if actor is None or Role(actor.role) is not Role.MANAGER:
        raise ServiceError("only a manager changes the store's details", code="not_a_manager")
    values = {TERMINAL_NAME: _clean_name(terminal_name, "till name")}
    for key, text, limit, what in ((STORE_ADDRESS, address, ADDRESS_MAX, "address"),
                                   (STORE_PHONE, phone, PHONE_MAX, "phone number"),
                                   (RECEIPT_FOOTER, footer, FOOTER_MAX, "receipt footer")):
        text = " ".join((text or "").split())
        if len(text) > limit:
            raise InvalidInput(f"the {what} has at most {limit} characters", code="too_long")
        values[key] = text
    if not _PHONE.match(values[STORE_PHONE]):
        raise InvalidInput("a phone number has digits, spaces, +, - and brackets only",
                           code="bad_store_phone")
    with transaction(ctx.sessions) as s:
        before = {key: repo.get_setting(s, key, "") or "" for key in values}
        for key, value in values.items():
            repo.set_setting(s, key, value)
        changed = {key: {"from": before[key], "to": value} for key, value in values.items()
                   if before[key] != value}
        if changed:
            append_audit(s, actor=actor.id, action="setting_changed", at=ctx.now(),
                         details={"setting": "store_details", "changes": changed})
    return values


def normalise_central_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("enter the central service's address, e.g. https://pos.example.com",
                           code="bad_url")
    if parts.query or parts.fragment or len(url) > 300:
        raise InvalidInput("the address must not carry a query or a fragment", code="bad_url")
    return url


def normalise_enrolment_code(code: str) -> str:
    text = re.sub(r"[\s-]", "", code or "").upper()
    text = text.replace("O", "0").replace("I", "1").replace("L", "1")  # Crockford aliases
    if not _ENROL_CODE.match(text):
        raise InvalidInput("an enrolment code has 12 letters and digits, e.g. 7KQ4-M2XD-9RTB",
                           code="bad_enrolment_code")
    return text


def save_central_url(ctx: TillContext, url: str) -> str:
    url = normalise_central_url(url)
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, CENTRAL_URL, url)
    return url


# How a till enrols: enrol(ctx, central_url, code, terminal_name) -> EnrolmentStatus, called on
# the DB worker thread. The composition root (pos_member.app.enroller) builds the sync
# package's and hands it to whoever calls enrol_terminal.
Enroller = Callable[[TillContext, str, str, str], EnrolmentStatus]


def enrol_terminal(ctx: TillContext, central_url: str, code: str, terminal_name: str = "",
                   enrol: Enroller | None = None) -> EnrolmentStatus:
    """Enrol this till with the central service using a one-time code.

    Called by the settings screen and the first-run wizard on the database worker thread
    (never the GUI thread). The address and the code are validated, then ``enrol`` (the sync
    package's ``POST /v1/enrol``, docs/sync-api.md: the token into the OS keyring, the central
    service's answer stored, ``enrolment_state`` ``enrolled`` or ``failed``) does the rest and
    its :class:`EnrolmentStatus` is the answer; it raises
    :class:`~pos_member.services.errors.ServiceError` (with a stable code) for a refusal the
    cashier should read.

    Without ``enrol`` (a till running without the sync engine) the address and the code are
    stored and the state is ``pending``: nothing is sent; the engine enrols when it starts.
    """
    url = normalise_central_url(central_url)
    code = normalise_enrolment_code(code)
    if enrol is not None:
        return enrol(ctx, url, code, terminal_name)
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, CENTRAL_URL, url)
        repo.set_setting(s, ENROLMENT_CODE, code)
        repo.set_setting(s, ENROLMENT_STATE, "pending")
        repo.set_setting(s, ENROLMENT_MESSAGE, "")
        if terminal_name:
            repo.set_setting(s, TERMINAL_NAME, terminal_name[:100])
    return EnrolmentStatus("pending", "recorded; the sync engine will enrol this till")


def join_url(ctx: TillContext) -> str:
    """The link a non-member scans to join (the customer display's QR code)."""
    from .receipts import DEFAULT_JOIN_URL, JOIN_URL_SETTING

    with ctx.read_sessions() as s:
        url = repo.get_setting(s, JOIN_URL_SETTING) or DEFAULT_JOIN_URL
    return url.replace("{store_id}", ctx.store_id)
