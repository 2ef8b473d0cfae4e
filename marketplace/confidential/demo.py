"""Demo data: //Dave as an approved TEE worker, so the `tee` process of `make run` (the
reference worker agent) takes confidential jobs. The worker must also be a compute
provider offering `tee` with stake (docs/CONFIDENTIAL.md). Its X25519 key lives in the
same file the agent is started with; the seed creates it first. Idempotent."""

from pathlib import Path

from django.conf import settings

from marketplace.agents import tee
from marketplace.core.demo import demo_keypair
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.wallets.models import Wallet

from . import services
from .models import TeeWorker, WorkerStatus


def seed(stdout) -> None:
    key_file = Path(settings.VAR_DIR) / "agents" / "tee-dave.key"
    key = tee.load_or_create_key(key_file)
    public_key = bytes(key.public_key).hex()
    dave = Wallet.objects.get_or_create(public_key=demo_keypair("Dave").public_key.hex())[0]
    if not Provider.objects.filter(wallet=dave).exists():
        provider_services.register_provider(
            dave,
            name="PolkaMesh reference TEE worker",
            capabilities=["tee"],
            regions=[],
            pricing={"tee": 5 * 10**9},
            stake=settings.PM_MIN_STAKE,
            idempotency_key="demo:confidential:provider",
        )
    worker = TeeWorker.objects.filter(wallet=dave).first()
    if worker is None:
        worker = services.register_tee_worker(
            dave, encryption_public_key=public_key, attestation_report=tee.REPORT
        )
    if worker.encryption_public_key != public_key:
        stdout.write(f"TEE worker //Dave is registered with another key than {key_file}.")
        return
    if worker.status == WorkerStatus.PENDING:
        services.approve_tee_worker(worker.pk)
    stdout.write(f"TEE worker //Dave approved (its key: {key_file})")
