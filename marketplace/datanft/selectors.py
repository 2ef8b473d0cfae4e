"""Reads of the Data NFT registry: listings, who may read what, readings, usage stats."""

from datetime import datetime

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

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
