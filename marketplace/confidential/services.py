"""Confidential job services: every change to TEE workers and confidential jobs.

Money and job statuses move only through `marketplace.jobs.services` (the escrow hold,
the direct assignment, the settlement); this module keeps the sealed side and checks
the attestation before it asks the jobs services to pay."""

import base64
import hashlib

from django.db import transaction
from django.utils import timezone

from marketplace.core import errors
from marketplace.jobs import services as job_services
from marketplace.providers.models import Capability
from marketplace.realtime.events import publish, user_group
from marketplace.wallets.models import Wallet
from marketplace.wallets.signing import verify_signature

from . import selectors
from .models import ConfidentialJob, Outcome, TeeWorker, WorkerStatus

# The underlying job is public (GET /api/jobs): it names no model and no data, only the
# hash of the sealed payload.
SEALED_MODEL_REF = "sealed"


def register_tee_worker(
    wallet: Wallet, *, encryption_public_key: str, attestation_report: str
) -> TeeWorker:
    """Register the wallet as a TEE worker, pending until staff approve it. The wallet
    is the worker's signing key; `encryption_public_key` (X25519, lowercase hex) is the
    key buyers seal payloads to. Preconditions: the wallet is not a worker yet (else
    Duplicate)."""
    with transaction.atomic():
        if TeeWorker.objects.filter(wallet=wallet).exists():
            raise errors.Duplicate("This wallet is already registered as a TEE worker.")
        return TeeWorker.objects.create(
            wallet=wallet,
            encryption_public_key=encryption_public_key,
            attestation_report=attestation_report,
        )


def submit_confidential_job(
    wallet: Wallet,
    *,
    worker: str,
    encrypted_payload: bytes,
    asset: str,
    budget: int,
    deadline,
    idempotency_key: str,
) -> ConfidentialJob:
    """Order a confidential job from the approved worker whose wallet key is `worker`:
    hold the budget in escrow and assign the underlying job (privacy required, compute
    type tee) to the worker at the full budget; keep only the sealed box and its sha256.

    Preconditions: the worker is registered (else NotFound) and approved (else
    InvalidState); those of `jobs.services.submit_direct_job` (budget ≥ minimum,
    deadline far enough, the worker is an active tee provider with the minimum stake
    and not the buyer, the budget is available)."""
    payload_hash = hashlib.sha256(encrypted_payload).hexdigest()
    with transaction.atomic():
        tee = selectors.worker_of_key(worker)
        if tee is None:
            raise errors.NotFound(
                "No TEE worker has this address.", {"worker": "No TEE worker has this address."}
            )
        if tee.status != WorkerStatus.APPROVED:
            raise errors.InvalidState(f"That TEE worker is {tee.status}.", {"worker": tee.status})
        job = job_services.submit_direct_job(
            wallet,
            provider_key=worker,
            idempotency_key=idempotency_key,
            attested_delivery=True,
            model_ref=SEALED_MODEL_REF,
            data_ref=f"sealed:{payload_hash}",
            compute_type=Capability.TEE,
            asset=asset,
            budget=budget,
            deadline=deadline,
            privacy_required=True,
        )
        confidential = ConfidentialJob.objects.create(
            job=job,
            worker=tee,
            encrypted_payload=base64.b64encode(encrypted_payload).decode(),
            payload_hash=payload_hash,
        )
        publish(
            [user_group(worker)],
            "confidential_job.assigned",
            {"id": confidential.pk, "job_id": job.pk, "payload_hash": payload_hash},
        )
    return confidential


