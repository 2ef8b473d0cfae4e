"""Demo data: the demo city's (//DemoCity) traffic sensor with a week of hourly
readings, the model gallery fitted on them (marketplace/artifacts/gallery.py: ONNX
models, public artifacts of the sensor's owner), and the demo provider (//DemoProvider)
as a cpu provider with two jobs the demo buyer (//DemoBuyer) already bought from it over
that sensor (a forecast and an anomaly scan), run with the real built-in runners and
settled, so the job pages have history before the living market (`demo_market`, the
provider agent) adds more. Idempotent: no second sensor; the same readings give the
same models; no job once the demo buyer has one."""

import math
import random
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from marketplace.agents import runners
from marketplace.artifacts import gallery
from marketplace.core.demo import BUYER, PROVIDER, SENSOR_OWNER, demo_keypair, uri
from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.wallets.models import Wallet

from . import selectors, services
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
    sensor(stdout)
    model_gallery(stdout)
    jobs_over_sensor(stdout)


def sensor(stdout) -> None:
    owner, _ = Wallet.objects.get_or_create(public_key=demo_keypair(SENSOR_OWNER).public_key.hex())
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
    stdout.write(
        f"Data NFT #{nft.pk} {NAME!r} ({uri(SENSOR_OWNER)}) with {len(readings)} hourly readings"
    )


def model_gallery(stdout) -> None:
    readings = list(selectors.readings(selectors.nfts(q=NAME).get().pk))
    values = [r.value for r in readings]
    hours = [r.ts.astimezone(UTC).hour for r in readings]
    for artifact in gallery.install(_wallet(SENSOR_OWNER), values, hours):
        stdout.write(
            f"Gallery model {artifact.name!r} {artifact.cid[:19]}… ({uri(SENSOR_OWNER)}, public)"
        )


JOBS = (("builtin:forecast", {"horizon": 24}), ("builtin:anomaly", {}))
PRICE = 5 * 10**9  # 0.5 DOT, what the Procfile's provider agent bids
BUDGET = 10**10  # 1 DOT


def _wallet(name: str) -> Wallet:
    return Wallet.objects.get_or_create(public_key=demo_keypair(name).public_key.hex())[0]


def jobs_over_sensor(stdout) -> None:
    buyer, provider = _wallet(BUYER), _wallet(PROVIDER)
    if Job.objects.filter(owner=buyer).exists():
        return
    nft = selectors.nfts(q=NAME).get()
    services.purchase_subscription(
        buyer, nft_id=nft.pk, hours=24, idempotency_key="demo:jobs:subscription"
    )
    if not Provider.objects.filter(wallet=provider).exists():
        provider_services.register_provider(
            provider,
            name="PolkaMesh reference provider",
            capabilities=runners.capabilities(),
            regions=[],
            pricing={cap: PRICE for cap in runners.capabilities()},
            stake=settings.PM_MIN_STAKE,
            idempotency_key="demo:jobs:provider",
        )
    readings = [{"ts": r.ts.isoformat(), "value": r.value} for r in selectors.readings(nft.pk)]
    for number, (model_ref, options) in enumerate(JOBS, start=1):
        job = job_services.submit_job(
            buyer,
            model_ref=model_ref,
            data_ref="inline:" + runners.canonical(options).decode(),
            data_nft_id=nft.pk,
            compute_type="cpu",
            asset="DOT",
            budget=BUDGET,
            deadline=timezone.now() + timedelta(hours=1),
            privacy_required=False,
            idempotency_key=f"demo:jobs:{number}",
        )
        bid = job_services.submit_bid(provider, job_id=job.pk, price=PRICE, sla_seconds=600)
        job_services.assign_provider(buyer, job_id=job.pk, bid_id=bid.pk)
        job_services.mark_in_progress(provider, job_id=job.pk)
        document = runners.get(model_ref)({**options, "readings": readings})
        job_services.submit_result(
            provider,
            job_id=job.pk,
            result_ref="inline",
            result_hash=runners.result_hash(document),
            result_content=document,
        )
        job_services.accept_result(buyer, job_id=job.pk)
        stdout.write(
            f"Job #{job.pk} {model_ref} over Data NFT #{nft.pk}: run by {uri(PROVIDER)}, settled"
        )
