"""Every state change of the Data NFT registry: one function per signed action (named
like the action), the readings gate, the expiry sweep and the jobs hooks."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core import errors
from marketplace.jobs import selectors as job_selectors
from marketplace.jobs.models import DataGrant, JobStatus
from marketplace.realtime.events import PUBLIC, publish, user_group
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from . import selectors, tokens
from .models import (
    AccessKind,
    DataAccess,
    DataNFT,
    Purchase,
    Reading,
    Subscription,
    SubscriptionStatus,
)

TOKEN_LIFETIME = timedelta(hours=1)
SWEEP_BATCH = 500


def _announce_usage(nft_id: int) -> None:
    """Tell the NFT's page that its usage figures changed (an access or a sale)."""
    publish([PUBLIC], "datanft.usage", {"nft_id": nft_id})


def _get_nft(nft_id: int, *, lock: bool = False) -> DataNFT:
    # A locking read joins nothing: when a concurrent transfer changed the owner,
    # PostgreSQL re-checks the locked row's new version against the join, which then
    # no longer matches the old owner's row, and the NFT vanished (a wrong 404). The
    # owner is read after the lock, so it is the owner at the moment of payment.
    found = DataNFT.objects.select_for_update() if lock else DataNFT.objects.select_related("owner")
    item = found.filter(pk=nft_id).first()
    if item is None:
        raise errors.NotFound(f"Data NFT {nft_id} does not exist.")
    return item


def mint_data_nft(wallet: Wallet, **metadata) -> DataNFT:
    """Create a Data NFT owned by `wallet`. Preconditions (checked by the params
    serializer): metadata within its lengths, a known asset, price_per_hour > 0 for a
    subscription NFT and 0 for a public one."""
    with transaction.atomic():
        return DataNFT.objects.create(owner=wallet, **metadata)


def update_data_nft(
    wallet: Wallet, *, nft_id: int, training_allowed: bool, training_price_per_round: int
) -> DataNFT:
    """Set the owner's opt-in to federated training and its price per round. Only the
    owner may (403 forbidden). Federated jobs already running keep the terms they were
    accepted under; the change applies to jobs submitted from now on."""
    with transaction.atomic():
        item = _get_nft(nft_id, lock=True)
        if item.owner_id != wallet.pk:
            raise errors.Forbidden("Only the owner may update this Data NFT.")
        item.training_allowed = training_allowed
        item.training_price_per_round = training_price_per_round
        item.save(update_fields=["training_allowed", "training_price_per_round"])
        return item


def transfer_data_nft(wallet: Wallet, *, nft_id: int, to: str) -> DataNFT:
    """Give the NFT (and its future subscription income) to the wallet `to` (a public
    key). Only the owner may; subscriptions already sold keep running. The old owner
    loses access unless it subscribes."""
    with transaction.atomic():
        item = _get_nft(nft_id, lock=True)
        if item.owner_id != wallet.pk:
            raise errors.Forbidden("Only the owner may transfer this Data NFT.")
        if to == wallet.public_key:
            raise errors.InvalidParams("You already own this Data NFT.", {"to": "is the owner"})
        item.owner, _ = Wallet.objects.get_or_create(public_key=to)
        item.save(update_fields=["owner"])
        return item


def purchase_subscription(
    wallet: Wallet, *, nft_id: int, hours: int, idempotency_key: str
) -> Purchase:
    """Pay `price_per_hour * hours` for `hours` more of access: the owner receives the
    amount minus the platform fee (`fee_for(amount, PM_FEE_BPS)`, rounded down), the fees
    account the fee. The period starts at the current expiry if the subscription is still
    running (an extension), else now.

    Preconditions: the NFT exists (404), sells subscriptions (a public NFT needs none:
    409 invalid_state), the buyer is not its owner (409 invalid_state) and has the
    amount available (409 insufficient_funds). A repeated key returns the first purchase.
    """
    with transaction.atomic():
        done = Purchase.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return done
        # The NFT lock serialises purchases of one NFT against each other and against a
        # transfer, so the payee is the owner at the moment of payment.
        item = _get_nft(nft_id, lock=True)
        if item.is_public:
            raise errors.InvalidState("This Data NFT is public: no subscription is needed.")
        if item.owner_id == wallet.pk:
            raise errors.InvalidState("You own this Data NFT.")
        amount = item.price_per_hour * hours
        fee = ledger.fee_for(amount, settings.PM_FEE_BPS)
        payer = ledger.user_account(wallet.public_key, item.asset)
        reference = f"datanft:{item.pk}"
        ledger.transfer(
            debit=payer,
            credit=ledger.user_account(item.owner.public_key, item.asset),
            amount=amount - fee,
            kind=TransferKind.SUBSCRIPTION,
            reference=reference,
            idempotency_key=f"{idempotency_key}:owner",
        )
        if fee:
            ledger.transfer(
                debit=payer,
                credit=ledger.fees_account(item.asset),
                amount=fee,
                kind=TransferKind.SUBSCRIPTION_FEE,
                reference=reference,
                idempotency_key=f"{idempotency_key}:fee",
            )
        now = timezone.now()
        subscription, _ = Subscription.objects.select_for_update().get_or_create(
            nft=item, subscriber=wallet, defaults={"expires_at": now}
        )
        starts_at = max(now, subscription.expires_at)
        subscription.expires_at = starts_at + timedelta(hours=hours)
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.save(update_fields=["expires_at", "status", "updated_at"])
        purchase = Purchase.objects.create(
            subscription=subscription,
            hours=hours,
            asset=item.asset,
            amount=amount,
            fee=fee,
            starts_at=starts_at,
            expires_at=subscription.expires_at,
            idempotency_key=idempotency_key,
        )
        notify_balance(wallet.public_key)
        notify_balance(item.owner.public_key)
        _announce_usage(item.pk)
        return purchase


