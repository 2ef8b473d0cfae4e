"""Template helpers: amounts in whole units with their asset, times relative and
absolute, SS58 addresses."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil

from ledger.units import decimals, money, whole_units
from marketplace.core.identity import address_of

register = template.Library()


@register.filter
def amount(value, asset: str) -> str:
    """`{{ job.budget|amount:job.asset }}` → `1.5 DOT`."""
    return money(value, asset)


@register.filter
def units(value, asset: str) -> str:
    """Whole units without the asset code (for inputs and charts)."""
    return whole_units(int(value or 0), decimals(asset))


@register.filter
def when(value) -> str:
    """`<time>` with the relative time as text and the absolute UTC time as title."""
    if not value:
        return "—"
    now = timezone.now()
    relative = f"{timesince(value, now)} ago" if value <= now else f"in {timeuntil(value, now)}"
    relative = relative.split(",")[0].replace("\xa0", " ")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        value.strftime("%Y-%m-%d %H:%M:%S UTC"),
        relative,
    )


@register.filter
def address(public_key: str) -> str:
    return address_of(public_key) if public_key else ""


@register.filter
def short_address(public_key: str) -> str:
    text = address_of(public_key) if public_key else ""
    return f"{text[:6]}…{text[-6:]}" if text else ""
