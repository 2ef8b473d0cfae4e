"""The console's index: what waits for a person and the platform's health
(docs/OPERATIONS.md, "Staff console"). Every count links to the filtered list where
the work is done, so a staff member runs the day without knowing the table names."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ledger import invariants
from ledger import selectors as ledger_selectors
from ledger.kinds import TransferKind
from ledger.units import money, whole_units
from marketplace.chain import selectors as chain_selectors
from marketplace.confidential.models import TeeWorker, WorkerStatus
from marketplace.intents.models import Batch, Verification
from marketplace.jobs import selectors as jobs_selectors
from marketplace.wallets.models import ReviewState, Withdrawal, WithdrawalStatus

CHART_DAYS = 7
# The chain worker checks the hot wallet every minute: an older check means it is not
# running (or cannot reach the node).
HOLDINGS_STALE = timedelta(minutes=5)
# Transfer kinds that measure each domain's volume: what buyers paid for the service.
DOMAIN_KINDS = {
    "Compute jobs": [TransferKind.PAYOUT, TransferKind.FEE],
    "Data subscriptions": [TransferKind.SUBSCRIPTION, TransferKind.SUBSCRIPTION_FEE],
    "Trades (amount out)": [TransferKind.INTENT_SWAP_OUT],
}


@dataclass
class Queue:
    label: str
    count: int
    url: str
    hint: str = ""
    items: list = field(default_factory=list)


def _list_url(name: str, **filters) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def queues() -> list[Queue]:
    """What waits for a person, each with the list where it is done."""
    now = timezone.now()
    sla = timedelta(seconds=settings.PM_DISPUTE_SLA_SECONDS)
    disputes = list(jobs_selectors.open_disputes())
    expiring = jobs_selectors.expiring_within(3600)
    withdrawals = Withdrawal.objects.all()
    return [
        Queue(
            "Open disputes",
            len(disputes),
            _list_url("jobs_job", queue="disputes"),
            "oldest first; resolve within " + _duration(sla),
            [
                {
                    "job": job,
                    "url": reverse("admin:jobs_job_resolve", args=[job.pk]),
                    "due": job.disputed_at + sla if job.disputed_at else None,
                    "overdue": bool(job.disputed_at and job.disputed_at + sla <= now),
                }
                for job in disputes[:5]
            ],
        ),
        Queue(
            "TEE workers pending approval",
            TeeWorker.objects.filter(status=WorkerStatus.PENDING).count(),
            _list_url("confidential_teeworker", status__exact=WorkerStatus.PENDING),
        ),
        Queue(
            "Withdrawals pending",
            withdrawals.filter(status=WithdrawalStatus.PENDING).count(),
            _list_url("wallets_withdrawal", status__exact=WithdrawalStatus.PENDING),
        ),
        Queue(
            "Withdrawals awaiting review",
            withdrawals.filter(review_state=ReviewState.AWAITING).count(),
            _list_url("wallets_withdrawal", review_state__exact=ReviewState.AWAITING),
            "four eyes: approve or reject",
        ),
        Queue(
            "Withdrawals sent, awaiting the chain",
            withdrawals.filter(status=WithdrawalStatus.SUBMITTED).count(),
            _list_url("wallets_withdrawal", status__exact=WithdrawalStatus.SUBMITTED),
            "reconciled by the payer; long waits need a look",
        ),
        Queue(
            "Withdrawals failed",
            withdrawals.filter(status=WithdrawalStatus.FAILED).count(),
            _list_url("wallets_withdrawal", status__exact=WithdrawalStatus.FAILED),
        ),
        Queue(
            "Jobs expiring within the hour",
            expiring.count(),
            _list_url("jobs_job", queue="expiring"),
        ),
        Queue(
            "Batches whose verification failed",
            Batch.objects.filter(verification=Verification.FAILED).count(),
            _list_url("intents_batch", verification__exact=Verification.FAILED),
        ),
    ]


def health() -> dict:
    """The ledger invariants checked now, fees earned, and volumes per domain."""
    now = timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = ledger_selectors.fees_earned(midnight)
    week = ledger_selectors.fees_earned(midnight - timedelta(days=CHART_DAYS - 1))
    return {
        "violations": invariants.violations(),
        "chain": reconciliation(),
        "fees": [
            {
                "asset": asset,
                "today": money(today.get(asset, 0), asset),
                "week": money(total, asset),
            }
            for asset, total in sorted(week.items())
        ],
        "volumes": [
            {
                "domain": domain,
                "series": [
                    _chart(asset, days)
                    for asset, days in sorted(
                        ledger_selectors.daily_volume(kinds, CHART_DAYS).items()
                    )
                ],
            }
            for domain, kinds in DOMAIN_KINDS.items()
        ],
    }


def reconciliation() -> dict | None:
    """The hot wallet's holdings against what the ledger owes, per asset, as the chain
    worker last checked them (None without a chain)."""
    if not settings.PM_CHAIN_URL:
        return None
    holdings = list(chain_selectors.holdings())
    checked_at = min((h.checked_at for h in holdings), default=None)
    return {
        "holdings": [
            {
                "asset": h.asset,
                "on_chain": money(h.on_chain, h.asset),
                "owed": money(h.owed, h.asset),
                "short": h.short,
            }
            for h in holdings
        ],
        "short": sum(h.short for h in holdings),
        "short_url": _list_url("chain_holding", short__exact=1),
        "checked_at": checked_at,
        "stale": checked_at is not None and checked_at < timezone.now() - HOLDINGS_STALE,
    }


def _chart(asset: str, days: list[int]) -> dict:
    """Bars for an inline SVG of `days` (oldest first) in a 100 by 28 box."""
    top = max(days) or 1
    decimals = ledger_selectors.asset_decimals(asset)
    width = 100 / len(days)
    bars = []
    for index, value in enumerate(days):
        height = max(round(26 * value / top, 1), 0.5 if value else 0)
        bars.append(
            {
                "x": round(index * width + 1, 1),
                "y": round(28 - height, 1),
                "width": round(width - 2, 1),
                "height": height,
                "title": f"{whole_units(value, decimals)} {asset}",
            }
        )
    return {"asset": asset, "total": money(sum(days), asset), "bars": bars}


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 and hours % 24 == 0 else f"{hours} hours"
