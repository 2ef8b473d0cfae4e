import pytest

from ledger.selectors import account_balance
from marketplace.core.errors import InvalidState
from marketplace.wallets import services
from marketplace.wallets.models import Withdrawal
from tests.conftest import DOT, balance

pytestmark = pytest.mark.django_db

WITHDRAW = "/api/withdrawals"


@pytest.fixture
def withdrawal(actions, alice, bob, fund):
    fund(alice, 10 * DOT)
    response = actions.post(
        WITHDRAW,
        alice,
        "withdraw",
        {"asset": "DOT", "amount": str(4 * DOT), "destination": bob.address},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_withdrawal_holds_the_amount_as_pending(withdrawal, alice, bob, api):
    assert withdrawal["status"] == "pending"
    assert withdrawal["destination"] == bob.address
    assert balance(alice) == 6 * DOT
    me = {b["asset"]: b for b in _me(api, alice)["balances"]}
    assert me["DOT"]["held"] == str(4 * DOT)


def _me(api, signer):
    from tests.conftest import Actions

    token = Actions(api).post("/api/auth/login", signer, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.get("/api/me").json()


def test_staff_marking_it_paid_sends_the_money_out_of_the_ledger(withdrawal, alice):
    external_before = account_balance("DOT", "external")
    services.mark_withdrawal_paid(withdrawal["id"])
    assert Withdrawal.objects.get().status == "confirmed"
    assert balance(alice) == 6 * DOT
    assert account_balance("DOT", "external") == external_before + 4 * DOT


def test_staff_marking_it_failed_refunds_the_wallet(withdrawal, alice):
    services.mark_withdrawal_failed(withdrawal["id"])
    assert Withdrawal.objects.get().status == "failed"
    assert balance(alice) == 10 * DOT


def test_a_decided_withdrawal_cannot_be_decided_again(withdrawal, alice):
    services.mark_withdrawal_paid(withdrawal["id"])
    with pytest.raises(InvalidState):
        services.mark_withdrawal_failed(withdrawal["id"])
    assert balance(alice) == 6 * DOT


def test_withdrawing_more_than_the_balance_is_insufficient_funds(actions, alice, bob, fund):
    fund(alice, DOT)
    response = actions.post(
        WITHDRAW,
        alice,
        "withdraw",
        {"asset": "DOT", "amount": str(DOT + 1), "destination": bob.address},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "insufficient_funds")
    assert balance(alice) == DOT
    assert not Withdrawal.objects.exists()


def test_a_bad_destination_is_invalid_params(actions, alice, fund):
    fund(alice, DOT)
    response = actions.post(
        WITHDRAW, alice, "withdraw", {"asset": "DOT", "amount": "1", "destination": "nowhere"}
    )
    assert response.status_code == 400
    assert "destination" in response.json()["error"]["fields"]


def test_the_admin_release_marks_paid(withdrawal, admin_client):
    response = admin_client.post(
        "/admin/wallets/withdrawal/",
        {"action": "release", "_selected_action": [withdrawal["id"]]},
        follow=True,
    )
    assert response.status_code == 200
    assert Withdrawal.objects.get().status == "confirmed"
