"""Demo data: //Charlie's smart-city traffic sensor with a week of hourly readings."""

import math
import random
from datetime import UTC, datetime, timedelta

from marketplace.core.demo import demo_keypair
from marketplace.wallets.models import Wallet

from . import services
from .models import AccessPolicy, Category, DataNFT

NAME = "City traffic — Main St. sensor"
HOURS = 7 * 24


def traffic(start: datetime, hours: int, seed: int = 7) -> list[float]:
    """Vehicles per hour from `start`: a morning and an evening rush over a quiet night,
    quieter weekends, a slow upward trend, and noise from a seeded RNG (the same every
    run)."""
    rng = random.Random(seed)
    values = []
    for hour in range(hours):
        at = start + timedelta(hours=hour)
        clock = at.hour
        rush = 380 * math.exp(-((clock - 8) ** 2) / 4) + 420 * math.exp(-((clock - 17.5) ** 2) / 5)
        daytime = 160 * max(0.0, math.sin(math.pi * (clock - 5) / 18))
        weekend = 0.6 if at.weekday() >= 5 else 1.0
        trend = 1 + 0.01 * hour / 24
        noise = rng.gauss(0, 15)
        values.append(round(max(0.0, (40 + daytime + rush) * weekend * trend + noise), 1))
    return values


def seed(stdout) -> None:
    owner, _ = Wallet.objects.get_or_create(public_key=demo_keypair("Charlie").public_key.hex())
    if DataNFT.objects.filter(owner=owner, name=NAME).exists():
        return
    nft = services.mint_data_nft(
        owner,
        name=NAME,
        description="Vehicles per hour counted by an inductive loop at Main St. & 5th Ave., "
        "both directions.",
        category=Category.SMART_CITY,
        sensor_type="inductive loop vehicle counter",
        data_format="json",
        update_frequency="hourly",
        content_ref="ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        access_policy=AccessPolicy.SUBSCRIPTION,
        asset="DOT",
        price_per_hour=10**8,  # 0.01 DOT
        location="Main St. & 5th Ave.",
    )
    # The week that ended at the last midnight (UTC), so the demo data looks current.
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        hours=HOURS
    )
    readings = [
        {"ts": start + timedelta(hours=h), "value": v, "extra": {"unit": "vehicles/h"}}
        for h, v in enumerate(traffic(start, HOURS))
    ]
    services.publish_readings(owner, nft_id=nft.pk, readings=readings)
    stdout.write(f"Data NFT #{nft.pk} {NAME!r} (//Charlie) with {len(readings)} hourly readings")
