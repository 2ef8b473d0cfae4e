"""The provider page (htmx), kept with the job queue since it lists jobs to bid on
and assignments: register, stake and unbond, bid on open jobs of my
capabilities, run my assignments, follow reputation and earnings. Thin: reads come from
selectors, writes are signed actions posted by wallet.js to the API; each view renders
the page or one partial of it."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ledger import selectors as ledger_selectors
from marketplace.core import series
from marketplace.core.selectors import public_config
from marketplace.providers import selectors
from marketplace.providers.models import Capability, Provider

from . import selectors as job_selectors

EARNINGS_DAYS = 30
LIST_SIZE = 20


def _earnings_chart(public_key: str) -> dict:
    """The charts.js data (docs/FRONTEND.md "Charts"): job payouts per UTC day, one
    series per asset paid; no days at all before the first payout (the chart's empty
    state)."""
    paid = selectors.daily_payouts(public_key, EARNINGS_DAYS)
    if not paid["assets"]:
        return {"x": [], "series": [], "y_label": "earned per day"}
    # Floats only to draw: every figure shown as text stays an exact amount.
    earned = [
        {
            "label": f"earned ({asset})",
            "values": [amount / 10 ** ledger_selectors.asset_decimals(asset) for amount in values],
        }
        for asset, values in paid["assets"].items()
    ]
    return series.day_chart(paid["days"], earned, "earned per day")


def summary_context(provider: Provider) -> dict:
    """Stake, unbonding, reputation, counters and earnings of a provider."""
    key = provider.wallet.public_key
    return {
        "provider": provider,
        "stake_asset": settings.PM_STAKE_ASSET,
        "stake": selectors.stake_of(provider),
        "unbondings": selectors.pending_unbondings(provider),
        "earned": selectors.total_payouts(key),
        "earnings_chart": _earnings_chart(key),
    }


def open_jobs_context(provider: Provider) -> dict:
    return {"provider": provider, "open_jobs": job_selectors.biddable_jobs(provider)[:LIST_SIZE]}


def assignments_context(provider: Provider) -> dict:
    jobs = job_selectors.jobs(provider=provider.wallet.public_key)[:LIST_SIZE]
    return {"provider": provider, "assignments": jobs}


def _provider(request) -> Provider | None:
    return selectors.provider_of_key(request.wallet.public_key) if request.wallet else None


def provide(request):
    provider = _provider(request)
    now = timezone.now()
    context = {
        "config": public_config(),
        "capabilities": Capability.choices,
        "stake_decimals": ledger_selectors.asset_decimals(settings.PM_STAKE_ASSET),
        # What "unbond" promises: the stake is back this long after the signature.
        "now": now,
        "unbond_until": now + timedelta(seconds=settings.PM_UNBOND_SECONDS),
        "provider": provider,
    }
    if provider is not None:
        context |= (
            summary_context(provider) | open_jobs_context(provider) | assignments_context(provider)
        )
    return render(request, "providers/provide.html", context)


def _fragment(request, partial: str, build, *, provider_only: bool = False) -> object:
    provider = _provider(request)
    if provider is None and provider_only:
        return HttpResponse(status=204)  # nothing to show (htmx swaps nothing on a 204)
    context = build(provider) if provider is not None else {"provider": None}
    return render(request, f"providers/provide.html#{partial}", context)


def summary_fragment(request):
    """Stake, reputation and earnings again, after add_stake / unbond or a reconnect."""
    return _fragment(request, "summary", summary_context, provider_only=True)


def open_jobs_fragment(request):
    """The open jobs I can bid on, after a bid or a socket reconnect."""
    return _fragment(request, "open_jobs", open_jobs_context)


def assignments_fragment(request):
    """My assignments, after start / submit result or a socket reconnect."""
    return _fragment(request, "assignments", assignments_context)
