"""A stateful property test of the ledger and the job/escrow state machine against a
small Python model (hypothesis). Random sequences of submit, bid, assign, start,
deliver, accept, dispute + staff resolution, cancel, decline and expiry — including actions the
current status forbids — must leave every balance and every status exactly where the
model says, with the ledger's invariants holding after every history.

Each example uses fresh wallets, so examples never see each other's money; the
treasury is compared by its change. The seed is printed (`-s` shows it, a failure
always does); `HYPOTHESIS_SEED=<n>` replays a run."""

import os
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger import selectors as ledger_selectors
from ledger.errors import LedgerError
from ledger.invariants import violations
from marketplace.core.errors import ApiError
from marketplace.jobs import services
from marketplace.jobs.models import Job
from marketplace.providers import services as provider_services
from marketplace.providers.selectors import provider_of_key, stake_of
from marketplace.wallets.models import Wallet

DOT = 10**10
FEE_BPS = django_settings.PM_FEE_BPS
SEED = int(os.environ.get("HYPOTHESIS_SEED") or random.SystemRandom().randrange(2**32))
RESULT_HASH = "ab" * 32


@dataclass
class ModelJob:
    budget: int
    status: str = "registered"
    price: int = 0
    bid_id: int | None = None
    declined: bool = False  # the provider gave it back: it may not bid on it again

    @property
    def escrow(self) -> int:
        if self.status == "registered":
            return self.budget
        if self.status in {"assigned", "in_progress", "completed", "disputed"}:
            return self.price
        return 0


def fee(amount: int) -> int:
    return amount * FEE_BPS // 10_000


