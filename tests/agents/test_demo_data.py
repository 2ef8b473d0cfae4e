"""`load_demo` for the living demo: the demo provider registered as a cpu provider and
two jobs over the City traffic Data NFT, run by the real runners and settled; once,
however often it runs. The people's wallets (//Alice … //Ferdie) get their funding and
nothing else."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from marketplace.agents import runners
from marketplace.jobs.models import Job
from marketplace.providers.models import Provider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the TEE worker's key file goes here


def test_the_demo_has_two_settled_jobs_run_by_its_provider_and_loading_it_again_adds_nothing():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    jobs = list(Job.objects.order_by("pk"))
    assert [(job.model_ref, job.status) for job in jobs] == [
        ("builtin:forecast", "settled"),
        ("builtin:anomaly", "settled"),
    ]
    bob = Provider.objects.get(capabilities=runners.capabilities())
    assert bob.capabilities == runners.capabilities()
    for job in jobs:
        assert job.assigned_provider == bob
        assert job.data_nft_id is not None
        assert runners.result_hash(job.result_content) == job.result_hash
        assert "error" not in job.result_content
    assert len(jobs[0].result_content["forecast"]) == 24


def test_the_demo_approves_its_tee_worker_with_the_key_its_agent_will_use(settings):
    from marketplace.agents.tee import load_or_create_key
    from marketplace.confidential.models import TeeWorker

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    worker = TeeWorker.objects.get()
    key = load_or_create_key(settings.VAR_DIR / "agents" / "tee-worker.key")
    assert worker.status == "approved"
    assert worker.encryption_public_key == bytes(key.public_key).hex()
    assert Provider.objects.get(wallet=worker.wallet).capabilities == ["tee"]


def test_the_demo_admin_gets_a_random_password_printed_once(monkeypatch):
    monkeypatch.delenv("PM_ADMIN_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Admin login:"))
    password = line.split(" / ")[1]
    assert password != "admin" and len(password) >= 12
    assert authenticate(username="admin", password=password) is not None
    assert authenticate(username="admin", password="admin") is None
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert password not in again.getvalue()


def test_the_demo_admin_password_can_be_chosen(monkeypatch):
    monkeypatch.setenv("PM_ADMIN_PASSWORD", "a-chosen-pass-phrase")
    call_command("load_demo", stdout=io.StringIO())
    assert authenticate(username="admin", password="a-chosen-pass-phrase") is not None


def test_the_peoples_wallets_get_their_funding_and_nothing_else():
    """Whoever imports //Alice (README, "Do it yourself") finds only what they do."""
    from ledger.selectors import statement
    from marketplace.core.demo import FUNDING, PEOPLE, demo_keypair

    call_command("load_demo", stdout=io.StringIO())
    for name in PEOPLE:
        key = demo_keypair(name).public_key.hex()
        assert sorted((t.kind, t.asset, t.amount) for t in statement(key)[:]) == sorted(
            ("demo_funding", asset, amount) for asset, amount in FUNDING.items()
        ), name