@dataclass(frozen=True)
class Grant:
    token: str
    expires_at: datetime
    content_ref: str


def access_data(wallet: Wallet, *, nft_id: int, job_id: int | None = None) -> Grant:
    """An access token for the NFT's readings, expiring at the earlier of the
    subscription's end and one hour from now (owner and public NFT: one hour). Counted
    as an access. 403 data_access_required without an active subscription.

    With `job_id`, the caller reads for a job (`_job_reader`): the token is issued on the
    job owner's access, so it also ends with the job's deadline."""
    with transaction.atomic():
        item = _get_nft(nft_id)
        now = timezone.now()
        task = False
        if job_id is None:
            reader, until = wallet.public_key, selectors.access_for(item, wallet.public_key, now)
            if until is None:
                raise errors.DataAccessRequired()
        else:
            reader, until, task = _job_reader(wallet, item, job_id, now)
        # Whole seconds, rounded down: the token carries Unix seconds and must never
        # outlive the subscription.
        expires_at = min(until, now + TOKEN_LIFETIME).replace(microsecond=0)
        DataAccess.objects.create(nft=item, kind=AccessKind.TOKEN, accessor=reader)
        _announce_usage(item.pk)
        token = tokens.issue(item.pk, reader, expires_at, job_id if task else None)
        return Grant(token, expires_at, item.content_ref)


def _job_reader(
    wallet: Wallet, item: DataNFT, job_id: int, now: datetime
) -> tuple[str, datetime, bool]:
    """(reader's public key, access end, whether it is a training task) for the assigned
    provider of a job over `item`.

    The job's owner holds the subscription; the provider needs the data. The token is
    the owner's (so `open_readings` re-checks the owner's subscription on every read and
    the read is counted for it), handed only to the assigned provider of a job that
    names this NFT and is still to be run, and never valid past the job's deadline.
    A federated training task is the exception: its owner (the researcher) has no access
    and never gets any; the grant is the NFT owner's opt-in to training, so the token is
    the provider's own, bound to the task (`_check_task`).
    404 for an unknown job, 403 forbidden for anyone but its assigned provider, 400
    invalid_params for a job over another NFT, 409 invalid_state unless it is assigned
    or in progress, 409 deadline_passed after its deadline, 403 data_access_required
    once the owner's access has ended."""
    job = job_selectors.job_parties(job_id)
    if job is None:
        raise errors.NotFound(f"There is no job {job_id}.")
    provider = job.assigned_provider
    if provider is None or provider.wallet_id != wallet.pk:
        raise errors.Forbidden("Only the job's assigned provider may read data for it.")
    if job.data_nft_id != item.pk:
        raise errors.InvalidParams(
            f"Job {job_id} does not use Data NFT {item.pk}.", {"job_id": "names another NFT"}
        )
    if job.status not in (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS):
        raise errors.InvalidState(f"Job {job_id} is {job.status}: there is nothing to run.")
    if job.deadline <= now:
        raise errors.DeadlinePassed(f"Job {job_id} is past its deadline.")
    if job.data_grant == DataGrant.TRAINING:
        return wallet.public_key, job.deadline, True
    owner_key = job.owner.public_key
    until = selectors.access_for(item, owner_key, now)
    if until is None:
        raise errors.DataAccessRequired("The job owner's access to this Data NFT has ended.")
    return owner_key, min(until, job.deadline), False