class JobMarket(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.owner = Wallet.objects.create(public_key=secrets.token_hex(32))
        self.provider = Wallet.objects.create(public_key=secrets.token_hex(32))
        self.owner_available = 500 * DOT
        self.provider_available = 50 * DOT
        self.stake = 200 * DOT
        self.treasury_start = ledger_selectors.account_balance("DOT", "fees")
        self.treasury = 0
        self.jobs: dict[int, ModelJob] = {}
        self._deposit(self.owner, self.owner_available)
        self._deposit(self.provider, self.provider_available + self.stake)
        provider_services.register_provider(
            self.provider,
            name="model",
            capabilities=["cpu"],
            regions=["eu"],
            pricing={"cpu": DOT},
            stake=self.stake,
            idempotency_key=self._key(),
        )

    @staticmethod
    def _key() -> str:
        return f"model:{secrets.token_hex(12)}"

    def _deposit(self, wallet, amount):
        from django.db import transaction

        from ledger import services as ledger

        with transaction.atomic():
            ledger.deposit(
                wallet.public_key, "DOT", amount, kind="test", reference="model", key=self._key()
            )

    def _jobs_in(self, *statuses):
        return sorted(i for i, job in self.jobs.items() if job.status in statuses)

    # --- actions the status allows -------------------------------------------------

    @rule(budget=st.sampled_from([DOT, 7 * DOT, 40 * DOT, 333 * DOT, 900 * DOT]))
    def submit(self, budget):
        try:
            job = services.submit_job(
                self.owner,
                model_ref="builtin:summary",
                data_ref="inline:{}",
                compute_type="cpu",
                asset="DOT",
                budget=budget,
                deadline=timezone.now() + timedelta(days=1),
                privacy_required=False,
                idempotency_key=self._key(),
            )
        except LedgerError as error:
            assert error.code == "insufficient_funds" and budget > self.owner_available
            return
        assert budget <= self.owner_available
        self.owner_available -= budget
        self.jobs[job.pk] = ModelJob(budget)

    @precondition(
        lambda self: any(
            j.status == "registered" and j.bid_id is None and not j.declined
            for j in self.jobs.values()
        )
    )
    @rule(data=st.data(), share=st.integers(1, 100))
    def bid(self, data, share):
        job_id = data.draw(
            st.sampled_from(
                [
                    i
                    for i in self._jobs_in("registered")
                    if self.jobs[i].bid_id is None and not self.jobs[i].declined
                ]
            )
        )
        job = self.jobs[job_id]
        price = max(job.budget * share // 100, 1)
        bid = services.submit_bid(self.provider, job_id=job_id, price=price, sla_seconds=60)
        job.bid_id, job.price = bid.pk, price

    @precondition(
        lambda self: any(j.status == "registered" and j.bid_id for j in self.jobs.values())
    )
    @rule(data=st.data())
    def assign(self, data):
        job_id = data.draw(
            st.sampled_from([i for i in self._jobs_in("registered") if self.jobs[i].bid_id])
        )
        job = self.jobs[job_id]
        services.assign_provider(self.owner, job_id=job_id, bid_id=job.bid_id)
        self.owner_available += job.budget - job.price
        job.status = "assigned"

    @precondition(lambda self: bool(self._jobs_in("assigned")))
    @rule(data=st.data())
    def start(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("assigned")))
        services.mark_in_progress(self.provider, job_id=job_id)
        self.jobs[job_id].status = "in_progress"

    @precondition(lambda self: bool(self._jobs_in("in_progress")))
    @rule(data=st.data())
    def deliver(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("in_progress")))
        services.submit_result(
            self.provider, job_id=job_id, result_ref="ipfs://r", result_hash=RESULT_HASH
        )
        self.jobs[job_id].status = "completed"

    @precondition(lambda self: bool(self._jobs_in("completed")))
    @rule(data=st.data())
    def accept(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("completed")))
        services.accept_result(self.owner, job_id=job_id)
        self._pay_provider(self.jobs[job_id].price, self.jobs[job_id])

    @precondition(lambda self: bool(self._jobs_in("completed")))
    @rule(data=st.data())
    def dispute(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("completed")))
        services.dispute_job(self.owner, job_id=job_id, reason="wrong")
        self.jobs[job_id].status = "disputed"

    @precondition(lambda self: bool(self._jobs_in("disputed")))
    @rule(
        data=st.data(),
        outcome=st.sampled_from(["release", "refund", "split"]),
        percent=st.integers(1, 99),
    )
    def resolve(self, data, outcome, percent):
        job_id = data.draw(st.sampled_from(self._jobs_in("disputed")))
        job = self.jobs[job_id]
        services.resolve_dispute(job_id, outcome=outcome, provider_percent=percent)
        if outcome == "refund":
            self.owner_available += job.price
            job.status = "settled"
        else:
            share = job.price if outcome == "release" else job.price * percent // 100
            self.owner_available += job.price - share
            self._pay_provider(share, job)

    def _pay_provider(self, share: int, job: ModelJob) -> None:
        self.provider_available += share - fee(share)
        self.treasury += fee(share)
        job.status = "settled"

    @precondition(lambda self: bool(self._jobs_in("registered", "assigned")))
    @rule(data=st.data())
    def cancel(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("registered", "assigned")))
        job = self.jobs[job_id]
        services.cancel_job(self.owner, job_id=job_id)
        self.owner_available += job.escrow
        job.status = "cancelled"

    @precondition(lambda self: bool(self._jobs_in("assigned", "in_progress")))
    @rule(data=st.data())
    def decline(self, data):
        """The assigned provider gives the job back: to bidding at its price (the deadline
        is a day away), slashed if it had started."""
        job_id = data.draw(st.sampled_from(self._jobs_in("assigned", "in_progress")))
        job = self.jobs[job_id]
        services.decline_job(self.provider, job_id=job_id, reason="cannot run it")
        if job.status == "in_progress":
            slash = min(self.stake * django_settings.PM_SLASH_BPS // 10_000, job.price)
            self.stake -= slash
            self.owner_available += slash
        job.budget, job.bid_id, job.declined, job.status = job.price, None, True, "registered"

    @precondition(lambda self: bool(self._jobs_in("registered", "assigned", "in_progress")))
    @rule(data=st.data())
    def expire(self, data):
        job_id = data.draw(st.sampled_from(self._jobs_in("registered", "assigned", "in_progress")))
        job = self.jobs[job_id]
        Job.objects.filter(pk=job_id).update(deadline=timezone.now() - timedelta(seconds=1))
        assert services.expire_job(job_id)
        self.owner_available += job.escrow
        if job.status != "registered":
            slash = min(self.stake * django_settings.PM_SLASH_BPS // 10_000, job.price)
            self.stake -= slash
            self.owner_available += slash
        job.status = "expired"

    # --- actions the status forbids: 409 and nothing changes ----------------------------

    @precondition(lambda self: bool(self.jobs))
    @rule(
        data=st.data(), action=st.sampled_from(["start", "deliver", "accept", "dispute", "cancel"])
    )
    def forbidden(self, data, action):
        allowed = {
            "start": "assigned",
            "deliver": "in_progress",
            "accept": "completed",
            "dispute": "completed",
            "cancel": ("registered", "assigned"),
        }[action]
        candidates = [i for i, j in self.jobs.items() if j.status not in allowed]
        if not candidates:
            return
        job_id = data.draw(st.sampled_from(sorted(candidates)))
        call = {
            "start": lambda: services.mark_in_progress(self.provider, job_id=job_id),
            "deliver": lambda: services.submit_result(
                self.provider, job_id=job_id, result_ref="r", result_hash=RESULT_HASH
            ),
            "accept": lambda: services.accept_result(self.owner, job_id=job_id),
            "dispute": lambda: services.dispute_job(self.owner, job_id=job_id, reason="x"),
            "cancel": lambda: services.cancel_job(self.owner, job_id=job_id),
        }[action]
        with pytest.raises(ApiError) as refused:
            call()
        assert refused.value.code in {"invalid_state", "forbidden"}

    # --- after every step --------------------------------------------------------------

    @invariant()
    def books_match_the_model(self):
        assert ledger_selectors.available_balance(self.owner.public_key, "DOT") == (
            self.owner_available
        )
        assert ledger_selectors.available_balance(self.provider.public_key, "DOT") == (
            self.provider_available
        )
        assert stake_of(provider_of_key(self.provider.public_key)) == self.stake
        treasury = ledger_selectors.account_balance("DOT", "fees") - self.treasury_start
        assert treasury == self.treasury
        for job in Job.objects.filter(pk__in=self.jobs):
            model = self.jobs[job.pk]
            assert job.status == model.status
            assert ledger_selectors.hold_balance(job.escrow_hold_id) == model.escrow

    def teardown(self):
        # The whole-ledger invariants once per history: they scan every account, and the
        # per-step checks above already pin down every account this history touches.
        assert violations() == []


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.django_db
def test_random_market_histories_keep_balances_and_statuses_equal_to_the_model():
    print(f"HYPOTHESIS_SEED={SEED}")
    JobMarket.TestCase.settings = settings(
        max_examples=int(os.environ.get("MODEL_EXAMPLES", "200")),
        stateful_step_count=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    from hypothesis import seed

    seed(SEED)(JobMarket.TestCase)().runTest()
