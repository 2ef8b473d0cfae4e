import pytest

from marketplace.datanft.models import DataNFT
from tests.conftest import DOT, balance
from tests.datanft.conftest import PRICE, code

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(actions):
    def transfer(signer, nft_id: int, to: str):
        return actions.post(
            f"/api/data-nfts/{nft_id}/transfer",
            signer,
            "transfer_data_nft",
            {"nft_id": nft_id, "to": to},
        )

    return transfer


def test_the_owner_transfers_the_nft(nft, transfer, carol, bob, api):
    response = transfer(carol, nft["id"], bob.address)
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == bob.address
    assert api.get(f"/api/data-nfts/{nft['id']}").json()["owner"] == bob.address


def test_the_new_owner_receives_the_next_subscription_income(
    nft, transfer, subscribe, carol, bob, alice, fund
):
    transfer(carol, nft["id"], bob.address)
    fund(alice, DOT)
    subscribe(alice, nft["id"], 4)
    assert balance(bob) == 4 * PRICE - 4 * PRICE * 250 // 10_000
    assert balance(carol) == 0


def test_mallory_cannot_transfer_carols_nft(nft, transfer, carol, mallory):
    response = transfer(mallory, nft["id"], mallory.address)
    assert (response.status_code, code(response)) == (403, "forbidden")
    assert DataNFT.objects.get().owner.public_key == carol.public_key


def test_to_must_be_an_ss58_address(nft, transfer, carol):
    response = transfer(carol, nft["id"], "0x" + "ab" * 32)
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "to" in response.json()["error"]["fields"]


def test_transferring_to_oneself_is_invalid_params(nft, transfer, carol):
    response = transfer(carol, nft["id"], carol.address)
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_the_old_owner_loses_access(nft, transfer, access, carol, bob):
    transfer(carol, nft["id"], bob.address)
    response = access(carol, nft["id"])
    assert (response.status_code, code(response)) == (403, "data_access_required")
    assert access(bob, nft["id"]).status_code == 200
