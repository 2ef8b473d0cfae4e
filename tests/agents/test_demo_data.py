"""`load_demo` for the living demo: //Bob registered as a cpu provider and two jobs over
the City traffic Data NFT, run by the real runners and settled; once, however often it
runs."""

import io

import pytest
from django.core.management import call_command

from marketplace.agents import runners
from marketplace.jobs.models import Job
from marketplace.providers.models import Provider

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_settled_jobs_run_by_bob_and_loading_it_again_adds_nothing():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    jobs = list(Job.objects.order_by("pk"))
    assert [(job.model_ref, job.status) for job in jobs] == [
        ("builtin:forecast", "settled"),
        ("builtin:anomaly", "settled"),
    ]
    bob = Provider.objects.get()
    assert bob.capabilities == runners.capabilities()
    for job in jobs:
        assert job.assigned_provider == bob
        assert job.data_nft_id is not None
        assert runners.result_hash(job.result_content) == job.result_hash
        assert "error" not in job.result_content
    assert len(jobs[0].result_content["forecast"]) == 24
