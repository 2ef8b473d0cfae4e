"""Every state change of federated training: one function per signed action (named like
the action), the rounds, and the job queue's hook for tasks that did not finish.

A federated job does not run tasks itself: each round opens one job of the job queue
per Data NFT (`jobs.services.open_task`), which providers bid on, which is auto-assigned
by score when its bid window closes, and whose deadline, expiry and slashing are the
queue's. Those jobs' escrows are funded out of the federated job's hold and return to
it what they do not pay out, so the researcher's budget stays in one place.

Locks: a task's job row first (the queue locks it), then the federated job row. A round
ends in one transaction: aggregate, release each task's escrow to its provider, pay each
data owner the round's price, and open the next round (or close the hold)."""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core import errors
from marketplace.core.canonical import canonical_json
from marketplace.datanft import selectors as data_selectors
from marketplace.datanft.models import DataNFT
from marketplace.jobs import services as job_services
from marketplace.jobs.models import UNDELIVERED, DataGrant, JobStatus
from marketplace.realtime.events import publish, user_group
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from . import aggregation
from .models import FederatedJob, FederatedStatus, Participant, Round, Task

MODEL_REF = "federated:"  # + the model kind: what a task's job asks providers to run
COMPUTE_TYPE = "cpu"


def reference(federated: FederatedJob) -> str:
    return f"federated:{federated.pk}"


def submit_federated_job(
    wallet: Wallet,
    *,
    model: str,
    features: list[str],
    target: str,
    data_nft_ids: list[int],
    rounds: int,
    asset: str,
    budget: int,
    deadline: datetime,
    idempotency_key: str,
) -> FederatedJob:
    """Hold the budget in escrow and open round 1.

    The budget pays, for every round, each NFT's `price_per_round` and one task per
    NFT; what is left after the data prices, split evenly over all tasks, is the most a
    task may cost (`task_budget`, at least the asset's minimum job budget).

    Preconditions (the params serializer checks shapes): every NFT exists (else
    NotFound), is offered for training (else DataAccessRequired) in `asset` (else
    InvalidParams), and its newest readings carry every feature and the target as
    numbers (else InvalidParams); the deadline leaves room for a task (else
    InvalidParams); the budget covers the data prices and the minimum task budgets
    (else BelowMinimum); it is available (else InsufficientFunds)."""
    now = timezone.now()
    if deadline < now + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS):
        raise errors.InvalidParams(
            f"The deadline must be at least {settings.PM_MIN_DEADLINE_SECONDS} s away.",
            {"deadline": "too soon"},
        )
    with transaction.atomic():
        nfts = _training_nfts(data_nft_ids, asset, [*features, target])
        data_total = rounds * sum(item.training_price_per_round for item in nfts)
        tasks = rounds * len(nfts)
        task_budget = (budget - data_total) // tasks if budget > data_total else 0
        minimum = settings.PM_MIN_BUDGET.get(asset, 1)
        if task_budget < minimum:
            needed = data_total + tasks * minimum
            raise errors.BelowMinimum(
                f"The budget must cover the data ({data_total}) and {tasks} tasks of at "
                f"least {minimum}: at least {needed} {asset}.",
                {"budget": "below minimum"},
            )
        federated = FederatedJob.objects.create(
            owner=wallet,
            model=model,
            features=features,
            target=target,
            rounds=rounds,
            asset=asset,
            budget=budget,
            task_budget=task_budget,
            deadline=deadline,
            global_weights=[0.0] * (len(features) + 1),
        )
        hold = ledger.create_hold(
            payer=ledger.user_account(wallet.public_key, asset),
            amount=budget,
            kind=TransferKind.ESCROW_HOLD,
            reference=reference(federated),
            idempotency_key=idempotency_key,
        )
        federated.escrow_hold_id = hold.id
        federated.save(update_fields=["escrow_hold_id"])
        Participant.objects.bulk_create(
            Participant(
                federated=federated, nft=item, price_per_round=item.training_price_per_round
            )
            for item in nfts
        )
        notify_balance(wallet.public_key)
        _open_round(federated, 1, now)
    return federated


