"""Staff work through the admin: resolving a dispute on its page, and slashing or
deactivating a provider ask for their inputs on an intermediate form, then call the
services."""

import pytest
from django.contrib.auth import get_user_model

from marketplace.jobs.models import Job
from marketplace.providers.models import Provider, Slash
from tests.conftest import DOT
from tests.jobs.market import books, stake

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", password="pw")
    client.force_login(user)
    return client


def test_staff_split_a_dispute_from_the_admin(disputed, staff, alice, bob):
    url = f"/admin/jobs/job/{disputed['id']}/resolve/"
    form = staff.get(url)
    assert form.status_code == 200 and b"provider_percent" in form.content
    staff.post(url, {"outcome": "split", "provider_percent": "50", "note": "half done"})
    job = Job.objects.get(pk=disputed["id"])
    assert (job.status, job.resolution, job.provider_percent) == ("settled", "split", 50)
    share, fee = 4 * DOT, 4 * DOT * 250 // 10_000
    assert books(alice, bob, job.pk) == (96 * DOT, 800 * DOT + share - fee, fee, 0)
    assert job.history.last().note == "dispute resolved: split 50% to the provider — half done"


def test_staff_slash_and_deactivate_a_provider_from_the_admin(market, staff, bob):
    provider = Provider.objects.get()
    url = "/admin/providers/provider/"
    chosen = {"_selected_action": [provider.pk]}
    staff.post(
        url, {**chosen, "action": "slash", "apply": "1", "amount": str(DOT), "reason": "spam"}
    )
    assert (stake(bob), Slash.objects.get().reason) == (199 * DOT, "spam")
    staff.post(url, {**chosen, "action": "deactivate", "apply": "1", "reason": "spam"})
    provider.refresh_from_db()
    assert (provider.active, provider.deactivation_reason) == (False, "spam")
