import os
import subprocess
import sys

import pytest
from django.test import override_settings

from ledger.models import Transfer
from tests.conftest import DOT, USDT, balance
from tests.stack import ROOT

pytestmark = pytest.mark.django_db

FAUCET = "/api/faucet"


def code(response):
    return response.json()["error"]["code"]


def test_the_faucet_credits_the_wallet_and_answers_its_balances(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", {"asset": "USDT", "amount": str(5 * USDT)})
    assert response.status_code == 200
    balances = {b["asset"]: b for b in response.json()["balances"]}
    assert balances["USDT"] == {
        "asset": "USDT",
        "available": str(5 * USDT),
        "held": "0",
        "staked": "0",
    }
    assert balance(alice, "USDT") == 5 * USDT


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "-5",
        "1.5",
        "1e10",
        " 10",
        "ten",
        "",
        "0x10",
        "9" * 40,
        "9" * 5000,
        10,
        1.5,
        None,
        True,
        [],
        {},
    ],
)
def test_amounts_that_are_not_positive_integer_strings_are_invalid_and_change_nothing(
    actions, alice, amount
):
    response = actions.post(FAUCET, alice, "faucet", {"asset": "DOT", "amount": amount})
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "amount" in response.json()["error"]["fields"]
    assert not Transfer.objects.exists()


def test_an_unknown_asset_is_invalid_params(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", {"asset": "BTC", "amount": "1"})
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert response.json()["error"]["fields"] == {"asset": "Unknown asset 'BTC'."}


@override_settings(PM_FAUCET_MAX=10)
def test_more_than_the_faucet_cap_is_invalid_params(actions, alice):
    over = {"asset": "DOT", "amount": str(10 * DOT + 1)}
    assert code(actions.post(FAUCET, alice, "faucet", over)) == "invalid_params"
    at_cap = {"asset": "DOT", "amount": str(10 * DOT)}
    assert actions.post(FAUCET, alice, "faucet", at_cap).status_code == 200
    assert balance(alice) == 10 * DOT


@override_settings(PM_FAUCET_ENABLED=False)
def test_a_disabled_faucet_is_forbidden(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", {"asset": "DOT", "amount": "1"})
    assert (response.status_code, code(response)) == (403, "forbidden")
    assert balance(alice) == 0


def test_the_faucet_is_off_unless_the_deployment_turns_it_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PM_FAUCET_ENABLED"}
    env["DJANGO_SETTINGS_MODULE"] = "polkamesh_web.settings"
    show = (
        "import django; django.setup(); "
        "from django.conf import settings as s; print(s.PM_FAUCET_ENABLED)"
    )
    result = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export PM_FAUCET_ENABLED ?= true" in makefile


def test_every_page_says_test_network_while_the_faucet_is_on(client):
    assert "Test network" in client.get("/").content.decode()
    with override_settings(PM_FAUCET_ENABLED=False):
        assert "Test network" not in client.get("/").content.decode()
