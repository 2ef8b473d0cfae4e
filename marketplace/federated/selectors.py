"""Reads of federated training: a job as its researcher sees it (rounds, never the
per-NFT updates), a task as its provider needs it, and a data owner's training income."""

from django.conf import settings
from django.db.models import Count, F, QuerySet, Sum

from ledger import services as ledger
from marketplace.core import errors
from marketplace.core.identity import address_of
from marketplace.jobs.models import JobStatus

from .models import FederatedJob, Participant, Round, Task


def federated_jobs(owner_key: str) -> QuerySet[FederatedJob]:
    return FederatedJob.objects.filter(owner__public_key=owner_key).prefetch_related(
        "participants", "history"
    )


def federated_job(federated_job_id: int, viewer: str | None) -> FederatedJob:
    """The job for its researcher: NotFound if unknown, Forbidden for anyone else."""
    found = (
        FederatedJob.objects.select_related("owner")
        .prefetch_related("participants__nft__owner", "history")
        .filter(pk=federated_job_id)
        .first()
    )
    if found is None:
        raise errors.NotFound(f"There is no federated job {federated_job_id}.")
    if viewer is None or found.owner.public_key != viewer:
        raise errors.Forbidden("Only the researcher who submitted it sees a federated job.")
    return found


def payouts(federated: FederatedJob) -> list[dict]:
    """What the job has paid so far: each data owner `price_per_round` for every round
    aggregated, each provider the price of its settled tasks minus the platform fee,
    and, once it ended, the refund to the researcher. Addresses are SS58."""
    rows = [
        {
            "role": "data_owner",
            "data_nft_id": p.nft_id,
            "to": address_of(p.nft.owner.public_key),
            "amount": p.price_per_round * federated.round,
        }
        for p in federated.participants.all()
    ]
    spent = sum(row["amount"] for row in rows)
    providers: dict[str, dict] = {}
    settled = Task.objects.filter(federated=federated, job__status=JobStatus.SETTLED)
    for price, key in settled.values_list(
        "job__price", "job__assigned_provider__wallet__public_key"
    ):
        row = providers.setdefault(
            key, {"role": "provider", "to": address_of(key), "tasks": 0, "amount": 0}
        )
        row["tasks"] += 1
        row["amount"] += int(price) - ledger.fee_for(int(price), settings.PM_FEE_BPS)
        spent += int(price)
    rows.extend(providers[key] for key in sorted(providers))
    if not federated.is_running:
        rows.append(
            {
                "role": "refund",
                "to": federated.owner.address,
                "amount": federated.budget - spent,
            }
        )
    return rows


def current_tasks(federated: FederatedJob) -> list[dict]:
    """The running round's tasks as the researcher may see them: which NFT, which
    attempt, and the job's status; never an update."""
    return [
        {
            "data_nft_id": t["participant__nft_id"],
            "attempt": t["attempt"],
            "status": t["job__status"],
            "status_label": JobStatus(t["job__status"]).label,
            "job_id": t["job_id"],
        }
        for t in Task.objects.filter(federated=federated, round=federated.round + 1)
        .order_by("participant_id", "attempt")
        .values("participant__nft_id", "attempt", "job__status", "job_id")
    ]


def task_for_provider(job_id: int, provider_key: str) -> Task:
    """What the assigned provider of a task needs to train: NotFound for an unknown
    task, Forbidden for anyone but its assigned provider."""
    task = (
        Task.objects.select_related("federated", "participant", "job__assigned_provider__wallet")
        .filter(job_id=job_id)
        .first()
    )
    if task is None:
        raise errors.NotFound(f"Job {job_id} is not a federated training task.")
    provider = task.job.assigned_provider
    if provider is None or provider.wallet.public_key != provider_key:
        raise errors.Forbidden("Only the task's assigned provider may read it.")
    return task


def training_income(owner_key: str) -> list[dict]:
    """Per NFT the wallet owns now: what federated jobs paid for it (price per round x
    rounds aggregated), and in how many jobs and rounds."""
    rows = (
        Participant.objects.filter(nft__owner__public_key=owner_key)
        .values("nft_id", "nft__name", "nft__asset")
        .annotate(
            jobs=Count("federated", distinct=True),
            rounds=Sum("federated__round"),
            amount=Sum(F("price_per_round") * F("federated__round")),
        )
        .order_by("nft_id")
    )
    return [
        {
            "nft_id": row["nft_id"],
            "name": row["nft__name"],
            "asset": row["nft__asset"],
            "jobs": row["jobs"],
            "rounds": row["rounds"] or 0,
            "amount": int(row["amount"] or 0),
        }
        for row in rows
    ]


def rounds_of(federated: FederatedJob) -> QuerySet[Round]:
    return federated.history.all()
