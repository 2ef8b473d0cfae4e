"""What the job queue relies on: a job may name a Data NFT only with access to it, and a
settled job that named one is logged once as a usage of it."""

from types import SimpleNamespace

import pytest

from marketplace.core import errors, hooks
from marketplace.datanft import selectors, services
from marketplace.datanft.models import DataAccess
from tests.conftest import DOT
from tests.datanft.conftest import later

pytestmark = pytest.mark.django_db


def test_the_owner_and_an_active_subscriber_have_access(nft, subscribe, alice, carol, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    assert selectors.has_access(carol.public_key, nft["id"])
    assert selectors.has_access(alice.public_key, nft["id"])
    services.check_job_data_access(alice.public_key, nft["id"])
    services.check_job_data_access(carol.public_key, nft["id"])


def test_an_outsider_needs_a_subscription(nft, mallory):
    assert not selectors.has_access(mallory.public_key, nft["id"])
    with pytest.raises(errors.DataAccessRequired):
        services.check_job_data_access(mallory.public_key, nft["id"])


def test_an_ended_subscription_is_no_access(nft, subscribe, alice, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    with later(hours=1, seconds=1):
        assert not selectors.has_access(alice.public_key, nft["id"])


def test_anyone_may_use_a_public_nft(public_nft, nft, mallory):
    assert selectors.has_access(mallory.public_key, public_nft["id"])
    services.check_job_data_access(mallory.public_key, public_nft["id"])  # raises nothing
    with pytest.raises(errors.DataAccessRequired):  # where a subscription is needed, it does
        services.check_job_data_access(mallory.public_key, nft["id"])


def test_an_unknown_nft_is_not_found(mallory):
    assert not selectors.has_access(mallory.public_key, 123456)
    with pytest.raises(errors.NotFound):
        services.check_job_data_access(mallory.public_key, 123456)


def job(nft_id, job_id=41, owner="00" * 32):
    return SimpleNamespace(id=job_id, data_nft_id=nft_id, owner=SimpleNamespace(public_key=owner))


def test_a_settled_job_is_recorded_once_as_a_usage(nft, alice, api):
    services.record_job_usage(job(nft["id"], owner=alice.public_key))
    services.record_job_usage(job(nft["id"], owner=alice.public_key))
    usage = DataAccess.objects.get()
    assert (usage.kind, usage.job_id, usage.accessor) == ("job", 41, alice.public_key)
    figures = api.get(f"/api/data-nfts/{nft['id']}/stats").json()
    assert (figures["job_uses"], figures["accesses"]) == (1, 1)


def test_a_job_without_a_data_nft_records_nothing(nft):
    services.record_job_usage(job(None))
    assert not DataAccess.objects.exists()


def test_the_owner_may_also_be_a_bare_public_key(nft, alice):
    services.record_job_usage(SimpleNamespace(id=9, data_nft_id=nft["id"], owner=alice.public_key))
    assert DataAccess.objects.get().accessor == alice.public_key


@pytest.mark.skipif(
    not hasattr(hooks, "check_job_data_access"), reason="the job queue's hooks are not in"
)
def test_the_job_queue_hooks_reach_the_registry(nft, mallory, alice):
    with pytest.raises(errors.DataAccessRequired):
        hooks.check_job_data_access(mallory.public_key, nft["id"], "subscription")
    with pytest.raises(errors.DataAccessRequired):  # not offered for training
        hooks.check_job_data_access(mallory.public_key, nft["id"], "training")
    hooks.run_job_settled(job(nft["id"], job_id=5, owner=alice.public_key))
    assert DataAccess.objects.filter(kind="job", job_id=5).exists()
