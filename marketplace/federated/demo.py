"""Demo data: three air-quality stations whose readings follow one known relation,
offered for federated training, so the demo market can train a model across them.

pm25 = 0.8 * traffic - 2.5 * wind + 12 + noise (traffic in hundreds of vehicles per
hour, wind in m/s), each station with its own traffic and wind and a seeded RNG, so
the values are the same on every run. docs/FEDERATED.md, "Demo"."""

import random
from datetime import UTC, datetime, timedelta

from marketplace.core.demo import STATION_OWNERS, demo_keypair
from marketplace.datanft import services as data_services
from marketplace.datanft.models import AccessPolicy, Category, DataNFT
from marketplace.wallets.models import Wallet

NAME = "Air quality — station"  # + the station's name; the demo market finds them by it
STATIONS = tuple(
    zip(STATION_OWNERS, ("Harbour", "Old Town", "Ring Road"), (6.0, 9.0, 14.0), strict=True)
)
HOURS = 21 * 24
RELATION = (0.8, -2.5, 12.0)  # traffic, wind, intercept
PRICE_PER_ROUND = 10**8  # 0.01 DOT


def readings(start: datetime, traffic_level: float, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    a, b, c = RELATION
    for hour in range(HOURS):
        traffic = max(0.0, rng.gauss(traffic_level, 3.0))
        wind = max(0.0, rng.gauss(4.0, 2.0))
        pm25 = a * traffic + b * wind + c + rng.gauss(0, 1.0)
        rows.append(
            {
                "ts": start + timedelta(hours=hour),
                "value": round(pm25, 2),
                "extra": {
                    "traffic": round(traffic, 2),
                    "wind": round(wind, 2),
                    "pm25": round(pm25, 2),
                },
            }
        )
    return rows


def seed(stdout) -> None:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        hours=HOURS
    )
    for index, (owner_name, station, traffic_level) in enumerate(STATIONS):
        owner, _ = Wallet.objects.get_or_create(
            public_key=demo_keypair(owner_name).public_key.hex()
        )
        name = f"{NAME} {station}"
        if DataNFT.objects.filter(owner=owner, name=name).exists():
            continue
        nft = data_services.mint_data_nft(
            owner,
            name=name,
            description=f"Hourly PM2.5 (µg/m³) with traffic (100 vehicles/h) and wind (m/s) at "
            f"{station}. Offered for federated training: models come to the data.",
            category=Category.IOT,
            sensor_type="optical PM2.5 sensor",
            data_format="json",
            update_frequency="hourly",
            content_ref=f"ipfs://air-quality-{station.lower().replace(' ', '-')}",
            access_policy=AccessPolicy.SUBSCRIPTION,
            asset="DOT",
            price_per_hour=10**8,
            location=station,
            training_allowed=True,
            training_price_per_round=PRICE_PER_ROUND,
        )
        rows = readings(start, traffic_level, seed=100 + index)
        for first in range(0, len(rows), 1000):
            data_services.publish_readings(
                owner, nft_id=nft.pk, readings=rows[first : first + 1000]
            )
        stdout.write(
            f"Data NFT #{nft.pk} {name!r} (//{owner_name}) with {len(rows)} hourly readings, "
            "offered for training"
        )
