"""Template helpers: amounts in whole units with their asset, times relative and
absolute, SS58 addresses and their identicons, the navigation's current page."""

import hashlib

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ledger.units import decimals, money, rounded_decimal, rounded_units, whole_units
from marketplace.core.identity import address_of

register = template.Library()


def _rounded(shown: str, exact: str) -> str:
    """The rounded text, with the exact one as its title when they differ."""
    if shown == exact:
        return shown
    return format_html('<span class="pm-rounded" title="{}">{}</span>', exact, shown)


@register.filter
def amount(value, asset: str) -> str:
    """`{{ job.budget|amount:job.asset }}` → `1.5 DOT`; every amount a page shows goes
    through here: `1.6566666666 DOT` reads `1.6567 DOT`, the exact amount in its title
    (the rule is `ledger.units.rounded_units`)."""
    if value is None or value == "":
        return money(value, asset)
    exact = money(value, asset)
    return _rounded(f"{rounded_units(int(value), decimals(asset))} {asset}", exact)


@register.filter
def price(value: str) -> str:
    """A price as a decimal string (`4.123456789012`) under the same rule: `4.1235`."""
    if not value:
        return "—"
    return _rounded(rounded_decimal(value), value)


@register.filter
def units(value, asset: str) -> str:
    """Whole units without the asset code (for inputs and charts)."""
    return whole_units(int(value or 0), decimals(asset))


# (below this many seconds, the unit's size in seconds, its name): the one rule of every
# relative time, which display.js (`relativeTime`) repeats as it counts them live.
TIME_UNITS = ((90, 1, "second"), (90 * 60, 60, "minute"), (36 * 3600, 3600, "hour"))


def relative_time(seconds: float) -> str:
    """`in 8 seconds`, `3 minutes ago`, `in 2 hours`, `5 days ago`: one unit, rounded."""
    if abs(seconds) < 1:
        return "now"
    size, unit = next(
        ((size, unit) for limit, size, unit in TIME_UNITS if abs(seconds) < limit), (86400, "day")
    )
    count = int(abs(seconds) / size + 0.5)  # half up, as JavaScript's Math.round
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {text}" if seconds > 0 else f"{text} ago"


@register.filter
def when(value) -> str:
    """`<time>` with the relative time as text (kept current in the browser) and the
    absolute UTC time as title."""
    if not value:
        return "—"
    return format_html(
        '<time datetime="{}" title="{}" data-pm-relative>{}</time>',
        value.isoformat(),
        value.strftime("%Y-%m-%d %H:%M:%S UTC"),
        relative_time((value - timezone.now()).total_seconds()),
    )


@register.filter
def address(public_key: str) -> str:
    return address_of(public_key) if public_key else ""


@register.filter
def short_address(public_key: str) -> str:
    text = address_of(public_key) if public_key else ""
    return f"{text[:6]}…{text[-6:]}" if text else ""


IDENTICON_GRID = 5


@register.filter
def identicon(public_key: str) -> str:
    """A 5x5 mirrored pattern in one colour, both taken from the key's hash: the same
    account always looks the same, so people tell addresses apart at a glance. Inline SVG
    with presentation attributes only (the CSP allows no style attribute)."""
    digest = hashlib.blake2b(bytes.fromhex(public_key or ""), digest_size=32).digest()
    hue = int.from_bytes(digest[:2]) % 360
    half = (IDENTICON_GRID + 1) // 2
    cells = [
        (column, row)
        for row in range(IDENTICON_GRID)
        for column in range(half)
        if digest[2 + row * half + column] % 2
    ]
    mirrored = {(IDENTICON_GRID - 1 - c, r) for c, r in cells} | set(cells)
    rects = format_html_join(
        "", '<rect x="{}" y="{}" width="1" height="1"/>', sorted(mirrored, key=lambda cr: cr[::-1])
    )
    return format_html(
        '<svg class="pm-identicon" viewBox="-1 -1 7 7" width="24" height="24" aria-hidden="true">'
        '<rect x="-1" y="-1" width="7" height="7" fill="hsl({}, 60%, 92%)"/>'
        '<g fill="hsl({}, 65%, 42%)">{}</g></svg>',
        hue,
        hue,
        rects,
    )


@register.inclusion_tag("_address.html")
def address_chip(public_key: str, copy: bool = False, full: bool = False) -> dict:
    """`{% address_chip key %}`: identicon and short address, the full one as its title;
    with `copy=True` a button that copies the full address; `full=True` spells it out."""
    address = address_of(public_key) if public_key else ""
    return {"public_key": public_key, "address": address, "copy": copy, "full": full}


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str) -> str:
    """A navigation link marked `aria-current="page"` on its own section's pages (the
    overview only on itself, every other section on every page under its path)."""
    url = reverse(url_name)
    path = context["request"].path
    current = path == url if url == "/" else path.startswith(url)
    if current:
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', url, label)
    return format_html('<li><a href="{}">{}</a></li>', url, label)
