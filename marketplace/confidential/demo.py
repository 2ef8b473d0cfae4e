"""Demo data: the demo's TEE worker (//DemoTee) approved, so the `tee` process of `make run` (the
reference worker agent) takes confidential jobs. The worker must also be a compute
provider offering `tee` with stake (docs/CONFIDENTIAL.md). Its X25519 key lives in the
same file the agent is started with; the seed creates it first. Idempotent."""

from pathlib import Path

from django.conf import settings

from marketplace.agents import tee
from marketplace.core.demo import TEE_WORKER, demo_keypair, uri
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.wallets.models import Wallet

from . import services
from .models import TeeWorker, WorkerStatus


def seed(stdout) -> None:
    key_file = Path(settings.VAR_DIR) / "agents" / "tee-worker.key"
    key = tee.load_or_create_key(key_file)
    public_key = bytes(key.public_key).hex()
    worker_wallet = Wallet.objects.get_or_create(
        public_key=demo_keypair(TEE_WORKER).public_key.hex()
    )[0]
    if not Provider.objects.filter(wallet=worker_wallet).exists():
        provider_services.register_provider(
            worker_wallet,
            name="PolkaMesh reference TEE worker",
            capabilities=["tee"],
            regions=[],
            pricing={"tee": 5 * 10**9},
            stake=settings.PM_MIN_STAKE,
            idempotency_key="demo:confidential:provider",
        )
    worker = TeeWorker.objects.filter(wallet=worker_wallet).first()
    if worker is None:
        worker = services.register_tee_worker(
            worker_wallet, encryption_public_key=public_key, attestation_report=tee.REPORT
        )
    if worker.encryption_public_key != public_key:
        stdout.write(
            f"TEE worker {uri(TEE_WORKER)} is registered with another key than {key_file}."
        )
        return
    if worker.status == WorkerStatus.PENDING:
        services.approve_tee_worker(worker.pk)
    stdout.write(f"TEE worker {uri(TEE_WORKER)} approved (its key: {key_file})")
