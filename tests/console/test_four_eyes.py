"""Four eyes on money out: a withdrawal above its asset's review threshold stays
`pending` with `review_state: awaiting_review`, is not ready to pay until an operator
approves it, and the staff member who asked for its manual release cannot be the one
who approves it. Rejecting returns the funds. Each step is in the admin log."""

import pytest
from django.contrib.admin.models import LogEntry

from ledger.selectors import account_balance
from marketplace.wallets import selectors
from marketplace.wallets.models import Withdrawal
from tests.conftest import DOT, balance

pytestmark = pytest.mark.django_db

URL = "/admin/wallets/withdrawal/"


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.PM_WITHDRAW_REVIEW_THRESHOLD = {"DOT": 5 * DOT}


def withdraw(actions, signer, amount: int, to) -> dict:
    response = actions.post(
        "/api/withdrawals",
        signer,
        "withdraw",
        {"asset": "DOT", "amount": str(amount), "destination": to.address},
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def large(actions, alice, bob, fund):
    fund(alice, 10 * DOT)
    return Withdrawal.objects.get(pk=withdraw(actions, alice, 6 * DOT, bob)["id"])


def act(client, withdrawal, action: str, **inputs):
    body = {"action": action, "_selected_action": [withdrawal.pk], "apply": "1", **inputs}
    return client.post(URL, body)


def fresh(withdrawal) -> Withdrawal:
    return Withdrawal.objects.get(pk=withdrawal.pk)


def test_a_large_withdrawal_stays_pending_awaiting_review(large, actions, alice, bob, api):
    small = withdraw(actions, alice, 4 * DOT, bob)  # below the threshold: no review
    assert list(selectors.withdrawals_ready_to_pay()) == [Withdrawal.objects.get(pk=small["id"])]
    login = actions.post("/api/auth/login", alice, "login", {})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")
    mine = {w["id"]: w for w in api.get("/api/withdrawals").json()["results"]}
    assert (mine[large.pk]["status"], mine[large.pk]["review_state"]) == (
        "pending",
        "awaiting_review",
    )
    assert (mine[small["id"]]["status"], mine[small["id"]]["review_state"]) == ("pending", "")


def test_who_asked_for_the_release_cannot_approve_it(large, console, bob):
    ann = console("operator", as_="ann")
    ben = console("operator", as_="ben")
    act(ann, large, "release")
    assert (fresh(large).status, fresh(large).release_requested_by) == ("pending", "ann")

    refused = act(ann, large, "approve", note="looks fine")
    assert refused.status_code == 302
    assert fresh(large).review_state == "awaiting_review"
    assert account_balance("DOT", "external") == -10 * DOT  # nothing left the ledger

    act(ben, large, "approve", note="destination checked with the owner")
    paid = fresh(large)
    assert (paid.status, paid.review_state, paid.reviewed_by) == ("confirmed", "approved", "ben")
    assert account_balance("DOT", "external") == -4 * DOT
    logged = [(e.user.username, e.change_message) for e in LogEntry.objects.order_by("id")]
    assert logged[0][0] == "ann" and "release_requested_by: — → ann" in logged[0][1]
    assert logged[1][0] == "ben"
    assert "review_state: awaiting_review → approved" in logged[1][1]
    assert "status: pending → confirmed" in logged[1][1]
    assert "note: destination checked with the owner" in logged[1][1]


def test_the_approver_cannot_release_it_alone(large, console):
    ann = console("operator", as_="ann")
    ben = console("operator", as_="ben")
    act(ann, large, "approve", note="ok")
    assert fresh(large).review_state == "approved"
    assert large.pk in [w.pk for w in selectors.withdrawals_ready_to_pay()]  # for the payer
    act(ann, large, "release")
    assert fresh(large).status == "pending"
    act(ben, large, "release")
    assert fresh(large).status == "confirmed"


def test_rejecting_returns_the_funds(large, console, alice):
    assert balance(alice) == 4 * DOT
    act(console("operator"), large, "reject", note="destination is a known scam")
    rejected = fresh(large)
    assert (rejected.status, rejected.review_state) == ("failed", "rejected")
    assert "known scam" in rejected.failure_reason
    assert balance(alice) == 10 * DOT


def test_a_review_needs_a_note(large, console):
    page = act(console("operator"), large, "approve", note="  ")
    assert page.status_code == 200 and b"note" in page.content  # the form again
    assert fresh(large).review_state == "awaiting_review"


@pytest.mark.parametrize("role", ["arbiter", "viewer"])
def test_only_operators_review(large, console, role):
    client = console(role)
    assert act(client, large, "approve", note="x").status_code == 403
    assert act(client, large, "release").status_code == 403
    assert fresh(large).review_state == "awaiting_review"
