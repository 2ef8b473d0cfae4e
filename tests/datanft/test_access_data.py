from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from marketplace.datanft.models import DataAccess
from marketplace.wallets.models import SignedAction
from tests.conftest import DOT
from tests.datanft.conftest import code, later, stamp

pytestmark = pytest.mark.django_db


def expiry(response) -> datetime:
    return datetime.fromisoformat(response.json()["expires_at"])


def test_without_a_subscription_access_is_data_access_required(nft, access, mallory):
    response = access(mallory, nft["id"])
    assert (response.status_code, code(response)) == (403, "data_access_required")
    assert not DataAccess.objects.exists()


def test_a_subscriber_gets_a_token_for_at_most_an_hour(nft, subscribe, access, alice, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 5)
    response = access(alice, nft["id"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token"]
    assert body["content_ref"].startswith("ipfs://")
    hour = timezone.now() + timedelta(hours=1)
    assert hour - timedelta(seconds=5) <= expiry(response) <= hour


def test_the_token_ends_with_a_subscription_that_ends_sooner(nft, subscribe, access, alice, fund):
    fund(alice, DOT)
    bought = subscribe(alice, nft["id"], 1).json()
    with later(minutes=45):
        response = access(alice, nft["id"], issued_at=stamp())
    ends = datetime.fromisoformat(bought["expires_at"])
    # Rounded down to whole seconds: never after the subscription.
    assert ends - timedelta(seconds=1) < expiry(response) <= ends


def test_after_the_subscription_ends_access_is_refused(nft, subscribe, access, alice, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    with later(hours=1, seconds=1):
        response = access(alice, nft["id"], issued_at=stamp())
    assert (response.status_code, code(response)) == (403, "data_access_required")


def test_the_owner_needs_no_subscription(nft, access, carol):
    response = access(carol, nft["id"])
    assert response.status_code == 200
    hour = timezone.now() + timedelta(hours=1)
    assert hour - timedelta(seconds=5) <= expiry(response) <= hour


def test_anyone_reads_a_public_nft_without_a_subscription(public_nft, access, mallory):
    response = access(mallory, public_nft["id"])
    assert response.status_code == 200
    assert response.json()["token"]


def test_every_token_issued_is_counted(nft, access, carol):
    access(carol, nft["id"])
    access(carol, nft["id"])
    assert DataAccess.objects.filter(kind="token", accessor=carol.public_key).count() == 2


def test_the_token_is_never_kept_in_the_audit_trail(nft, actions, carol):
    envelope = carol.envelope("access_data", {"nft_id": nft["id"]})
    url = f"/api/data-nfts/{nft['id']}/access"
    first = actions.client.post(url, envelope, format="json")
    assert first.json()["token"]
    stored = SignedAction.objects.get(action="access_data").response_body
    assert "token" not in stored
    replay = actions.client.post(url, envelope, format="json")
    assert "token" not in replay.json()


def test_an_unknown_nft_is_not_found(access, carol):
    response = access(carol, 424242)
    assert (response.status_code, code(response)) == (404, "not_found")
