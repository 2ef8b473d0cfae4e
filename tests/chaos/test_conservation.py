"""Conservation under chaos: clients move money over HTTP against a real web server, Celery
worker and beat while the test SIGKILLs worker children mid-sweep, restarts Redis
(losing every queued message) and terminates the PostgreSQL backends of every process.

Afterwards every acknowledged action is present exactly once, nothing exists that was
not asked for, the ledger balances to the planck, and every overdue job and intent
reaches its terminal state within 60 s of the services coming back."""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from substrateinterface import Keypair

from ledger.invariants import violations
from ledger.models import Account, AccountKind, Hold, HoldStatus
from ledger.selectors import account_balance
from ledger.services import fee_for
from marketplace.agents.client import ApiError, Client
from marketplace.agents.client import Signer as AgentSigner
from marketplace.core.models import Heartbeat
from marketplace.core.services import WORKER
from marketplace.datanft.models import Purchase
from marketplace.intents.models import Batch, BatchStatus, Intent, IntentStatus
from marketplace.intents.services import seed_pool
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Bid, Job, JobStatus
from marketplace.providers import services as providers
from marketplace.providers.models import Slash
from marketplace.wallets.models import SignedAction, Wallet, Withdrawal
from tests import stack
from tests.conftest import DOT, USDT, Signer
from tests.datanft.conftest import METADATA
from tests.intents.support import seal

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TIMINGS = {
    "PM_SWEEP_INTERVAL_SECONDS": "1",
    "PM_BATCH_INTERVAL_SECONDS": "3",
    "PM_MIN_DEADLINE_SECONDS": "1",
    "PM_HEARTBEAT_SECONDS": "1",
}
BACKLOG = 300  # overdue jobs swept while worker children are killed, in two waves
JOB_BUDGET = DOT
BID_PRICE = DOT // 2
STAKE = 1000 * DOT  # slashes (at most BID_PRICE each) never bring it near PM_MIN_STAKE
SUBSCRIPTION_PRICE = DOT // 100
WITHDRAWAL = DOT // 10
CLIENT_ROUNDS = 60  # the most actions of each kind one client sends until the faults end
SETTLE_SECONDS = 60  # the bound on "terminal within 60 s of the services coming back"
TERMINAL = {JobStatus.EXPIRED, JobStatus.CANCELLED}


def persona(uri: str) -> Signer:
    return Signer(Keypair.create_from_uri(uri))