def _training_nfts(nft_ids: list[int], asset: str, fields: list[str]) -> list[DataNFT]:
    found = {item.pk: item for item in DataNFT.objects.filter(pk__in=nft_ids)}
    nfts = []
    for index, nft_id in enumerate(nft_ids):
        item = found.get(nft_id)
        field = f"data_nft_ids.{index}"
        if item is None:
            raise errors.NotFound(f"Data NFT {nft_id} does not exist.")
        if not item.training_allowed:
            raise errors.DataAccessRequired(
                f"Data NFT {nft_id} is not offered for training.", {field: "not offered"}
            )
        if item.asset != asset:
            raise errors.InvalidParams(
                f"Data NFT {nft_id} is priced in {item.asset}, not {asset}.",
                {field: f"priced in {item.asset}"},
            )
        missing = data_selectors.fields_not_numeric(nft_id, fields)
        if missing:
            raise errors.InvalidParams(
                f"The readings of Data NFT {nft_id} do not all carry {', '.join(missing)} "
                "as numbers.",
                {field: f"no numeric {', '.join(missing)}"},
            )
        nfts.append(item)
    return nfts


def submit_federated_update(
    wallet: Wallet,
    *,
    federated_job_id: int,
    job_id: int,
    weights: list[float],
    n_samples: int,
    loss: float,
    stats: dict | None = None,
) -> Task:
    """A task's provider returns its local update; the round is aggregated when its
    last update arrives.

    Preconditions: the task exists in this federated job (else NotFound); the wallet is
    its assigned provider, before the task's deadline (the job queue's checks:
    Forbidden, InvalidState, DeadlinePassed); the federated job is running this round
    (else InvalidState); one weight per feature plus the bias and n_samples at most the
    NFT's readings (else InvalidParams)."""
    now = timezone.now()
    with transaction.atomic():
        task = (
            Task.objects.select_related("participant")
            .filter(federated_id=federated_job_id, job_id=job_id)
            .first()
        )
        if task is None:
            raise errors.NotFound(f"Federated job {federated_job_id} has no task {job_id}.")
        update = {"weights": weights, "n_samples": n_samples, "loss": loss}
        digest = hashlib.sha256(canonical_json(update).encode()).hexdigest()
        # The queue locks the task's job and checks the provider, status and deadline.
        job_services.deliver_verified(
            wallet,
            job_id=job_id,
            result_ref=f"federated:{federated_job_id}:round:{task.round}",
            result_hash=digest,
            note="update delivered",
        )
        federated = _lock(federated_job_id)
        if not federated.is_running or task.round != federated.round + 1:
            raise errors.InvalidState(f"Round {task.round} of this job is not running.")
        if len(weights) != len(federated.features) + 1:
            raise errors.InvalidParams(
                f"Send {len(federated.features) + 1} weights: one per feature, then the bias.",
                {"weights": "wrong length"},
            )
        if n_samples > data_selectors.readings_count(task.participant.nft_id):
            raise errors.InvalidParams(
                "More samples than the Data NFT has readings.", {"n_samples": "too many"}
            )
        task.weights, task.n_samples, task.loss, task.stats = weights, n_samples, loss, stats
        task.delivered_at = now
        task.save(update_fields=["weights", "n_samples", "loss", "stats", "delivered_at"])
        delivered = _delivered(federated, task.round)
        if len(delivered) == federated.participants.count():
            _close_round(federated, delivered, now)
    return task


def _delivered(federated: FederatedJob, number: int) -> list[Task]:
    return list(
        federated.tasks.filter(round=number, delivered_at__isnull=False)
        .select_related("participant__nft__owner")
        .order_by("participant_id")
    )


def _close_round(federated: FederatedJob, delivered: list[Task], now: datetime) -> None:
    """Aggregate the round, pay it (tasks and data) and open the next one or finish, in
    the caller's transaction."""
    number = delivered[0].round
    result = aggregation.fedavg(
        [aggregation.Update(t.weights, t.n_samples, t.loss) for t in delivered]
    )
    Round.objects.create(
        federated=federated,
        number=number,
        loss=result.loss,
        contributors=result.contributors,
        n_samples=result.n_samples,
        weights=result.weights,
        completed_at=now,
    )
    for task in delivered:
        job_services.release_verified(task.job_id, note=f"round {number} aggregated")
    hold = ledger.get_hold(federated.escrow_hold_id)
    payouts = [
        (
            ledger.user_account(task.participant.nft.owner.public_key, federated.asset),
            task.participant.price_per_round,
            TransferKind.TRAINING_DATA,
        )
        for task in delivered
    ]
    federated.round = number
    federated.global_weights = result.weights
    if number == federated.rounds:
        ledger.post_hold(
            hold, payouts, reference=reference(federated), return_kind=TransferKind.ESCROW_REFUND
        )
        federated.status = FederatedStatus.COMPLETED
        federated.finished_at = now
        notify_balance(federated.owner.public_key)
    else:
        ledger.pay_from_hold(hold, payouts, reference=reference(federated))
    federated.save(update_fields=["round", "global_weights", "status", "finished_at"])
    for task in delivered:
        notify_balance(task.participant.nft.owner.public_key)
    _notify(federated, now)
    if federated.is_running:
        _open_round(federated, number + 1, now)


