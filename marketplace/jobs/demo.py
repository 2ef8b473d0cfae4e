"""Demo data: //Bob as a cpu provider and two jobs //Alice already bought from him over
//Charlie's traffic sensor (a forecast and an anomaly scan), run with the real
built-in runners and settled, so the job pages have history before the living market
(`demo_market`, the provider agent) adds more. Idempotent: nothing is done once
//Alice has a job."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from marketplace.agents import runners
from marketplace.core.demo import demo_keypair
from marketplace.datanft import demo as datanft_demo
from marketplace.datanft import selectors as datanft_selectors
from marketplace.datanft import services as datanft_services
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.wallets.models import Wallet

from . import services
from .models import Job

JOBS = (("builtin:forecast", {"horizon": 24}), ("builtin:anomaly", {}))
PRICE = 5 * 10**9  # 0.5 DOT, what the Procfile's provider agent bids
BUDGET = 10**10  # 1 DOT


def _wallet(name: str) -> Wallet:
    return Wallet.objects.get_or_create(public_key=demo_keypair(name).public_key.hex())[0]


def seed(stdout) -> None:
    alice, bob = _wallet("Alice"), _wallet("Bob")
    if Job.objects.filter(owner=alice).exists():
        return
    # load_demo seeds apps in INSTALLED_APPS order, jobs before datanft: the NFT first
    # (a no-op when it exists).
    datanft_demo.seed(stdout)
    nft = datanft_selectors.nfts(q=datanft_demo.NAME).get()
    datanft_services.purchase_subscription(
        alice, nft_id=nft.pk, hours=24, idempotency_key="demo:jobs:subscription"
    )
    if not Provider.objects.filter(wallet=bob).exists():
        provider_services.register_provider(
            bob,
            name="PolkaMesh reference provider",
            capabilities=runners.capabilities(),
            regions=[],
            pricing={cap: PRICE for cap in runners.capabilities()},
            stake=settings.PM_MIN_STAKE,
            idempotency_key="demo:jobs:provider",
        )
    readings = [
        {"ts": r.ts.isoformat(), "value": r.value} for r in datanft_selectors.readings(nft.pk)
    ]
    for number, (model_ref, options) in enumerate(JOBS, start=1):
        job = services.submit_job(
            alice,
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
        bid = services.submit_bid(bob, job_id=job.pk, price=PRICE, sla_seconds=600)
        services.assign_provider(alice, job_id=job.pk, bid_id=bid.pk)
        services.mark_in_progress(bob, job_id=job.pk)
        document = runners.get(model_ref)({**options, "readings": readings})
        services.submit_result(
            bob,
            job_id=job.pk,
            result_ref="inline",
            result_hash=runners.result_hash(document),
            result_content=document,
        )
        services.accept_result(alice, job_id=job.pk)
        stdout.write(f"Job #{job.pk} {model_ref} over Data NFT #{nft.pk}: run by //Bob, settled")