def wait_for(condition, timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


@dataclass
class Attempt:
    public_key: str
    action: str
    nonce: str
    outcome: str  # "ok" (2xx), "refused" (a definite 4xx) or "unknown" (gave up)
    action_id: int | None = None
    created: int | None = None  # the id of the job, bid, withdrawal or intent it made
    replayed: bool = False
    code: str = ""
    # An acknowledged action sent again with its journalled payload, as by a client
    # whose answer was lost: (answered as a replay, the action_id of that answer).
    resent: tuple[bool, int | None] | None = None


RESEND_EVERY = 4  # every 4th acknowledged action is sent a second time


class Recorder:
    """Every signed action a chaos client sent, with its final outcome, and every 5xx
    the server answered on the way (the client retried those)."""

    def __init__(self):
        self.attempts: list[Attempt] = []
        self._acknowledged = 0
        self.server_errors: Counter = Counter()
        self._lock = threading.Lock()

    def client(self, url: str, signer: Signer) -> Client:
        client = Client(url, AgentSigner(signer.keypair), retry_for=60, timeout=10)
        client.session.hooks["response"].append(self._observe)
        return client

    def _observe(self, response, *args, **kwargs) -> None:
        if response.status_code >= 500:
            json_error = response.headers.get("Content-Type", "").startswith("application/json")
            with self._lock:
                self.server_errors[(response.status_code, json_error)] += 1

    def act(self, client: Client, path: str, action: str, params: dict) -> dict | None:
        """Send one action until it has a definite answer; its body when acknowledged."""
        nonce, journal = secrets.token_urlsafe(24), {}
        attempt = Attempt(client.signer.keypair.public_key.hex(), action, nonce, "ok")
        try:
            body, attempt.replayed = client.post_action(
                path, action, params, nonce=nonce, journal=journal
            )
        except ApiError as exc:
            attempt.outcome = "refused" if 400 <= exc.status < 500 else "unknown"
            attempt.code = exc.code
            body = None
        else:
            attempt.action_id = body["action_id"]
            attempt.created = body.get("id")
            if self._resend_due():
                attempt.resent = self._resend(client, path, action, params, nonce, journal)
        with self._lock:
            self.attempts.append(attempt)
        return body

    def _resend_due(self) -> bool:
        with self._lock:
            self._acknowledged += 1
            return self._acknowledged % RESEND_EVERY == 0

    @staticmethod
    def _resend(client, path, action, params, nonce, journal) -> tuple[bool, int | None]:
        try:
            again, replayed = client.post_action(path, action, params, nonce=nonce, journal=journal)
        except ApiError:
            return False, None
        return replayed, again.get("action_id")

    def acknowledged(self, action: str | None = None) -> list[Attempt]:
        return [
            a for a in self.attempts if a.outcome == "ok" and (action is None or a.action == action)
        ]


def _deadline(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def buyer(recorder: Recorder, owner: Client, provider: Client, stop: threading.Event) -> None:
    """Jobs with a short deadline: a third left to expire, a third cancelled, a third
    bid on and assigned (then expired in the provider's hands: slashed)."""
    for i in range(CLIENT_ROUNDS):
        if stop.is_set():
            return
        job = recorder.act(
            owner,
            "/api/jobs",
            "submit_job",
            {
                "model_ref": "builtin:summary",
                "data_ref": "inline:{}",
                "compute_type": "cpu",
                "asset": "DOT",
                "budget": str(JOB_BUDGET),
                "deadline": _deadline(6),
                "privacy_required": False,
            },
        )
        if job is None or i % 3 == 0:
            continue
        path = f"/api/jobs/{job['id']}"
        if i % 3 == 1:
            recorder.act(owner, path + "/cancel", "cancel_job", {"job_id": job["id"]})
            continue
        bid = recorder.act(
            provider,
            path + "/bids",
            "submit_bid",
            {"job_id": job["id"], "price": str(BID_PRICE), "sla_seconds": 60},
        )
        if bid is not None:
            params = {"job_id": job["id"], "bid_id": bid["id"]}
            recorder.act(owner, path + "/assign", "assign_provider", params)


def subscriber(
    recorder: Recorder, client: Client, nft_id: int, destination: str, stop: threading.Event
) -> None:
    """Hours of a Data NFT's subscription, and withdrawals."""
    for _ in range(CLIENT_ROUNDS):
        if stop.is_set():
            return
        recorder.act(
            client,
            f"/api/data-nfts/{nft_id}/subscriptions",
            "purchase_subscription",
            {"nft_id": nft_id, "hours": 1},
        )
        params = {"asset": "DOT", "amount": str(WITHDRAWAL), "destination": destination}
        recorder.act(client, "/api/withdrawals", "withdraw", params)


def trader(recorder: Recorder, client: Client, stop: threading.Event) -> None:
    """Sealed DOT → USDT intents into whichever batch is open; beat settles them."""
    for _ in range(CLIENT_ROUNDS):
        if stop.is_set():
            return
        try:
            epoch = client.get("/api/intents/epoch")
        except ApiError:
            continue
        recorder.act(
            client,
            "/api/intents",
            "submit_intent",
            {
                "batch_id": epoch["batch_id"],
                "token_in": "DOT",
                "token_out": "USDT",
                "lock_amount": str(DOT),
                "sealed_intent": seal(epoch["public_key"], str(DOT // 2), "1"),
            },
        )
        time.sleep(0.2)  # a few intents per batch, not hundreds


class ChaosWorker:
    """The Celery worker (prefork, two children). It must live through every fault: a
    worker that exits or reports an unrecoverable error fails the test (Celery 5.7.0 did,
    when Redis restarted while a task was unacknowledged, and then neither consumed nor
    exited)."""

    name = "chaos-worker"

    def __init__(self, env: dict):
        self.env = env

    def __enter__(self) -> "ChaosWorker":
        self._running = stack.celery_worker(self.name, concurrency=2, **self.env)
        self.process = self._running.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._running.__exit__(*exc)

    def _log(self) -> str:
        return (stack.ARTIFACTS / f"{self.name}.log").read_text()

    def ready(self) -> bool:
        """Consuming, with its pool started (a child killed before that is fatal)."""
        return " ready." in self._log()

    def check_alive(self) -> None:
        assert self.process.poll() is None, "the worker exited"
        assert "Unrecoverable error" not in self._log(), "the worker gave up"


class Chaos:
    """The faults, each logged with its time."""

    def __init__(self, redis: stack.RedisServer, worker: ChaosWorker):
        self.redis, self.worker = redis, worker
        self.log: list[str] = []
        self.started = time.monotonic()

    def _note(self, what: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:6.2f}s {what}")

    def kill_worker_child(self) -> None:
        # The worker replaces a killed child only after a moment.
        found: list[int] = []

        def living() -> bool:
            self.worker.check_alive()
            found[:] = stack.worker_children(self.worker.process) if self.worker.ready() else []
            return bool(found)

        assert wait_for(living, 30), "no pool process"
        pid = found[0]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pid not in stack.worker_children(self.worker.process), 5)
        self._note(f"SIGKILL worker child {pid}")

    def terminate_backends(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (count,) = cursor.fetchone()
        self._note(f"terminated {count} PostgreSQL backends")

    def redis_down(self) -> None:
        self.redis.stop()
        self._note("Redis shut down (nosave)")

    def redis_up(self) -> None:
        self.redis.start()
        self._note("Redis started again, empty")

    def overdue_wave(self, ids: list[int]) -> None:
        """Make `ids` overdue and SIGKILL a worker child once their sweep is under way."""
        Job.objects.filter(pk__in=ids).update(deadline=timezone.now())
        self._note(f"{len(ids)} backlog jobs overdue")
        wait_for(lambda: Job.objects.filter(pk__in=ids, status="expired").exists(), 20)
        swept = Job.objects.filter(pk__in=ids, status="expired").count()
        self.kill_worker_child()
        self._note(f"(the sweep had expired {swept} of {len(ids)})")


@pytest.fixture
def scenario(fund):
    """Funded wallets, a provider with stake, a pool, and a backlog of jobs (deadline an
    hour away, a quarter of them assigned) that the test makes overdue in waves."""
    people = {
        name: persona(uri)
        for name, uri in {
            "alice": "//Alice",
            "dave": "//Dave",
            "bob": "//Bob",
            "carol": "//Charlie",
            "eve": "//Eve",
            "mallory": "//Mallory",
            "ferdie": "//Ferdie",
        }.items()
    }
    funded = {"alice": 100 * DOT, "dave": 100 * DOT, "bob": 2 * STAKE, "eve": 100 * DOT}
    funded |= {"mallory": 100 * DOT, "ferdie": BACKLOG * JOB_BUDGET}
    for name, amount in funded.items():
        fund(people[name], amount)
    wallets = {name: Wallet.objects.create(public_key=p.public_key) for name, p in people.items()}
    providers.register_provider(
        wallets["bob"],
        name="bob",
        capabilities=["cpu"],
        regions=[],
        pricing={},
        stake=STAKE,
        idempotency_key="chaos:stake",
    )
    seed_pool("DOT", "USDT", 10_000 * DOT, 50_000 * USDT, fee_bps=30, key="chaos:pool")
    backlog = []
    for i in range(BACKLOG):
        job = jobs.submit_job(
            wallets["ferdie"],
            model_ref="m",
            data_ref="d",
            compute_type="cpu",
            asset="DOT",
            budget=JOB_BUDGET,
            deadline=timezone.now() + timedelta(hours=1),
            privacy_required=False,
            idempotency_key=f"chaos:backlog:{i}",
        )
        if i % 4 == 0:
            bid = jobs.submit_bid(wallets["bob"], job_id=job.pk, price=BID_PRICE, sla_seconds=60)
            jobs.assign_provider(wallets["ferdie"], job_id=job.pk, bid_id=bid.pk)
        backlog.append(job.pk)
    return {"people": people, "funded": funded, "backlog": backlog}


def mint(client: Client) -> int:
    params = {**METADATA, "name": "Chaos sensor", "price_per_hour": str(SUBSCRIPTION_PRICE)}
    nft, _ = client.post_action("/api/data-nfts", "mint_data_nft", params)
    return nft["id"]


def all_terminal() -> bool:
    """No job undelivered, no escrow or intent lock open, no closed batch unsettled."""
    holds = list(Job.objects.values_list("escrow_hold_id", flat=True))
    holds += list(Intent.objects.values_list("hold_id", flat=True))
    return not (
        Job.objects.exclude(status__in=TERMINAL).exists()
        or Hold.objects.filter(pk__in=holds, status=HoldStatus.PENDING).exists()
        or Intent.objects.filter(status=IntentStatus.SEALED).exists()
        or Batch.objects.filter(status=BatchStatus.OPEN, closes_at__lte=timezone.now()).exists()
    )


def test_acknowledged_actions_stay_exactly_once_and_the_books_balance_through_faults(
    scenario, tmp_path
):
    people, backlog = scenario["people"], scenario["backlog"]
    processes = {"REDIS_URL": "", "CELERY_BROKER_URL": ""} | TIMINGS
    recorder, stop = Recorder(), threading.Event()
    started = time.monotonic()
    with stack.redis_server("chaos-redis", tmp_path) as redis:
        processes |= {"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url}
        with (
            stack.web_server("chaos-web", **processes) as url,
            ChaosWorker(processes) as worker,
            stack.celery_beat("chaos-beat", **processes),
        ):
            # The worker takes a while to start on a busy machine: faults begin once it works.
            assert wait_for(lambda: Heartbeat.objects.filter(name=WORKER).exists(), 90, 0.2)
            client = {name: recorder.client(url, signer) for name, signer in people.items()}
            nft_id = mint(client["carol"])
            bob_for = {name: recorder.client(url, people["bob"]) for name in ("alice", "dave")}
            threads = [
                threading.Thread(target=buyer, args=(recorder, client[n], bob_for[n], stop))
                for n in ("alice", "dave")
            ]
            destination = people["mallory"].address
            threads.append(
                threading.Thread(
                    target=subscriber, args=(recorder, client["eve"], nft_id, destination, stop)
                )
            )
            threads.append(
                threading.Thread(target=trader, args=(recorder, client["mallory"], stop))
            )
            chaos = Chaos(redis, worker)
            for thread in threads:
                thread.start()
            try:
                assert wait_for(lambda: len(recorder.acknowledged()) >= 5, 30)
                chaos.overdue_wave(backlog[: BACKLOG // 2])
                chaos.terminate_backends()
                chaos.redis_down()
                time.sleep(2)  # the outage itself
                chaos.terminate_backends()
                chaos.redis_up()
                chaos.overdue_wave(backlog[BACKLOG // 2 :])
                chaos.terminate_backends()
                chaos.redis_down()
                chaos.kill_worker_child()
                time.sleep(2)
                chaos.redis_up()
                chaos.terminate_backends()
                chaos.kill_worker_child()
                back = time.monotonic()
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=90)
            assert not any(thread.is_alive() for thread in threads)
            # The last jobs' deadlines may lie a little after the faults ended.
            last_deadline = max(Job.objects.values_list("deadline", flat=True))
            grace = max(0.0, (last_deadline - timezone.now()).total_seconds())

            def settled() -> bool:
                worker.check_alive()
                return all_terminal()

            reached = wait_for(settled, SETTLE_SECONDS + grace, every=0.2)
            settled_after = time.monotonic() - back
    run_time = time.monotonic() - started
    summary = (
        f"chaos run {run_time:.1f}s; all terminal {settled_after:.1f}s after the services "
        f"came back (last deadline +{grace:.1f}s); acknowledged "
        f"{Counter(a.action for a in recorder.acknowledged())}; outcomes "
        f"{Counter(a.outcome for a in recorder.attempts)}; refused "
        f"{Counter((a.action, a.code) for a in recorder.attempts if a.outcome == 'refused')}; "
        "answered as replays "
        f"{sum(a.replayed for a in recorder.attempts)} (and "
        f"{sum(a.resent is not None for a in recorder.attempts)} sent again on purpose); "
        "server errors "
        f"{dict(recorder.server_errors)}\n" + "\n".join(chaos.log)
    )
    print(summary)
    assert reached, f"not all terminal within {SETTLE_SECONDS}s\n{summary}"
    # An outage is a JSON 503 to retry, never a 500 (the client retried each of them).
    assert set(recorder.server_errors) <= {(503, True)}, summary
    assert settled_after <= SETTLE_SECONDS + grace

    check_exactly_once(recorder, people)
    check_money(recorder, scenario)
    assert violations() == []
    ledger_check = subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        env=stack.stack_env(),
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
    )
    assert ledger_check.returncode == 0, ledger_check.stdout + ledger_check.stderr


def check_exactly_once(recorder: Recorder, people: dict[str, Signer]) -> None:
    """One SignedAction per acknowledged nonce, with the acknowledged id; nothing
    stored for a refused action; no action stored that nobody was told about, except
    ones whose client gave up (and those at most once)."""
    assert not [a for a in recorder.attempts if a.outcome == "unknown"], "every action answered"
    keys = {p.public_key for p in people.values()}
    stored = {
        (key, nonce): (pk, action)
        for key, nonce, pk, action in SignedAction.objects.filter(wallet__public_key__in=keys)
        .exclude(action__in=["login", "mint_data_nft"])
        .values_list("wallet__public_key", "nonce", "pk", "action")
    }
    sent = {(a.public_key, a.nonce): a for a in recorder.attempts}
    resent = [a for a in recorder.attempts if a.resent is not None]
    assert resent, "some acknowledged actions were sent again"
    assert [a for a in resent if a.resent != (True, a.action_id)] == [], "answered as replays"
    for key, attempt in sent.items():
        if attempt.outcome == "ok":
            assert stored.get(key) == (attempt.action_id, attempt.action), attempt
        else:
            assert key not in stored, attempt
    assert set(stored) <= set(sent), "an action was stored that no client sent"

    def acknowledged_ids(action: str) -> Counter:
        return Counter(a.created for a in recorder.acknowledged(action))

    chaos_buyers = [people["alice"].public_key, people["dave"].public_key]
    jobs_made = Job.objects.filter(owner__public_key__in=chaos_buyers)
    assert Counter(jobs_made.values_list("pk", flat=True)) == acknowledged_ids("submit_job")
    bob = people["bob"].public_key
    bids = Bid.objects.filter(
        job__owner__public_key__in=chaos_buyers, provider__wallet__public_key=bob
    )
    assert Counter(bids.values_list("pk", flat=True)) == acknowledged_ids("submit_bid")
    eve = people["eve"].public_key
    withdrawals = Withdrawal.objects.filter(wallet__public_key=eve)
    assert Counter(withdrawals.values_list("pk", flat=True)) == acknowledged_ids("withdraw")
    purchases = Purchase.objects.filter(subscription__subscriber__public_key=eve)
    assert purchases.count() == len(recorder.acknowledged("purchase_subscription"))
    intents = Intent.objects.filter(wallet__public_key=people["mallory"].public_key)
    assert Counter(intents.values_list("pk", flat=True)) == acknowledged_ids("submit_intent")
    assigned = {a.created for a in recorder.acknowledged("assign_provider")}
    cancelled = {a.created for a in recorder.acknowledged("cancel_job")}
    statuses = dict(Job.objects.filter(pk__in=assigned | cancelled).values_list("pk", "status"))
    assert {pk: statuses[pk] for pk in assigned} == dict.fromkeys(assigned, JobStatus.EXPIRED)
    assert {pk: statuses[pk] for pk in cancelled} == dict.fromkeys(cancelled, JobStatus.CANCELLED)


def check_money(recorder: Recorder, scenario: dict) -> None:
    """To the planck: every job's budget came back to its owner, with the slash of each
    expired assignment; each withdrawal still holds its amount; each subscription hour
    was paid once; and inside the ledger the total is what the scenario put in."""
    people, funded = scenario["people"], scenario["funded"]

    def user(name: str, kind: str = "user") -> int:
        return account_balance("DOT", f"{kind}:{people[name].public_key}")

    def held(name: str) -> int:
        """What the wallet's open holds (escrows, withdrawals, intent locks) hold."""
        holds = Account.objects.filter(hold__payer__code=f"user:{people[name].public_key}")
        return int(holds.aggregate(total=Sum("balance"))["total"] or 0)

    slashes = dict(
        Slash.objects.values("beneficiary")
        .annotate(total=Sum("amount"))
        .values_list("beneficiary", "total")
    )
    expired_assignments = Job.objects.filter(
        status=JobStatus.EXPIRED, assigned_provider__isnull=False
    ).count()
    assert Slash.objects.count() == expired_assignments
    for name in ("alice", "dave", "ferdie"):
        expected = funded[name] + int(slashes.get(people[name].public_key, 0))
        assert user(name) == expected, name
        assert held(name) == 0, name
    assert user("bob", "stake") == STAKE - int(
        Slash.objects.aggregate(total=Sum("amount"))["total"]
    )
    withdrawals = len(recorder.acknowledged("withdraw"))
    hours = len(recorder.acknowledged("purchase_subscription"))
    assert held("eve") == withdrawals * WITHDRAWAL
    assert user("eve") == (funded["eve"] - withdrawals * WITHDRAWAL - hours * SUBSCRIPTION_PRICE)
    fee = fee_for(SUBSCRIPTION_PRICE, settings.PM_FEE_BPS)
    assert user("carol") == hours * (SUBSCRIPTION_PRICE - fee)
    pooled = Account.objects.filter(asset_id="DOT").exclude(kind=AccountKind.EXTERNAL)
    inside = int(pooled.aggregate(total=Sum("balance"))["total"])
    assert inside == sum(funded.values()) + 10_000 * DOT
