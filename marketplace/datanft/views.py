"""Data NFT pages (htmx). Thin: reads come from selectors, writes are signed actions
posted by wallet.js to the API; each view renders a page or one partial of it."""

from django.http import Http404
from django.shortcuts import render

from ledger import selectors as ledger_selectors
from marketplace.core import errors, series
from marketplace.core.selectors import public_config

from . import selectors, services
from .models import AccessPolicy, Category
from .serializers import ListFilters

CHART_READINGS = 500  # the newest readings a page charts; the API pages through the rest
TABLE_READINGS = 24
ACTIVITY_DAYS = 14


def _key(request) -> str | None:
    return request.wallet.public_key if request.wallet else None


def _found(nft_id: int):
    item = selectors.nft(nft_id)
    if item is None:
        raise Http404(f"Data NFT {nft_id} does not exist.")
    return item


def _earnings_chart(item) -> dict:
    activity = selectors.daily_activity(item, ACTIVITY_DAYS)
    scale = 10 ** ledger_selectors.asset_decimals(item.asset)
    # Floats only to draw bars: every figure shown as text stays an exact amount.
    values = [amount / scale for amount in activity["revenue"]]
    earned = {"label": f"earned ({item.asset})", "values": values}
    return series.day_chart(activity["days"], [earned], f"{item.asset} per day")


def _usage_chart(item) -> dict:
    activity = selectors.daily_activity(item, ACTIVITY_DAYS)
    accesses = {"label": "accesses", "values": activity["accesses"]}
    return series.day_chart(activity["days"], [accesses], "accesses per day")


def catalogue(request):
    """Every Data NFT, filtered like GET /api/data-nfts (the same rules validate the
    filters); an htmx request from the filter form gets just the results."""
    given = {k: v.strip() for k, v in request.GET.items() if k in ListFilters().fields}
    filters = ListFilters(data={k: v for k, v in given.items() if v})
    valid = filters.is_valid()
    context = {
        "categories": Category.choices,
        "filters": given,
        "filter_errors": filters.errors,
        "page": selectors.catalogue_page(request.GET.get("page"), **filters.validated_data)
        if valid
        else None,
    }
    template = "datanft/catalogue.html#results" if request.htmx else "datanft/catalogue.html"
    return render(request, template, context)


def usage_context(item) -> dict:
    """The usage panel's figures and chart."""
    return {"item": item, "stats": selectors.usage_stats(item), "usage_chart": _usage_chart(item)}


def detail(request, nft_id: int):
    item = _found(nft_id)
    context = {
        **usage_context(item),
        "decimals": ledger_selectors.asset_decimals(item.asset),
        "sample": selectors.sample(item.pk),
        **selectors.reader_view(item, _key(request)),
    }
    return render(request, "datanft/detail.html", context)


def access_fragment(request, nft_id: int):
    """The detail page's access box, refetched after a purchase or a socket reconnect."""
    item = _found(nft_id)
    context = {"item": item, **selectors.reader_view(item, _key(request))}
    return render(request, "datanft/detail.html#access", context)


def usage_fragment(request, nft_id: int):
    """The detail page's usage panel, refetched after a socket reconnect."""
    return render(request, "datanft/detail.html#usage", usage_context(_found(nft_id)))


def readings_fragment(request, nft_id: int):
    """The readings behind an access token (from `access_data`), as a chart and a table.
    Opening them is counted as an access, exactly like GET …/readings?token=."""
    try:
        item = services.open_readings(nft_id, request.GET.get("token", ""))
    except (errors.DataAccessRequired, errors.NotFound) as refused:
        return render(request, "datanft/detail.html#readings", {"refused": str(refused)})
    readings = selectors.latest_readings(item.pk, CHART_READINGS)
    chart = {
        "x": [int(r.ts.timestamp()) for r in readings],
        "series": [{"label": item.sensor_type, "values": [r.value for r in readings]}],
        "y_label": "value",
    }
    context = {"item": item, "chart": chart, "table": readings[::-1][:TABLE_READINGS]}
    return render(request, "datanft/detail.html#readings", context)


def _my_nfts(public_key: str) -> list[dict]:
    return [
        {
            "nft": item,
            "stats": selectors.usage_stats(item),
            "chart": _earnings_chart(item),
            "chart_id": f"pm-earnings-{item.pk}",
        }
        for item in selectors.owned_nfts(public_key)
    ]


def mine(request):
    context = {
        "config": public_config(),
        "categories": Category.choices,
        "policies": AccessPolicy.choices,
    }
    if request.wallet is not None:
        context |= {
            "cards": _my_nfts(request.wallet.public_key),
            "subscriptions": selectors.subscriptions_of(request.wallet.public_key),
        }
    return render(request, "datanft/mine.html", context)


def mine_nfts_fragment(request):
    """ "My NFTs" again, after a mint or a publish (or a socket reconnect)."""
    cards = _my_nfts(request.wallet.public_key) if request.wallet else []
    return render(request, "datanft/mine.html#nfts", {"cards": cards})
