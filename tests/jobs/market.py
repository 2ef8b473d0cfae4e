"""Helpers for compute-market tests: post each signed action of a job's life, and read
the balances the lifecycle tests check (owner, provider, treasury, escrow)."""

from datetime import UTC, datetime, timedelta

from ledger.selectors import account_balance, hold_balance
from tests.conftest import DOT

# The signed action behind each `POST /api/jobs/{id}/<step>`.
STEPS = {
    "bids": "submit_bid",
    "decline": "decline_job",
    "assign": "assign_provider",
    "start": "mark_in_progress",
    "result": "submit_result",
    "accept": "accept_result",
    "dispute": "dispute_job",
    "cancel": "cancel_job",
}
RESULT_HASH = "ab" * 32


def deadline_in(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(actions, signer, *, capabilities=("gpu",), stake=200 * DOT):
    response = actions.post(
        "/api/providers",
        signer,
        "register_provider",
        {
            "name": f"{signer.address[:6]} compute",
            "capabilities": list(capabilities),
            "regions": ["eu-west"],
            "pricing": {cap: str(DOT) for cap in capabilities},
            "stake": str(stake),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def job_params(**overrides) -> dict:
    """`submit_job`'s params: a GPU job of 10 DOT due in an hour, with the overrides."""
    return {
        "model_ref": "ipfs://model",
        "data_ref": "ipfs://data",
        "compute_type": "gpu",
        "asset": "DOT",
        "budget": str(10 * DOT),
        "deadline": deadline_in(3600),
        "privacy_required": False,
        **overrides,
    }


def submit(actions, signer, **overrides):
    return actions.post("/api/jobs", signer, "submit_job", job_params(**overrides))


def step(actions, signer, job_id: int, name: str, **params):
    """POST /api/jobs/{job_id}/{name} as `signer` with params {job_id, **params}."""
    return actions.post(
        f"/api/jobs/{job_id}/{name}", signer, STEPS[name], {"job_id": job_id, **params}
    )


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def escrow(job_id: int) -> int:
    from marketplace.jobs.models import Job

    return hold_balance(Job.objects.get(pk=job_id).escrow_hold_id)


def treasury(asset: str = "DOT") -> int:
    return account_balance(asset, "fees")


def stake(signer) -> int:
    return account_balance("DOT", f"stake:{signer.public_key}")


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def books(owner, provider, job_id: int) -> tuple[int, int, int, int]:
    """(owner available, provider available, treasury, escrow), after checking the
    ledger's invariants at this step."""
    from ledger.invariants import violations
    from tests.conftest import balance

    assert violations() == []
    return balance(owner), balance(provider), treasury(), escrow(job_id)
