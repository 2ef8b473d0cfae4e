"""Agents against a real server (uvicorn) on the test database, clients over HTTP."""

import hashlib
import time

import numpy as np
import pytest

from marketplace.agents.client import Client, Signer
from tests.stack import web_server


@pytest.fixture
def server(transactional_db, tmp_path, settings):
    """A real web server process; the test's data is committed, so the server sees it. Both
    store artifacts in the test's own folder."""
    store = tmp_path / "artifacts"
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(store)},
        },
    }
    with web_server("agents-web", PM_ARTIFACT_DIR=str(store)) as url:
        yield url


def client_for(url: str, uri: str, **options) -> Client:
    return Client(url, Signer.from_uri(uri), **options)


HOUR = 3600
MIDNIGHT = 1740960000  # 2025-03-03T00:00:00Z: the daily cycle starts at 0 h UTC


def traffic(hours: int, *, noise: float = 1.0, seed: int = 7) -> np.ndarray:
    """Known hourly signal from MIDNIGHT: level 100, +2/day trend, a daily cycle of 30
    peaking mid-afternoon, a half-day harmonic of 8, and gaussian noise of `noise`."""
    t = np.arange(hours) * HOUR
    phase = 2 * np.pi * t / 86400
    clean = 100 + 2 * t / 86400 + 30 * np.sin(phase - 1.2) + 8 * np.cos(2 * phase)
    return clean + np.random.default_rng(seed).normal(0, noise, hours)


def faucet(client: Client, amount: int, asset: str = "DOT") -> None:
    client.post_action("/api/faucet", "faucet", {"asset": asset, "amount": str(amount)})


def dot(client: Client) -> dict:
    """The wallet's DOT balance row of /api/me: {asset, available, held, staked}."""
    return next(b for b in client.get("/api/me")["balances"] if b["asset"] == "DOT")


def until(check, timeout: float = 30, every: float = 0.3):
    """Poll `check` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s")


def upload(
    client: Client,
    data: bytes,
    *,
    media_type: str = "application/onnx",
    visibility: str = "private",
) -> str:
    """`upload_artifact` over HTTP (a signed multipart form); the artifact's cid."""
    params = {
        "name": "model.onnx" if media_type == "application/onnx" else "inputs.json",
        "media_type": media_type,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "visibility": visibility,
    }
    payload = client.signer.payload(
        "upload_artifact", params, domain=client.config()["domain"], nonce=f"up-{time.time_ns()}"
    )
    response = client.session.post(
        client.base_url + "/api/artifacts",
        data={"payload": payload, "signature": client.signer.sign(payload)},
        files={"content": ("blob", data)},
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()["cid"]
