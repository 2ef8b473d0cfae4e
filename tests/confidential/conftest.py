"""Confidential-job fixtures: dave runs an approved TEE worker (a tee compute provider
with stake, and an X25519 key), alice seals jobs to it."""

import base64
import json

import pytest
from nacl.public import PrivateKey, SealedBox

from tests.conftest import DOT
from tests.jobs.market import deadline_in, ok, register

BUDGET = 10 * DOT


@pytest.fixture
def worker_key() -> PrivateKey:
    return PrivateKey.generate()


@pytest.fixture
def reply_key() -> PrivateKey:
    return PrivateKey.generate()


def register_worker(actions, signer, key: PrivateKey, report: str = "no enclave") -> dict:
    params = {
        "encryption_public_key": bytes(key.public_key).hex(),
        "attestation_report": report,
    }
    return actions.post("/api/tee-workers", signer, "register_tee_worker", params)


def approve(signer) -> None:
    from marketplace.confidential import services
    from marketplace.confidential.models import TeeWorker

    services.approve_tee_worker(TeeWorker.objects.get(wallet__public_key=signer.public_key).pk)


@pytest.fixture
def worker(actions, dave, fund, worker_key) -> dict:
    """dave: 300 DOT, 200 staked as a tee provider, an approved TEE worker."""
    fund(dave, 300 * DOT)
    register(actions, dave, capabilities=("tee",))
    registered = ok(register_worker(actions, dave, worker_key), 201)
    approve(dave)
    return registered


def seal(key: PrivateKey, document: dict) -> str:
    box = SealedBox(key.public_key).encrypt(json.dumps(document).encode())
    return base64.b64encode(box).decode()


def forecast_payload(reply_key: PrivateKey) -> dict:
    """A builtin:forecast request on a day and a half of hourly readings."""
    values = [100 + (i % 24) * 2 for i in range(36)]
    return {
        "model_ref": "builtin:forecast",
        "input": {"start": 1740960000, "step_seconds": 3600, "values": values, "horizon": 6},
        "reply_public_key": bytes(reply_key.public_key).hex(),
    }


def submit(actions, signer, worker_signer, encrypted_payload: str, **overrides):
    params = {
        "worker": worker_signer.address,
        "encrypted_payload": encrypted_payload,
        "asset": "DOT",
        "budget": str(BUDGET),
        "deadline": deadline_in(3600),
        **overrides,
    }
    return actions.post("/api/confidential-jobs", signer, "submit_confidential_job", params)


@pytest.fixture
def confidential(worker, actions, alice, dave, fund, worker_key, reply_key) -> dict:
    """alice (100 DOT) sealed a forecast job to dave's worker."""
    fund(alice, 100 * DOT)
    return ok(submit(actions, alice, dave, seal(worker_key, forecast_payload(reply_key))), 201)


def attest(actions, signer, confidential_id: int, params: dict):
    return actions.post(
        f"/api/confidential-jobs/{confidential_id}/attestation",
        signer,
        "record_attestation",
        {"job_id": confidential_id, **params},
    )


def client_of(actions, signer):
    """A fresh API client signed in as `signer` (token), or anonymous for None."""
    from rest_framework.test import APIClient

    client = APIClient()
    if signer is not None:
        token = actions.post("/api/auth/login", signer, "login", {}).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
