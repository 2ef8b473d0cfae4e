import pytest

from ledger.kinds import TransferKind
from marketplace.wallets.statement import describe
from tests.conftest import DOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(actions, api, alice):
    token = actions.post("/api/auth/login", alice, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_the_statement_lists_my_transfers_newest_first_with_directions(
    signed_in, actions, alice, bob
):
    actions.post("/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(3 * DOT)})
    actions.post(
        "/api/withdrawals",
        alice,
        "withdraw",
        {"asset": "DOT", "amount": str(DOT), "destination": bob.address},
    )
    page = signed_in.get("/api/ledger/entries").json()
    assert page["count"] == 2
    out, into = page["results"]
    assert (out["direction"], out["amount"], out["kind"]) == ("out", str(DOT), "withdrawal_hold")
    assert (into["direction"], into["amount"], into["kind"]) == ("in", str(3 * DOT), "faucet")


def test_the_statement_is_paginated(signed_in, actions, alice):
    for _ in range(3):
        actions.post("/api/faucet", alice, "faucet", {"asset": "DOT", "amount": "1"})
    page = signed_in.get("/api/ledger/entries?page_size=2").json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"] is not None
    assert signed_in.get("/api/ledger/entries?page=9").json()["error"]["code"] == "not_found"


def test_the_statement_shows_nobody_elses_transfers(signed_in, actions, bob):
    actions.post("/api/faucet", bob, "faucet", {"asset": "DOT", "amount": "1"})
    assert signed_in.get("/api/ledger/entries").json()["count"] == 0


def test_a_statement_line_reads_as_its_kinds_label_worded_for_the_wallet_that_sees_it():
    expired = describe(TransferKind.ESCROW_EXPIRED, "job:6", "in")
    assert (expired.words, expired.subject, expired.url) == (
        "Budget refunded: the deadline passed",
        "job #6",
        "/jobs/6/",
    )
    # Both sides of a data subscription are wallets: the owner sold it, the reader bought it.
    assert describe(TransferKind.SUBSCRIPTION, "datanft:3", "in").words == "Data subscription sold"
    assert describe(TransferKind.SUBSCRIPTION, "datanft:3", "out").words == "Data subscription"
    assert describe("some_kind", "", "out").words == "Some kind"
