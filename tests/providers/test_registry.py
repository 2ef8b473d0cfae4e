"""The provider registry: stake in and out through the ledger, the minimum stake, the
unbonding cooldown and its sweep, reputation, the reads, and staff actions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.errors import InsufficientFunds
from ledger.selectors import account_balance
from marketplace.core import hooks
from marketplace.jobs.models import Job
from marketplace.providers import services
from marketplace.providers.models import Provider, Unbonding
from marketplace.providers.services import Outcome
from marketplace.wallets.models import Wallet
from tests.conftest import DOT, balance
from tests.jobs.market import error, ok, register, stake, step, submit

pytestmark = pytest.mark.django_db


def unbonding(signer) -> int:
    return account_balance("DOT", f"unbonding:{signer.public_key}")


@pytest.fixture
def bob_provides(actions, bob, fund):
    fund(bob, 1000 * DOT)
    return register(actions, bob, capabilities=("gpu", "tee"), stake=150 * DOT)


def test_registering_stakes_and_lists_the_provider(bob_provides, bob, api):
    assert bob_provides["address"] == bob.address
    assert (bob_provides["stake"], bob_provides["reputation"], bob_provides["active"]) == (
        str(150 * DOT),
        500,
        True,
    )
    assert (balance(bob), stake(bob)) == (850 * DOT, 150 * DOT)
    detail = api.get(f"/api/providers/{bob.address}").json()
    assert detail == {k: v for k, v in bob_provides.items() if k != "action_id"}
    listed = api.get("/api/providers").json()
    assert (listed["count"], listed["results"][0]["address"]) == (1, bob.address)


def test_a_stake_below_the_minimum_is_refused(actions, bob, fund):
    fund(bob, 1000 * DOT)
    response = actions.post(
        "/api/providers",
        bob,
        "register_provider",
        {"name": "b", "capabilities": ["cpu"], "regions": [], "pricing": {}, "stake": str(DOT)},
    )
    assert error(response) == (409, "below_minimum")
    assert (balance(bob), Provider.objects.count()) == (1000 * DOT, 0)


def test_registering_twice_is_a_duplicate(bob_provides, actions, bob):
    response = actions.post(
        "/api/providers",
        bob,
        "register_provider",
        {"name": "again", "capabilities": ["cpu"], "stake": str(100 * DOT)},
    )
    assert error(response) == (409, "duplicate")
    assert stake(bob) == 150 * DOT


@pytest.mark.parametrize(
    "bad",
    [
        {"capabilities": []},
        {"capabilities": ["fpga"]},
        {"capabilities": ["gpu", "gpu"]},
        {"pricing": {"cpu": str(DOT)}},
        {"stake": 100 * DOT},
    ],
)
def test_malformed_registrations_are_invalid(actions, bob, fund, bad):
    fund(bob, 1000 * DOT)
    params = {"name": "b", "capabilities": ["gpu"], "stake": str(100 * DOT), **bad}
    response = actions.post("/api/providers", bob, "register_provider", params)
    assert error(response) == (400, "invalid_params")


def test_adding_stake_moves_more_into_the_stake_account(bob_provides, actions, bob):
    provider = ok(actions.post("/api/providers/stake", bob, "add_stake", {"amount": str(DOT)}))
    assert provider["stake"] == str(151 * DOT)
    assert (balance(bob), stake(bob)) == (849 * DOT, 151 * DOT)


def test_only_a_provider_can_add_stake_or_unbond(actions, mallory, fund):
    fund(mallory, 10 * DOT)
    for url, action in [("/api/providers/stake", "add_stake"), ("/api/providers/unbond", "unbond")]:
        assert error(actions.post(url, mallory, action, {"amount": str(DOT)})) == (403, "forbidden")
    assert balance(mallory) == 10 * DOT


@override_settings(PM_UNBOND_SECONDS=3600)
def test_unbonded_stake_waits_out_the_cooldown_then_the_sweep_returns_it(
    bob_provides, actions, bob
):
    started = timezone.now()
    response = ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(50 * DOT)}))
    unbond_at = Unbonding.objects.get().unbond_at
    assert timedelta(seconds=3599) < unbond_at - started < timedelta(seconds=3601)
    assert response["amount"] == str(50 * DOT)
    assert (balance(bob), stake(bob), unbonding(bob)) == (850 * DOT, 100 * DOT, 50 * DOT)

    assert services.release_matured_unbondings() == 0  # still cooling down
    Unbonding.objects.update(unbond_at=timezone.now())
    assert services.release_matured_unbondings() == 1
    assert (balance(bob), stake(bob), unbonding(bob)) == (900 * DOT, 100 * DOT, 0)
    assert services.release_matured_unbondings() == 0  # nothing moves twice
    assert balance(bob) == 900 * DOT


def test_unbonding_more_than_the_stake_is_insufficient_funds(bob_provides, actions, bob):
    response = actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(151 * DOT)})
    assert error(response) == (409, "insufficient_funds")
    assert (stake(bob), Unbonding.objects.count()) == (150 * DOT, 0)


def test_with_an_open_job_the_stake_may_not_go_below_the_minimum(
    bob_provides, actions, alice, bob, fund
):
    fund(alice, 100 * DOT)
    job = ok(submit(actions, alice), 201)
    bid = ok(step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    response = actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(51 * DOT)})
    assert error(response) == (409, "below_minimum")
    assert stake(bob) == 150 * DOT
    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(50 * DOT)}))
    assert stake(bob) == 100 * DOT
    ok(step(actions, alice, job["id"], "cancel"))  # no open job any more: all may go
    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(100 * DOT)}))
    assert (stake(bob), unbonding(bob)) == (0, 150 * DOT)
    assert Job.objects.get(pk=job["id"]).status == "cancelled"


def test_reputation_follows_the_rule_and_stays_within_0_and_1000(bob_provides, bob):
    provider = Provider.objects.get(wallet__public_key=bob.public_key)

    def apply(outcome, times=1):
        for _ in range(times):
            services.record_outcome(provider.pk, outcome)
        provider.refresh_from_db()
        return provider.reputation

    assert apply(Outcome.COMPLETED) == 510
    assert apply(Outcome.REFUNDED) == 480
    assert apply(Outcome.SPLIT) == 450
    assert apply(Outcome.EXPIRED) == 400
    assert apply(Outcome.EXPIRED, 9) == 0
    assert apply(Outcome.COMPLETED, 101) == 1000
    assert (provider.jobs_completed, provider.jobs_expired, provider.disputes_lost) == (103, 10, 2)


def test_staff_slash_sends_stake_to_the_treasury_with_the_reason(bob_provides, bob):
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    slash = services.slash_provider(provider.pk, amount=30 * DOT, reason="fake results")
    assert (slash.reason, slash.beneficiary) == ("fake results", "treasury")
    assert (stake(bob), account_balance("DOT", "fees")) == (120 * DOT, 30 * DOT)
    with pytest.raises(InsufficientFunds):
        services.slash_provider(provider.pk, amount=121 * DOT, reason="too much")
    assert stake(bob) == 120 * DOT


def test_a_provider_joins_the_capability_groups_and_shows_on_me(bob_provides, actions, bob, api):
    wallet = Wallet.objects.get(public_key=bob.public_key)
    assert hooks.groups_for(wallet) == ["capability.gpu", "capability.tee"]
    token = actions.post("/api/auth/login", bob, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api.get("/api/me").json()
    assert me["provider"]["address"] == bob.address
    dot = next(b for b in me["balances"] if b["asset"] == "DOT")
    assert (dot["available"], dot["staked"]) == (str(850 * DOT), str(150 * DOT))
    services.deactivate_provider(Provider.objects.get().pk, reason="gone")
    assert hooks.groups_for(wallet) == []


def test_an_unknown_provider_is_not_found(db, api, mallory):
    assert error(api.get(f"/api/providers/{mallory.address}")) == (404, "not_found")
    assert error(api.get("/api/providers/garbage")) == (404, "not_found")


def test_the_provider_list_reads_stakes_with_the_providers_not_two_queries_each(
    bob_provides, actions, api, bob, carol, dave, fund
):
    def listed() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            page = api.get("/api/providers")
        assert page.status_code == 200
        return len(queries), {
            p["address"]: (p["stake"], p["unbonding"]) for p in page.json()["results"]
        }

    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(50 * DOT)}))
    one, providers = listed()
    for other in (carol, dave):
        fund(other, 1000 * DOT)
        register(actions, other, stake=120 * DOT)
    three, more = listed()
    assert one == three
    assert providers == {bob.address: (str(100 * DOT), str(50 * DOT))}
    assert more == {
        bob.address: (str(100 * DOT), str(50 * DOT)),
        carol.address: (str(120 * DOT), "0"),
        dave.address: (str(120 * DOT), "0"),
    }
    for address, (staked, _) in more.items():  # the detail, read on its own, agrees
        assert api.get(f"/api/providers/{address}").json()["stake"] == staked


def test_an_open_bid_keeps_the_minimum_stake_bonded(bob_provides, actions, alice, bob, fund):
    fund(alice, 100 * DOT)
    job = ok(submit(actions, alice), 201)
    ok(step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60), 201)
    response = actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(150 * DOT)})
    assert error(response) == (409, "below_minimum")
    assert stake(bob) == 150 * DOT
    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(50 * DOT)}))
    ok(step(actions, alice, job["id"], "cancel"))  # the bid's job is gone: all may go
    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(100 * DOT)}))
    assert stake(bob) == 0


def test_a_bid_whose_provider_fell_below_the_minimum_stake_cannot_be_assigned(
    bob_provides, actions, alice, bob, fund, settings
):
    fund(alice, 100 * DOT)
    job = ok(submit(actions, alice), 201)
    bid = ok(step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60), 201)
    settings.PM_MIN_STAKE = 200 * DOT  # as after a slash: 150 DOT is no longer enough
    response = step(actions, alice, job["id"], "assign", bid_id=bid["id"])
    assert error(response) == (409, "below_minimum")
    assert Job.objects.get(pk=job["id"]).status == "registered"


def test_auto_assign_passes_over_a_provider_below_the_minimum_stake(
    bob_provides, actions, alice, bob, fund, settings
):
    from marketplace.jobs.services import auto_assign

    fund(alice, 100 * DOT)
    job = ok(submit(actions, alice, auto_assign=True), 201)
    ok(step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60), 201)
    Job.objects.filter(pk=job["id"]).update(bid_window_ends_at=timezone.now())
    settings.PM_MIN_STAKE = 200 * DOT
    assert auto_assign(job["id"]) is False
    job_row = Job.objects.get(pk=job["id"])
    assert (job_row.status, job_row.assigned_provider) == ("registered", None)
    assert job_row.bids.get().status == "rejected"