def _check_task(item: DataNFT, reader: str, job_id: int, now: datetime) -> None:
    """A training task's token reads only while its holder is still the task's assigned
    provider and the task is still to be run before its deadline (403 otherwise)."""
    job = job_selectors.job_parties(job_id)
    provider = job.assigned_provider if job is not None else None
    if (
        provider is None
        or provider.wallet.public_key != reader
        or job.data_nft_id != item.pk
        or job.data_grant != DataGrant.TRAINING
        or job.status not in (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
        or job.deadline <= now
    ):
        raise errors.DataAccessRequired("The training task behind this token is over.")


def open_readings(nft_id: int, token: str) -> DataNFT:
    """The gate of `GET readings`: the token must be valid for this NFT (403
    data_access_required otherwise), and its holder must still have access — a token
    does not outlive its subscription, but it also dies with an owner's transfer. Each
    successful open is counted as an access."""
    with transaction.atomic():
        item = _get_nft(nft_id)
        now = timezone.now()
        reader, task = tokens.verify(token, item.pk, now)
        if task is not None:
            _check_task(item, reader, task, now)
        elif selectors.access_for(item, reader, now) is None:
            raise errors.DataAccessRequired("The access behind this token has ended.")
        DataAccess.objects.create(nft=item, kind=AccessKind.READINGS, accessor=reader)
        _announce_usage(item.pk)
        return item


def publish_readings(wallet: Wallet, *, nft_id: int, readings: list[dict]) -> int:
    """Store the owner's readings (1..1000 of `{ts, value, extra}`, validated by the
    params serializer). Only the owner may publish (403 forbidden)."""
    with transaction.atomic():
        item = _get_nft(nft_id)
        if item.owner_id != wallet.pk:
            raise errors.Forbidden("Only the owner may publish readings.")
        Reading.objects.bulk_create(
            Reading(nft=item, ts=r["ts"], value=r["value"], extra=r["extra"]) for r in readings
        )
        return len(readings)


def expire_subscriptions() -> int:
    """Mark every subscription whose period has ended as expired and tell its subscriber
    (`subscription.expired` on /ws/events/). Idempotent: only active rows are taken, and
    rows another sweep (or a purchase) holds are skipped rather than waited for."""
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                Subscription.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("nft", "subscriber")
                .filter(status=SubscriptionStatus.ACTIVE, expires_at__lte=timezone.now())
                .order_by("expires_at")[:SWEEP_BATCH]
            )
            for subscription in due:
                subscription.status = SubscriptionStatus.EXPIRED
                subscription.save(update_fields=["status", "updated_at"])
                publish(
                    [user_group(subscription.subscriber.public_key)],
                    "subscription.expired",
                    {
                        "nft_id": subscription.nft_id,
                        "name": subscription.nft.name,
                        "expired_at": subscription.expires_at.isoformat(),
                    },
                )
        expired += len(due)
        if len(due) < SWEEP_BATCH:
            return expired


# --- Hooks for the job queue ------------------------------------------------------------


def check_job_data_access(
    owner_public_key: str, nft_id: int, grant: str = DataGrant.SUBSCRIPTION
) -> None:
    """A job may name a Data NFT only if its owner may read it: 404 not_found for an
    unknown NFT, 403 data_access_required without an active subscription or ownership.
    A training task (`grant` training) needs instead the NFT's opt-in to training."""
    item = _get_nft(nft_id)
    if grant == DataGrant.TRAINING:
        if not item.training_allowed:
            raise errors.DataAccessRequired("This Data NFT is not offered for training.")
        return
    if selectors.access_for(item, owner_public_key, timezone.now()) is None:
        raise errors.DataAccessRequired(
            "Subscribe to this Data NFT before submitting a job that uses it."
        )


def record_job_usage(job) -> None:
    """When a job that named a Data NFT settles, log one `job` access for that NFT (once
    per job: the unique job_id makes a repeat a no-op). Runs in the settling transaction.
    Reads only `job.id`, `job.data_nft_id` and the owner's public key."""
    nft_id = getattr(job, "data_nft_id", None)
    if nft_id is None:
        return
    owner = job.owner
    accessor = getattr(owner, "public_key", owner)
    with transaction.atomic():
        if DataNFT.objects.filter(pk=nft_id).exists():
            _, logged = DataAccess.objects.get_or_create(
                job_id=job.id,
                defaults={"nft_id": nft_id, "kind": AccessKind.JOB, "accessor": accessor},
            )
            if logged:
                _announce_usage(nft_id)
