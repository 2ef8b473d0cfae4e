"""Agents against a real server: daphne on the test database, clients over HTTP."""

import time

import numpy as np
import pytest

from marketplace.agents.client import Client, Signer
from tests.stack import web_server


@pytest.fixture
def server(transactional_db):
    """A real daphne process; the test's data is committed, so the server sees it."""
    with web_server("agents-web") as url:
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
