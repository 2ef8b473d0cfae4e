"""Least privilege: each staff role can take exactly its actions and gets 403 on every
other one, with nothing changed. Every role reads everything."""

import pytest
from django.contrib.admin.models import LogEntry

from marketplace.confidential.models import TeeWorker
from marketplace.core.models import Pause
from marketplace.intents import services as intents_services
from marketplace.jobs.models import Job
from marketplace.providers.models import Provider
from marketplace.wallets.models import Withdrawal
from tests.confidential.conftest import register_worker
from tests.conftest import DOT

pytestmark = pytest.mark.django_db

ROLES = ["arbiter", "operator", "viewer"]


@pytest.fixture
def work(disputed, actions, alice, bob, carol, dave, fund, worker_key):
    """One of each thing a staff member acts on."""
    fund(carol, 10 * DOT)
    withdrawal = actions.post(
        "/api/withdrawals",
        carol,
        "withdraw",
        {"asset": "DOT", "amount": str(DOT), "destination": bob.address},
    )
    assert withdrawal.status_code == 201
    assert register_worker(actions, dave, worker_key).status_code == 201
    return {
        "job": Job.objects.get(pk=disputed["id"]),
        "provider": Provider.objects.get(),
        "worker": TeeWorker.objects.get(),
        "withdrawal": Withdrawal.objects.get(),
        "batch": intents_services.open_epoch(),
        "pause": Pause.objects.get(name="batches"),
    }


@pytest.fixture
def worker_key():
    from nacl.public import PrivateKey

    return PrivateKey.generate()


# action → (admin list, admin action, the record it acts on, its inputs, the one role
# allowed to take it)
ACTIONS = {
    "resolve_dispute": (
        "jobs/job",
        "resolve",
        "job",
        {"outcome": "refund", "note": "x"},
        "arbiter",
    ),
    "slash": ("providers/provider", "slash", "provider", {"amount": DOT, "reason": "x"}, "arbiter"),
    "deactivate": ("providers/provider", "deactivate", "provider", {"reason": "x"}, "arbiter"),
    "approve_tee_worker": ("confidential/teeworker", "approve", "worker", {}, "operator"),
    "mark_withdrawal_failed": ("wallets/withdrawal", "mark_failed", "withdrawal", {}, "operator"),
    "settle_batch": ("intents/batch", "close_and_settle_now", "batch", {}, "operator"),
    "pause_batches": ("core/pause", "pause", "pause", {"reason": "upgrade"}, "operator"),
}


def take(client, work, action: str):
    """Post the admin action `action` on its record with its inputs filled in."""
    url, name, record, inputs, _ = ACTIONS[action]
    if name == "resolve":  # a page of its own
        return client.post(f"/admin/{url}/{work[record].pk}/resolve/", inputs)
    body = {"action": name, "_selected_action": [work[record].pk], "apply": "1", **inputs}
    return client.post(f"/admin/{url}/", body)


def state(work) -> tuple:
    fresh = {key: type(obj).objects.get(pk=obj.pk) for key, obj in work.items()}
    return (
        fresh["job"].status,
        fresh["provider"].active,
        fresh["worker"].status,
        fresh["withdrawal"].status,
        fresh["batch"].status,
        fresh["pause"].paused,
    )


# What each action changes in `state` (job, provider active, worker, withdrawal, batch,
# batch settlement paused).
EFFECT = {
    "resolve_dispute": (0, "settled"),
    "deactivate": (1, False),
    "approve_tee_worker": (2, "approved"),
    "mark_withdrawal_failed": (3, "failed"),
    "settle_batch": (4, "settled"),
    "pause_batches": (5, True),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_takes_exactly_its_actions(console, work, role, action):
    client = console(role)
    before = state(work)
    response = take(client, work, action)
    *_, record, _, allowed = ACTIONS[action]
    if allowed != role:
        assert response.status_code == 403
        assert state(work) == before
        assert not LogEntry.objects.exists()
        return
    assert response.status_code == 302, response.content[:400]
    if action in EFFECT:
        index, value = EFFECT[action]
        assert state(work)[index] == value
    entry = LogEntry.objects.get()
    assert entry.user.username == role
    assert entry.object_id == str(work[record].pk)


LISTS = [
    "jobs/job",
    "jobs/bid",
    "providers/provider",
    "providers/slash",
    "confidential/teeworker",
    "wallets/withdrawal",
    "wallets/signedaction",
    "intents/batch",
    "ledger/transfer",
    "ledger/hold",
    "core/pause",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_list_and_record(console, work, role):
    client = console(role)
    for path in LISTS:
        assert client.get(f"/admin/{path}/").status_code == 200, path
    job = work["job"]
    page = client.get(f"/admin/jobs/job/{job.pk}/change/")
    assert page.status_code == 200
    assert b"Copy" in page.content  # the owner's address has its copy button


def test_a_staff_member_without_a_role_sees_nothing(console, work):
    client = console(None)
    assert client.get("/admin/jobs/job/").status_code == 403
    assert take(client, work, "resolve_dispute").status_code == 403


def test_the_viewer_cannot_change_a_record_by_hand(console, work):
    job = work["job"]
    response = console("viewer").post(f"/admin/jobs/job/{job.pk}/change/", {"status": "settled"})
    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).status == "disputed"
