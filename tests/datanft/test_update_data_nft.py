"""The owner's opt-in to federated training: `training` on mint and `update_data_nft`."""

import pytest

from marketplace.datanft.models import DataNFT
from tests.conftest import DOT
from tests.datanft.conftest import METADATA, code
from tests.datanft.test_pages import sign_in

pytestmark = pytest.mark.django_db

TRAINING = {"allowed": True, "price_per_round": str(DOT // 100)}


def update(actions, signer, nft_id, training, **options):
    return actions.post(
        f"/api/data-nfts/{nft_id}/update",
        signer,
        "update_data_nft",
        {"nft_id": nft_id, "training": training},
        **options,
    )


def test_a_minted_nft_does_not_offer_training_unless_asked(nft):
    assert nft["training"] == {"allowed": False, "price_per_round": "0"}


def test_minting_with_training_stores_the_opt_in_and_its_price(actions, carol):
    response = actions.post(
        "/api/data-nfts", carol, "mint_data_nft", {**METADATA, "training": TRAINING}
    )
    assert response.status_code == 201, response.content
    assert response.json()["training"] == TRAINING
    item = DataNFT.objects.get(pk=response.json()["id"])
    assert (item.training_allowed, item.training_price_per_round) == (True, DOT // 100)


def test_the_owner_opts_in_and_out(actions, api, carol, nft):
    response = update(actions, carol, nft["id"], TRAINING)
    assert response.status_code == 200, response.content
    assert response.json()["training"] == TRAINING
    assert response.json()["action_id"]
    assert api.get(f"/api/data-nfts/{nft['id']}").json()["training"] == TRAINING

    response = update(actions, carol, nft["id"], {"allowed": False, "price_per_round": "0"})
    assert response.status_code == 200, response.content
    assert DataNFT.objects.get(pk=nft["id"]).training_allowed is False


def test_only_the_owner_may_update(actions, mallory, nft):
    response = update(actions, mallory, nft["id"], TRAINING)
    assert (response.status_code, code(response)) == (403, "forbidden")
    assert DataNFT.objects.get(pk=nft["id"]).training_allowed is False


def test_an_unknown_nft_is_not_found(actions, carol):
    response = update(actions, carol, 999, TRAINING)
    assert (response.status_code, code(response)) == (404, "not_found")


@pytest.mark.parametrize(
    "training",
    [
        {"allowed": True},
        {"price_per_round": "1"},
        {"allowed": True, "price_per_round": "-1"},
        {"allowed": True, "price_per_round": 5},
        {"allowed": "maybe", "price_per_round": "1"},
        "yes",
    ],
)
def test_malformed_training_terms_are_invalid_params(actions, carol, nft, training):
    response = update(actions, carol, nft["id"], training)
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "training" in str(response.json()["error"]["fields"])
    assert DataNFT.objects.get(pk=nft["id"]).training_allowed is False


def test_the_page_shows_the_terms_and_gives_only_the_owner_the_form(
    client, carol, mallory, actions, nft
):
    update(actions, carol, nft["id"], TRAINING)
    page = client.get(f"/data/{nft['id']}/").content.decode()
    assert 'data-pm-training="allowed"' in page
    assert "0.01 DOT per round" in page
    assert 'data-action="update_data_nft"' not in page  # not signed in

    sign_in(client, actions, mallory)
    assert 'data-action="update_data_nft"' not in client.get(f"/data/{nft['id']}/").content.decode()
    sign_in(client, actions, carol)
    assert 'data-action="update_data_nft"' in client.get(f"/data/{nft['id']}/").content.decode()
