"""Weighed goods: weights typed in kg, and scale barcodes (variable-measure EAN-13).

A label scale prints an EAN-13 whose first digits say "variable measure" (GS1 prefixes 20-29,
for use inside the store) and which carries the item's PLU and either its weight or its price.
What the digits mean is the store's scale configuration, written as a *layout*: 13 letters, one
per digit,

    F  a flag digit (the prefix the layout is for)
    I  the item code (the PLU programmed in the scale; a barcode of the product at the till)
    W  the weight in grams
    P  the price in fen (the scale multiplied its unit price by the weight)
    X  a digit the till ignores (some scales print a check digit of the price here)
    C  the EAN-13 check digit of the whole code

A configuration is one or more ``prefixes=layout`` entries separated by ``;``, prefixes as a
comma-separated list of two-digit flags or ranges, e.g.

    20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC

The default, :data:`DEFAULT_LAYOUTS`, reads every 20-29 code as ``FF IIIII WWWWW C``: two flag
digits, a five-digit PLU, the weight in grams (up to 99.999 kg) and the check digit.

Everything here is integer or :class:`~decimal.Decimal`: a weight is thousandths of a kg
(``Decimal("0.350")``), a price is fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .money import round_half_up

LETTERS = frozenset("FIWPXC")
MAX_WEIGHT_KG = Decimal("999.999")


class ScaleError(ValueError):
    """A layout or a weight that cannot be used; ``code`` is stable for the UI."""

    def __init__(self, message: str, code: str = "bad_layout"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ScaleLayout:
    prefixes: frozenset[str]  # two-digit flags, e.g. {"20", "21"}
    pattern: str              # 13 letters of LETTERS

    @property
    def measure(self) -> str:
        return "weight" if "W" in self.pattern else "price"


@dataclass(frozen=True)
class ScaleReading:
    """What a scale barcode says: the item's PLU and its weight (kg) or its price (fen)."""

    code: str
    item: str
    weight_kg: Decimal | None = None
    price_fen: int | None = None


