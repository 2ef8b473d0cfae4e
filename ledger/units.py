"""Amounts for people: integers in the smallest unit shown in whole units of their asset
(`15000000000` DOT → `1.5 DOT`), exactly — no float ever touches them."""

from decimal import Decimal
from functools import cache

from . import selectors


@cache
def decimals(asset: str) -> int:
    """The asset's decimals (assets are fixed once created, so this is cached)."""
    return selectors.asset_decimals(asset)


def whole_units(amount: int, decimals: int) -> str:
    """`15000000000`, 10 → `1.5`: exact, no float, trailing zeros dropped."""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**decimals)
    text = f"{whole:,}"
    if fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return sign + text


def money(value: int | str | None, asset: str) -> str:
    """`money(15000000000, "DOT")` → `1.5 DOT`; `—` for no amount."""
    if value is None or value == "":
        return "—"
    return f"{whole_units(int(value), decimals(asset))} {asset}"


# The one rounding rule of amounts and prices shown to people: at most this many decimals,
# or this many significant digits below 1 so a small amount never reads as 0.
SHOWN_DIGITS = 4


def rounded_units(amount: int, decimals: int) -> str:
    """`16566666666`, 10 → `1.6567`; `1234`, 10 → `0.0000001234`: `whole_units` rounded
    half up to SHOWN_DIGITS decimals (significant digits below 1), trailing zeros dropped."""
    amount = int(amount)
    magnitude = abs(amount)
    leading_zeros = decimals - len(str(magnitude)) if 0 < magnitude < 10**decimals else 0
    step = 10 ** max(0, decimals - SHOWN_DIGITS - leading_zeros)
    rounded = (magnitude + step // 2) // step * step
    return whole_units(rounded if amount >= 0 else -rounded, decimals)


def rounded_decimal(text: str) -> str:
    """A decimal string such as a price (`4.123456789012`) under the same rule: `4.1235`."""
    sign, digits, exponent = Decimal(text).as_tuple()
    places = max(0, -int(exponent))
    scaled = int("".join(map(str, digits)) or "0") * 10 ** max(0, int(exponent))
    return rounded_units(-scaled if sign else scaled, places)
