"""Every hostile or repeated signed-action envelope, one row each: the answer API.md
gives it, and how many actions were stored afterwards (nothing changes on an error)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from marketplace.jobs.models import Job
from marketplace.wallets.models import SignedAction
from tests.conftest import DOT
from tests.jobs.market import submit

pytestmark = pytest.mark.django_db

FAUCET = "/api/faucet"
ONE_DOT = {"asset": "DOT", "amount": str(DOT)}


def issued(seconds_from_now: int) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def post(actions, body):
    return actions.client.post(FAUCET, body, format="json")


def identical_replay(actions, alice, mallory, fund):
    body = alice.envelope("faucet", ONE_DOT)
    first = post(actions, body)
    again = post(actions, body)
    assert again.json() == first.json()
    return again


def same_nonce_other_payload(actions, alice, mallory, fund):
    post(actions, alice.envelope("faucet", ONE_DOT, nonce="nonce-used-once-0001"))
    other = {"asset": "DOT", "amount": str(2 * DOT)}
    return post(actions, alice.envelope("faucet", other, nonce="nonce-used-once-0001"))


def expired_issued_at(actions, alice, mallory, fund):
    age = settings.PM_SIGNATURE_MAX_AGE_SECONDS + 5
    return post(actions, alice.envelope("faucet", ONE_DOT, issued_at=issued(-age)))


def issued_at_beyond_the_skew_in_the_future(actions, alice, mallory, fund):
    ahead = settings.PM_SIGNATURE_MAX_AGE_SECONDS + 5
    return post(actions, alice.envelope("faucet", ONE_DOT, issued_at=issued(ahead)))


def signed_for_another_domain(actions, alice, mallory, fund):
    return post(actions, alice.envelope("faucet", ONE_DOT, domain="polkamesh.evil.example"))


def signed_for_another_action(actions, alice, mallory, fund):
    body = alice.envelope("faucet", ONE_DOT)
    return actions.client.post("/api/withdrawals", body, format="json")


def forged_signature_then_the_victims_own(actions, alice, mallory, fund):
    nonce = "victims-next-nonce-01"
    forged_payload = alice.payload("faucet", {"asset": "DOT", "amount": str(5 * DOT)}, nonce=nonce)
    forged = {"payload": forged_payload, "signature": mallory.sign(forged_payload)}
    assert post(actions, forged).json()["error"]["code"] == "bad_signature"
    return post(actions, alice.envelope("faucet", ONE_DOT, nonce=nonce))


def url_id_other_than_params_id(actions, alice, mallory, fund):
    fund(alice, 100 * DOT)
    first, second = (submit(actions, alice).json()["id"] for _ in range(2))
    response = actions.post(f"/api/jobs/{first}/cancel", alice, "cancel_job", {"job_id": second})
    assert set(Job.objects.values_list("status", flat=True)) == {"registered"}
    return response


TABLE = [
    pytest.param(identical_replay, 200, None, True, 1, id="identical replay: first answer"),
    pytest.param(same_nonce_other_payload, 409, "replayed_nonce", False, 1, id="reused nonce"),
    pytest.param(expired_issued_at, 401, "stale_request", False, 0, id="expired issued_at"),
    pytest.param(
        issued_at_beyond_the_skew_in_the_future,
        401,
        "stale_request",
        False,
        0,
        id="issued_at in the future",
    ),
    pytest.param(signed_for_another_domain, 401, "wrong_domain", False, 0, id="wrong domain"),
    pytest.param(signed_for_another_action, 400, "invalid_params", False, 0, id="cross-action"),
    pytest.param(
        forged_signature_then_the_victims_own,
        200,
        None,
        False,
        1,
        id="a forgery does not burn the victim's nonce",
    ),
    pytest.param(
        url_id_other_than_params_id, 400, "invalid_params", False, 2, id="URL id != params id"
    ),
]


@pytest.mark.parametrize(("attack", "status", "code", "replayed", "stored"), TABLE)
def test_each_envelope_gets_its_answer_and_stores_only_what_succeeded(
    actions, alice, mallory, fund, attack, status, code, replayed, stored
):
    response = attack(actions, alice, mallory, fund)
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["error"]["code"] == code
    assert (response.headers.get("Idempotent-Replayed") == "true") is replayed
    assert SignedAction.objects.count() == stored
