import pytest
from django.apps import apps

from tests.conftest import DOT

pytestmark = pytest.mark.django_db

MODELS = ("datanft", "subscription", "reading", "dataaccess")


@pytest.fixture
def activity(nft, publish, subscribe, access, alice, carol, fund):
    from tests.datanft.conftest import hourly

    publish(carol, nft["id"], hourly(3))
    fund(alice, DOT)
    subscribe(alice, nft["id"], 2)
    access(alice, nft["id"])
    return nft


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_every_list_and_record(admin_client, activity, model):
    record = apps.get_model("datanft", model).objects.first()
    assert admin_client.get(f"/admin/datanft/{model}/").status_code == 200
    assert admin_client.get(f"/admin/datanft/{model}/{record.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nothing_is_added_or_deleted_by_hand(admin_client, activity, model):
    record = apps.get_model("datanft", model).objects.first()
    assert admin_client.get(f"/admin/datanft/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/datanft/{model}/{record.pk}/delete/").status_code == 403