def record_attestation(
    wallet: Wallet,
    *,
    job_id: int,
    result_hash: str,
    attestation_proof: bytes,
    encrypted_result: bytes | None = None,
    outcome: str = Outcome.SUCCESS,
) -> ConfidentialJob:
    """The worker attests confidential job `job_id`: a valid proof settles the
    underlying job (price - fee to the worker, the fee to the treasury). With `outcome`
    "error" the worker attests that it could not run the job (the sealed result says
    why): the escrow returns to the owner and the job is cancelled, nothing paid.

    Preconditions: the job exists (else NotFound); the wallet is its worker (else
    Forbidden), still approved (else InvalidState); the proof is the worker wallet's
    signature over `"{job_id}:{payload_hash}:{result_hash}"` (else InvalidParams); the
    underlying job is assigned or in progress (else InvalidState: a settled job cannot
    be attested twice) and before its deadline (else DeadlinePassed)."""
    with transaction.atomic():
        confidential = selectors.confidential_job(job_id)
        tee = confidential.worker
        if tee.wallet_id != wallet.pk:
            raise errors.Forbidden("Only the job's TEE worker may attest it.")
        if tee.status != WorkerStatus.APPROVED:
            raise errors.InvalidState(f"This TEE worker is {tee.status}.")
        message = confidential.attestation_message(result_hash).encode()
        if verify_signature(tee.wallet.public_key, message, attestation_proof) is None:
            raise errors.InvalidParams(
                "The proof is not the worker's signature over this job, its payload hash "
                "and this result hash.",
                {"attestation_proof": "does not verify"},
            )
        if outcome == Outcome.ERROR:
            confidential.job = job_services.refund_failed_attested_job(
                wallet,
                job_id=confidential.job_id,
                result_hash=result_hash,
                note=f"TEE worker {tee.wallet.address} could not run it; refunded",
            )
        else:
            confidential.job = job_services.settle_attested_job(
                wallet,
                job_id=confidential.job_id,
                result_hash=result_hash,
                note=f"attested by TEE worker {tee.wallet.address}",
            )
        confidential.outcome = outcome
        confidential.result_hash = result_hash
        confidential.attestation_proof = "0x" + attestation_proof.hex()
        confidential.encrypted_result = (
            base64.b64encode(encrypted_result).decode() if encrypted_result else ""
        )
        confidential.attested_at = timezone.now()
        confidential.save(
            update_fields=[
                "outcome",
                "result_hash",
                "attestation_proof",
                "encrypted_result",
                "attested_at",
            ]
        )
    return confidential


# --- Staff -------------------------------------------------------------------------------


def approve_tee_worker(worker_id: int) -> TeeWorker:
    """Staff trust the worker's operator: buyers may now seal jobs to it. Preconditions:
    the worker is pending (else InvalidState; a revoked worker stays revoked)."""
    with transaction.atomic():
        tee = _lock_worker(worker_id)
        if tee.status != WorkerStatus.PENDING:
            raise errors.InvalidState(f"The worker is {tee.status}, not pending.")
        tee.status = WorkerStatus.APPROVED
        tee.approved_at = timezone.now()
        tee.save(update_fields=["status", "approved_at"])
    return tee


def revoke_tee_worker(worker_id: int, *, reason: str) -> TeeWorker:
    """Staff withdraw their trust: the worker takes no new jobs, its attestations are
    refused, and `verify_attestation` reports the revocation on the ones it made. Its
    open jobs are left to their owners (cancel) or to the deadline sweep (refund).
    Preconditions: the worker is not revoked yet (else InvalidState); a reason is given
    (else InvalidParams)."""
    if not reason.strip():
        raise errors.InvalidParams("Say why the worker is revoked.", {"reason": "required"})
    with transaction.atomic():
        tee = _lock_worker(worker_id)
        if tee.status == WorkerStatus.REVOKED:
            raise errors.InvalidState("The worker is already revoked.")
        tee.status = WorkerStatus.REVOKED
        tee.revoked_at = timezone.now()
        tee.revocation_reason = reason
        tee.save(update_fields=["status", "revoked_at", "revocation_reason"])
    return tee


def _lock_worker(worker_id: int) -> TeeWorker:
    tee = TeeWorker.objects.select_for_update(of=("self",)).filter(pk=worker_id).first()
    if tee is None:
        raise errors.NotFound("No such TEE worker.")
    return tee
