"""Data NFT fixtures: carol's NFTs, subscriptions, tokens, and a clock that can move."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.conftest import DOT

PRICE = DOT // 10  # 0.1 DOT per hour

METADATA = {
    "name": "City traffic — Main St. sensor",
    "description": "Vehicles per hour at Main St. & 5th Ave.",
    "category": "smart_city",
    "sensor_type": "inductive loop",
    "data_format": "json",
    "update_frequency": "hourly",
    "content_ref": "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    "access_policy": "subscription",
    "asset": "DOT",
    "price_per_hour": str(PRICE),
    "location": "Main St. & 5th Ave.",
}


def code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def mint(actions):
    """Mint a Data NFT as `signer` (metadata overridable); returns the response JSON."""

    def mint(signer, **overrides):
        response = actions.post(
            "/api/data-nfts", signer, "mint_data_nft", {**METADATA, **overrides}
        )
        assert response.status_code == 201, response.content
        return response.json()

    return mint


@pytest.fixture
def nft(mint, carol) -> dict:
    """carol's subscription NFT at 0.1 DOT per hour."""
    return mint(carol)


@pytest.fixture
def public_nft(mint, carol) -> dict:
    return mint(carol, name="Air quality — open data", access_policy="public", price_per_hour="0")


@pytest.fixture
def subscribe(actions):
    def subscribe(signer, nft_id: int, hours: int, **options):
        return actions.post(
            f"/api/data-nfts/{nft_id}/subscriptions",
            signer,
            "purchase_subscription",
            {"nft_id": nft_id, "hours": hours},
            **options,
        )

    return subscribe


@pytest.fixture
def access(actions):
    def access(signer, nft_id: int, **options):
        return actions.post(
            f"/api/data-nfts/{nft_id}/access", signer, "access_data", {"nft_id": nft_id}, **options
        )

    return access


@pytest.fixture
def publish(actions):
    def publish(signer, nft_id: int, readings: list, **options):
        return actions.post(
            f"/api/data-nfts/{nft_id}/readings",
            signer,
            "publish_readings",
            {"nft_id": nft_id, "readings": readings},
            **options,
        )

    return publish


def hourly(count: int, start: datetime | None = None) -> list[dict]:
    """`count` hourly readings from `start` (default 2025-01-01T00:00Z), value = index."""
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    return [{"ts": (start + timedelta(hours=i)).isoformat(), "value": i} for i in range(count)]


@contextmanager
def later(**delta):
    """Run the block as if `delta` (timedelta kwargs) had passed. Signed actions inside
    must pass `issued_at=stamp()` so they are fresh for the moved clock."""
    moved = timezone.now() + timedelta(**delta)
    with mock.patch("django.utils.timezone.now", return_value=moved):
        yield moved


def stamp() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
