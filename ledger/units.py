"""Amounts for people: integers in the smallest unit shown in whole units of their asset
(`15000000000` DOT → `1.5 DOT`), exactly — no float ever touches them."""

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
