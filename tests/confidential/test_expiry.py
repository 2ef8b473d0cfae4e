"""Confidential jobs follow the compute market's deadline sweep: an unattested job is
refunded at its deadline and the worker is slashed like any assigned provider."""

import pytest
from django.utils import timezone

from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job
from tests.confidential.conftest import BUDGET, attest
from tests.confidential.test_record_attestation import RESULT_HASH, message
from tests.conftest import DOT, balance
from tests.jobs.market import escrow, stake, treasury

pytestmark = pytest.mark.django_db

SLASH = 200 * DOT * 1000 // 10_000  # PM_SLASH_BPS (10 %) of dave's 200 DOT stake


def test_the_deadline_sweep_refunds_an_unattested_confidential_job(
    actions, alice, dave, confidential
):
    Job.objects.filter(pk=confidential["job_id"]).update(deadline=timezone.now())

    assert job_services.expire_overdue() == 1

    job = Job.objects.get(pk=confidential["job_id"])
    assert (job.status, job.escrow_state) == ("expired", "refunded")
    assert escrow(job.pk) == 0
    # alice gets the budget back and the slashed share of the worker's stake (≤ the price)
    assert balance(alice) == 100 * DOT + min(SLASH, BUDGET)
    assert stake(dave) == 200 * DOT - min(SLASH, BUDGET)
    assert balance(dave) == 100 * DOT and treasury() == 0
    assert job.assigned_provider.jobs_expired == 1

    late = attest(
        actions,
        dave,
        confidential["id"],
        {"result_hash": RESULT_HASH, "attestation_proof": dave.sign(message(confidential))},
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_state")
    assert balance(alice) == 100 * DOT + min(SLASH, BUDGET)


def test_the_owner_may_cancel_before_the_worker_attests(actions, alice, dave, confidential):
    response = actions.post(
        f"/api/jobs/{confidential['job_id']}/cancel",
        alice,
        "cancel_job",
        {"job_id": confidential["job_id"]},
    )
    assert response.status_code == 200
    assert balance(alice) == 100 * DOT
    late = attest(
        actions,
        dave,
        confidential["id"],
        {"result_hash": RESULT_HASH, "attestation_proof": dave.sign(message(confidential))},
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_state")