def _open_round(federated: FederatedJob, number: int, now: datetime) -> None:
    for participant in federated.participants.select_related("nft"):
        if _offer(federated, participant, number, 1, now) is None:
            _end(federated, FederatedStatus.EXPIRED, "no time left for a task", now)
            return


def _offer(
    federated: FederatedJob, participant: Participant, number: int, attempt: int, now: datetime
) -> Task | None:
    """Open the task of `participant` in round `number` as a job of the queue; None if
    the federated deadline leaves no room for one."""
    deadline = min(federated.deadline, now + timedelta(seconds=settings.PM_FEDERATED_TASK_SECONDS))
    if deadline < now + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS):
        return None
    job = job_services.open_task(
        federated.owner,
        funded_by_hold=federated.escrow_hold_id,
        model_ref=MODEL_REF + federated.model,
        data_ref=reference(federated),
        data_nft_id=participant.nft_id,
        data_grant=DataGrant.TRAINING,
        compute_type=COMPUTE_TYPE,
        asset=federated.asset,
        budget=federated.task_budget,
        deadline=deadline,
        idempotency_key=f"{reference(federated)}:{number}:{participant.nft_id}:{attempt}",
    )
    return Task.objects.create(
        federated=federated, participant=participant, round=number, attempt=attempt, job=job
    )


def task_unfinished(job) -> None:
    """The job queue's `job_unfinished` hook: a task's job expired (its provider was
    slashed as for any job, or nobody bid) or its owner cancelled it; its escrow is back
    in our hold. The first miss of a task is offered again; a second one, or no time
    left for it, ends the whole job, refunding what was not earned."""
    task = Task.objects.filter(job_id=job.pk).select_related("participant").first()
    if task is None:
        return
    now = timezone.now()
    federated = _lock(task.federated_id)
    if not federated.is_running or task.round != federated.round + 1:
        return  # the job already ended (it is closing its own tasks) or moved on
    if task.attempt == 1 and _offer(federated, task.participant, task.round, 2, now):
        return
    if task.attempt == 1:
        _end(federated, FederatedStatus.EXPIRED, "no time left to offer a task again", now)
    else:
        reason = f"round {task.round}: the task on Data NFT {task.participant.nft_id} failed twice"
        _end(federated, FederatedStatus.FAILED, reason, now)


def _end(federated: FederatedJob, status: str, reason: str, now: datetime) -> None:
    """Stop a running job: tasks still open are withdrawn (nobody is slashed), updates
    already delivered are paid to their providers (they earned it), the data prices of
    this unfinished round are not paid, and the rest of the hold returns to the
    researcher."""
    number = federated.round + 1
    for task in federated.tasks.filter(round=number).select_related("job"):
        if task.job.status in UNDELIVERED:
            job_services.withdraw_task(task.job_id, note=f"federated job {status}")
        elif task.job.status == JobStatus.COMPLETED:
            job_services.release_verified(task.job_id, note="delivered before the job ended")
    ledger.void_hold(
        ledger.get_hold(federated.escrow_hold_id),
        kind=TransferKind.ESCROW_REFUND,
        reference=reference(federated),
    )
    federated.status = status
    federated.failure_reason = reason[:200]
    federated.finished_at = now
    federated.save(update_fields=["status", "failure_reason", "finished_at"])
    notify_balance(federated.owner.public_key)
    _notify(federated, now)


def _notify(federated: FederatedJob, now: datetime) -> None:
    publish(
        [user_group(federated.owner.public_key)],
        "federated.status",
        {
            "federated_job_id": federated.pk,
            "status": federated.status,
            "round": federated.round,
            "rounds": federated.rounds,
            "at": now.isoformat(),
        },
    )


def _lock(federated_job_id: int) -> FederatedJob:
    federated = (
        FederatedJob.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=federated_job_id)
        .first()
    )
    if federated is None:
        raise errors.NotFound(f"There is no federated job {federated_job_id}.")
    return federated
