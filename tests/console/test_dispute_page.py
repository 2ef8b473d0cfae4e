"""The dispute resolution page: the job's whole story on one page, and the three
outcomes behind a required note that both parties then see."""

import pytest

from marketplace.jobs.models import Job
from tests.conftest import DOT
from tests.jobs.market import books

pytestmark = pytest.mark.django_db


def url(job: dict) -> str:
    return f"/admin/jobs/job/{job['id']}/resolve/"


def test_the_page_tells_the_whole_story(disputed, console, bob):
    page = console("viewer").get(url(disputed)).content.decode()
    job = Job.objects.get(pk=disputed["id"])
    assert job.dispute_reason in page
    assert job.result_hash in page
    assert "500 / 1000" in page  # the provider's reputation
    assert "200 DOT" in page  # its stake
    assert "8 DOT" in page  # the bid and the price
    for status in ("Registered", "Assigned", "In Progress", "Completed", "Disputed"):
        assert f"<strong>{status}</strong>" in page
    assert "data-pm-resolve" not in page  # a viewer reads it, cannot resolve
    assert "Only an arbiter may resolve disputes." in page


def test_an_arbiter_splits_with_a_note_both_parties_see(
    disputed, console, api, actions, alice, bob
):
    arbiter = console("arbiter")
    note = "The output misses half the rows; the provider did half the work."
    response = arbiter.post(
        url(disputed), {"outcome": "split", "provider_percent": "40", "note": note}
    )
    assert response.status_code == 302
    job = Job.objects.get(pk=disputed["id"])
    assert (job.status, job.resolution, job.provider_percent) == ("settled", "split", 40)
    assert job.resolution_note == note
    share = 8 * DOT * 40 // 100
    fee = share * 250 // 10_000
    assert books(alice, bob, job.pk) == (100 * DOT - share, 800 * DOT + share - fee, fee, 0)

    for party in (alice, bob):
        token = actions.post("/api/auth/login", party, "login", {}).json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = api.get(f"/api/jobs/{job.pk}").json()
        assert body["resolution_note"] == note
        assert body["history"][-1]["note"].endswith(note)
        api.credentials()
    page = api.get(f"/jobs/{job.pk}/").content.decode()
    assert "data-resolution-note" in page and "40 % to the provider" in page


def test_a_resolution_without_a_note_is_refused(disputed, console):
    page = console("arbiter").post(url(disputed), {"outcome": "refund", "note": " "})
    assert page.status_code == 200 and b"This field is required." in page.content
    assert Job.objects.get(pk=disputed["id"]).status == "disputed"


def test_a_split_needs_a_share(disputed, console):
    page = console("arbiter").post(url(disputed), {"outcome": "split", "note": "half"})
    assert b"A split needs the provider" in page.content
    assert Job.objects.get(pk=disputed["id"]).status == "disputed"


def test_an_operator_may_read_but_not_resolve(disputed, console):
    operator = console("operator")
    assert operator.get(url(disputed)).status_code == 200
    assert operator.post(url(disputed), {"outcome": "release", "note": "x"}).status_code == 403
    assert Job.objects.get(pk=disputed["id"]).status == "disputed"


def test_the_job_page_links_to_its_resolution(disputed, console):
    page = console("arbiter").get(f"/admin/jobs/job/{disputed['id']}/change/").content.decode()
    assert url(disputed) in page
