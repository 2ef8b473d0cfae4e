"""Reads of the Data NFT registry: listings, who may read what, readings, usage stats."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Now
from django.utils import timezone

from marketplace.core import series

from .models import AccessKind, DataAccess, DataNFT, Purchase, Reading, Subscription


def nfts(
    *, category: str | None = None, owner: str | None = None, q: str | None = None
) -> QuerySet[DataNFT]:
    """Newest first; `owner` is a public key (hex), `q` searches the descriptive text."""
    found = DataNFT.objects.select_related("owner")
    if category:
        found = found.filter(category=category)
    if owner:
        found = found.filter(owner__public_key=owner)
    if q:
        found = found.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(sensor_type__icontains=q)
        )
    return found


CATALOGUE_PAGE_SIZE = 12


def catalogue_page(number, **filters) -> Page:
    """One page of `nfts(**filters)` for the browser catalogue."""
    return Paginator(nfts(**filters), CATALOGUE_PAGE_SIZE).get_page(number)


def nft(nft_id: int) -> DataNFT | None:
    return DataNFT.objects.select_related("owner").filter(pk=nft_id).first()


def active_subscription(public_key: str, nft_id: int, now: datetime) -> Subscription | None:
    return Subscription.objects.filter(
        nft_id=nft_id, subscriber__public_key=public_key, expires_at__gt=now
    ).first()


def access_for(item: DataNFT, public_key: str | None, now: datetime) -> datetime | None:
    """Until when `public_key` may read `item` (None: it may not). The owner and everyone
    for a public NFT: indefinitely (far future); a subscriber: until the subscription ends."""
    if item.is_public or (public_key is not None and item.owner.public_key == public_key):
        return datetime.max.replace(tzinfo=now.tzinfo)
    if public_key is None:
        return None
    subscription = active_subscription(public_key, item.pk, now)
    return subscription.expires_at if subscription else None


def has_access(public_key: str, nft_id: int) -> bool:
    """Whether `public_key` may read the NFT now: it owns it, it is public, or it holds an
    active subscription. False for an unknown NFT."""
    item = nft(nft_id)
    return item is not None and access_for(item, public_key, timezone.now()) is not None


def owned_nfts(public_key: str) -> QuerySet[DataNFT]:
    """A wallet's NFTs, newest first, each with `readings_count` and `last_reading_at`."""
    return nfts(owner=public_key).annotate(
        readings_count=Count("readings"), last_reading_at=Max("readings__ts")
    )


def subscriptions_of(public_key: str) -> QuerySet[Subscription]:
    """A wallet's subscriptions, the ones that end last first, each marked `is_active`
    (its period has not ended: the rule `access_for` applies)."""
    return (
        Subscription.objects.filter(subscriber__public_key=public_key)
        .select_related("nft")
        .annotate(is_active=ExpressionWrapper(Q(expires_at__gt=Now()), BooleanField()))
        .order_by("-expires_at")
    )


RECEIPTS = 5  # the newest purchases a subscriber sees on the NFT's page


def reader_view(item: DataNFT, public_key: str | None) -> dict:
    """What a page shows about one wallet's access to `item`: whether it owns it, its
    subscription row (active or ended, None if it never subscribed), whether it may
    read now, and its newest purchases of it (the receipts)."""
    now = timezone.now()
    subscription = subscriptions_of(public_key).filter(nft=item).first() if public_key else None
    return {
        "is_owner": public_key is not None and item.owner.public_key == public_key,
        "subscription": subscription,
        "can_read": access_for(item, public_key, now) is not None,
        "receipts": list(subscription.purchases.all()[:RECEIPTS]) if subscription else [],
    }


SAMPLE_READINGS = 5


def sample(nft_id: int) -> dict:
    """What anyone may see before paying: how many readings there are, over which span,
    and the first few of them (the oldest: the stream's live edge stays for subscribers)."""
    span = Reading.objects.filter(nft_id=nft_id).aggregate(
        count=Count("id"), first=Min("ts"), last=Max("ts")
    )
    rows = list(Reading.objects.filter(nft_id=nft_id).order_by("ts", "id")[:SAMPLE_READINGS])
    return {**span, "rows": rows}


def readings(
    nft_id: int, *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Reading]:
    """Oldest first; `since` inclusive, `until` exclusive (so windows tile)."""
    found = Reading.objects.filter(nft_id=nft_id)
    if since is not None:
        found = found.filter(ts__gte=since)
    if until is not None:
        found = found.filter(ts__lt=until)
    return found.order_by("ts", "id")


TRAINING_SAMPLE = 100  # the newest readings checked for a federated job's fields


def fields_not_numeric(nft_id: int, fields: list[str]) -> list[str]:
    """The `fields` that are not a number in every one of the NFT's newest readings
    (all of them when it has none): a federated job may name only fields its readings
    carry. `value` is every reading's own number; the others live in `extra`."""
    sample = list(
        Reading.objects.filter(nft_id=nft_id)
        .order_by("-ts", "-id")
        .values_list("extra", flat=True)[:TRAINING_SAMPLE]
    )
    if not sample:
        return list(fields)

    def numeric(item) -> bool:
        return isinstance(item, int | float) and not isinstance(item, bool)

    return [
        name
        for name in fields
        if name != "value" and not all(numeric(extra.get(name)) for extra in sample)
    ]


def trainable_nfts() -> QuerySet[DataNFT]:
    """NFTs offered for federated training, newest first."""
    return nfts().filter(training_allowed=True)


def readings_count(nft_id: int) -> int:
    return Reading.objects.filter(nft_id=nft_id).count()


def usage_stats(item: DataNFT) -> dict:
    """Accesses (tokens issued, readings read, settled jobs), subscribers whose period has
    not ended, purchases sold, and revenue: `revenue` is what owners received (net of the
    platform fee), `revenue_gross` what subscribers paid, in the NFT's asset."""
    now = timezone.now()
    log = DataAccess.objects.filter(nft=item).aggregate(
        accesses=Count("id"),
        last_access_at=Max("at"),
        job_uses=Count("id", filter=Q(kind=AccessKind.JOB)),
    )
    sales = Purchase.objects.filter(subscription__nft=item).aggregate(
        sold=Count("id"), gross=Sum("amount"), net=Sum(F("amount") - F("fee"))
    )
    return {
        "nft_id": item.pk,
        "asset": item.asset,
        "accesses": log["accesses"],
        "job_uses": log["job_uses"],
        "subscribers_active": Subscription.objects.filter(nft=item, expires_at__gt=now).count(),
        "subscriptions_sold": sales["sold"],
        "revenue": int(sales["net"] or 0),
        "revenue_gross": int(sales["gross"] or 0),
        "last_access_at": log["last_access_at"],
    }


def latest_readings(nft_id: int, limit: int) -> list[Reading]:
    """The newest `limit` readings, oldest first (what a page charts)."""
    newest = Reading.objects.filter(nft_id=nft_id).order_by("-ts", "-id")[:limit]
    return list(reversed(newest))


def daily_activity(item: DataNFT, days: int) -> dict:
    """Per UTC day over the last `days` days (today included): `accesses` counted like
    `usage_stats`, and `revenue` net of fees in the NFT's asset."""
    calendar = series.last_days(days)
    return {
        "days": calendar,
        "accesses": series.per_day(
            DataAccess.objects.filter(nft=item), "at", Count("id"), calendar
        ),
        "revenue": series.per_day(
            Purchase.objects.filter(subscription__nft=item),
            "created_at",
            Sum(F("amount") - F("fee")),
            calendar,
        ),
    }


def nfts_count() -> int:
    return DataNFT.objects.count()