def ean13_check_digit(first12: str) -> int:
    """The EAN-13 check digit of twelve digits (weights 1, 3, 1, 3 ... from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def _prefixes(text: str) -> frozenset[str]:
    out: set[str] = set()
    for part in text.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        hi = hi or lo
        if not (len(lo) == len(hi) == 2 and lo.isdigit() and hi.isdigit()
                and "20" <= lo <= hi <= "29"):
            raise ScaleError(f"scale barcode prefixes are 20 to 29, not {part!r}")
        out.update(f"{n:02d}" for n in range(int(lo), int(hi) + 1))
    return frozenset(out)


def _check_pattern(pattern: str) -> str:
    pattern = pattern.strip().replace(" ", "").upper()
    if len(pattern) != 13 or not set(pattern) <= LETTERS:
        raise ScaleError(f"a scale layout has 13 of the letters F I W P X C, not {pattern!r}")
    if pattern[:2] != "FF" or "F" in pattern[2:]:
        raise ScaleError(f"a scale layout starts with its two flag digits FF: {pattern!r}")
    if pattern[-1] != "C" or "C" in pattern[:-1]:
        raise ScaleError(f"a scale layout ends with the check digit C: {pattern!r}")
    if "I" not in pattern:
        raise ScaleError(f"a scale layout needs the item code I: {pattern!r}")
    if ("W" in pattern) == ("P" in pattern):
        raise ScaleError(f"a scale layout carries a weight W or a price P, one of them: "
                         f"{pattern!r}")
    for letter in "IWP":  # each field is one run of digits
        at = [i for i, x in enumerate(pattern) if x == letter]
        if at and at[-1] - at[0] + 1 != len(at):
            raise ScaleError(f"the {letter} digits of a scale layout are one run: {pattern!r}")
    return pattern


def parse_layouts(text: str) -> tuple[ScaleLayout, ...]:
    """``"20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC"`` as layouts; ScaleError when malformed.
    An empty text means no scale barcodes."""
    layouts: list[ScaleLayout] = []
    seen: set[str] = set()
    for entry in (text or "").split(";"):
        if not entry.strip():
            continue
        prefixes, sep, pattern = entry.partition("=")
        if not sep:
            raise ScaleError(f"a scale layout is prefixes=LAYOUT, not {entry.strip()!r}")
        flags = _prefixes(prefixes)
        if flags & seen:
            raise ScaleError(f"prefix {min(flags & seen)} has two scale layouts")
        seen |= flags
        layouts.append(ScaleLayout(flags, _check_pattern(pattern)))
    return tuple(layouts)


def format_layouts(layouts: tuple[ScaleLayout, ...]) -> str:
    def ranges(flags: frozenset[str]) -> str:
        nums = sorted(int(f) for f in flags)
        out, start = [], nums[0]
        for a, b in zip(nums, nums[1:] + [None]):
            if b != a + 1:
                out.append(f"{start}" if start == a else f"{start}-{a}")
                start = b
        return ",".join(out)

    return ";".join(f"{ranges(x.prefixes)}={x.pattern}" for x in layouts)


DEFAULT_LAYOUTS_TEXT = "20-29=FFIIIIIWWWWWC"
DEFAULT_LAYOUTS = parse_layouts(DEFAULT_LAYOUTS_TEXT)


def _field(code: str, pattern: str, letter: str) -> str:
    return "".join(d for d, x in zip(code, pattern) if x == letter)


def read_scale_code(code: str, layouts: tuple[ScaleLayout, ...] = DEFAULT_LAYOUTS
                    ) -> ScaleReading | None:
    """The reading of a scale barcode, or None when ``code`` is not one under ``layouts``
    (not 13 digits, a prefix no layout is for, or a wrong check digit)."""
    code = (code or "").strip()
    if len(code) != 13 or not code.isascii() or not code.isdigit():
        return None
    layout = next((x for x in layouts if code[:2] in x.prefixes), None)
    if layout is None or ean13_check_digit(code[:12]) != int(code[12]):
        return None
    item = _field(code, layout.pattern, "I")
    if layout.measure == "weight":
        grams = int(_field(code, layout.pattern, "W"))
        return ScaleReading(code, item, weight_kg=Decimal(grams).scaleb(-3))
    return ScaleReading(code, item, price_fen=int(_field(code, layout.pattern, "P")))


def parse_weight(text: str) -> Decimal:
    """A weight typed in kg ("0.350", "1.2", "2") as thousandths: Decimal("0.350").
    More than three decimals, zero, negative or above :data:`MAX_WEIGHT_KG` is a ScaleError."""
    text = (text or "").strip().replace("，", ".").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScaleError(f"not a weight: {text!r}", "bad_weight") from None
    if not value.is_finite() or value.as_tuple().exponent < -3:  # type: ignore[operator]
        raise ScaleError(f"weigh to the gram, three decimals at most: {text!r}", "too_precise")
    if value <= 0:
        raise ScaleError("a weight is greater than zero", "bad_weight")
    if value > MAX_WEIGHT_KG:
        raise ScaleError(f"at most {MAX_WEIGHT_KG} kg on one line", "bad_weight")
    return value.quantize(Decimal("0.001"))


def amount_for(unit_price_fen: int, weight_kg: Decimal) -> int:
    """A weighed line's amount: unit price (fen per kg) × weight, ROUND_HALF_UP to the fen."""
    return round_half_up(Decimal(unit_price_fen) * weight_kg)


def weight_for_price(price_fen: int, unit_price_fen: int) -> tuple[Decimal, bool]:
    """The weight (to the gram) a price-embedded label stands for at ``unit_price_fen`` per kg:
    the weight whose amount (ROUND_HALF_UP) is the label's price, and True; when no weight to
    the gram gives that price (the scale's unit price is not the till's), the nearest weight and
    False. The lightest such weight when several give the price."""
    if unit_price_fen <= 0:
        raise ScaleError("a weighed product needs a unit price", "bad_price")
    if price_fen <= 0:
        raise ScaleError("a scale label's price is greater than zero", "bad_price")
    grams = round_half_up(Decimal(price_fen) * 1000 / unit_price_fen)
    for g in range(max(1, grams - 2), grams + 3):
        if amount_for(unit_price_fen, Decimal(g).scaleb(-3)) == price_fen:
            return Decimal(g).scaleb(-3), True
    return Decimal(max(1, grams)).scaleb(-3), False
