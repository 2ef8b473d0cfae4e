"""Shared test fixtures: the personas, signed-action helpers and the ledger check that
runs after every test that touched the database."""

import json
import os
import secrets
from datetime import UTC, datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from substrateinterface import Keypair, KeypairType

from marketplace.core.canonical import canonical_json

# The suite sends far more requests a minute from 127.0.0.1 and from //Alice than a
# client ever should; the rate-limit tests set their own low limits. These reach the
# server processes tests start; `_generous_rate_limits` does the same in this one.
UNLIMITED = "1000000/minute"
for _name in ("PM_RATE_IP", "PM_RATE_ADDRESS", "PM_RATE_LOGIN", "PM_RATE_FAUCET"):
    os.environ.setdefault(_name, UNLIMITED)
# The faucet is off by default (a deployment opts in); the suite funds wallets with it,
# here and in the server processes it starts. tests/wallets/test_faucet.py checks "off".
os.environ.setdefault("PM_FAUCET_ENABLED", "true")


@pytest.fixture(autouse=True, scope="session")
def _generous_rate_limits():
    settings.PM_RATE_IP = settings.PM_RATE_ADDRESS = UNLIMITED
    settings.PM_RATE_ACTIONS = {"login": UNLIMITED, "faucet": UNLIMITED}
    settings.PM_FAUCET_ENABLED = True


class Signer:
    """A wallet that builds and signs action envelopes the way wallet.js does."""

    def __init__(self, keypair: Keypair):
        self.keypair = keypair

    @property
    def address(self) -> str:
        return self.keypair.ss58_address

    @property
    def public_key(self) -> str:
        return self.keypair.public_key.hex()

    def payload(self, action, params, *, domain=None, nonce=None, issued_at=None, address=None):
        obj = {
            "action": action,
            "address": address or self.address,
            "domain": domain or settings.PM_DOMAIN,
            "nonce": nonce or secrets.token_urlsafe(24),
            "issued_at": issued_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "params": params,
        }
        return canonical_json(obj)

    def sign(self, payload: str, *, wrap: bool = False) -> str:
        message = f"<Bytes>{payload}</Bytes>" if wrap else payload
        return "0x" + self.keypair.sign(message.encode()).hex()

    def envelope(self, action, params, *, wrap=False, **payload_options) -> dict:
        payload = self.payload(action, params, **payload_options)
        return {"payload": payload, "signature": self.sign(payload, wrap=wrap)}


_keys: dict[str, Keypair] = {}


def _persona(uri: str, crypto_type: int = KeypairType.SR25519) -> Signer:
    if uri not in _keys:
        if uri.startswith("//"):
            _keys[uri] = Keypair.create_from_uri(uri, crypto_type=crypto_type)
        else:
            _keys[uri] = Keypair.create_from_mnemonic(uri, crypto_type=crypto_type)
    return Signer(_keys[uri])


# Fixed personas: alice buys, bob provides compute, carol owns data, dave runs a TEE
# worker, mallory is the outsider every permission test uses.
@pytest.fixture
def alice() -> Signer:
    return _persona("//Alice")


@pytest.fixture
def bob() -> Signer:
    return _persona("//Bob")


@pytest.fixture
def carol() -> Signer:
    return _persona("//Charlie")


@pytest.fixture
def dave() -> Signer:
    return _persona("//Dave")


@pytest.fixture
def mallory() -> Signer:
    return _persona("//Mallory")


ED25519_MNEMONIC = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"


@pytest.fixture
def erin_ed25519() -> Signer:
    """An ed25519 wallet (ed25519 keys cannot come from //URIs)."""
    return _persona(ED25519_MNEMONIC, KeypairType.ED25519)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


class Actions:
    """Post signed actions: `actions.post("/api/faucet", alice, "faucet", {...})`."""

    def __init__(self, client: APIClient):
        self.client = client

    def post(self, url, signer, action, params, **options):
        body = signer.envelope(action, params, **options)
        # JSON by hand, so that Django's test client (pages, sessions) works as well
        return self.client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def actions(api) -> Actions:
    return Actions(api)


DOT = 10**10
USDT = 10**6


@pytest.fixture
def fund():
    """Give a wallet money from outside (what a bridge deposit would do)."""
    from django.db import transaction

    from ledger import services as ledger

    def fund(signer: Signer, amount: int, asset: str = "DOT") -> None:
        with transaction.atomic():
            ledger.deposit(
                signer.public_key,
                asset,
                amount,
                kind="test_funding",
                reference="test",
                key=f"test:{signer.public_key}:{asset}:{secrets.token_hex(8)}",
            )

    return fund


def balance(signer: Signer, asset: str = "DOT") -> int:
    from ledger.selectors import available_balance

    return available_balance(signer.public_key, asset)


def _database_fixture(request) -> str | None:
    if request.node.get_closest_marker("django_db"):
        return "_django_db_helper"
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            return name
    return None


@pytest.fixture(autouse=True)
def _ledger_invariants_hold_after_each_test(request):
    """Every test that used the database ends with the ledger's invariants checked."""
    database = _database_fixture(request)
    if database is None:
        yield
        return
    # Set the database up before this fixture, so our check runs before its teardown
    # rolls the test's changes back.
    request.getfixturevalue(database)
    # transactional tests flush every table, the migrated assets included
    from ledger.assets import ensure_platform_assets
    from ledger.models import Asset

    ensure_platform_assets(Asset)
    yield
    from ledger.invariants import violations

    assert violations() == [], "ledger invariants violated"


@pytest.fixture(scope="session")
def local_chain_process(tmp_path_factory):
    """The local Substrate chain, started once per test session when a test needs it."""
    from tests.stack import LocalChain

    chain = LocalChain(tmp_path_factory.mktemp("chain"))
    chain.start()
    yield chain
    chain.stop()


@pytest.fixture
def chain_url(local_chain_process) -> str:
    """The session's local chain (LocalChain.running_url)."""
    return local_chain_process.running_url()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the run, close connections that worker threads (channels, thread tests)
    left open, so the test database can be dropped."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
