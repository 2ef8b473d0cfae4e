"""The federated pages: the list with the submit form, the job page (rounds, loss
chart, model, predict box) for its researcher only, and the data owner's income."""

import pytest

from tests.datanft.test_pages import chart_data, sign_in
from tests.federated.conftest import run_round, submit_federated
from tests.jobs.market import ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher(alice, fund):
    from tests.conftest import DOT

    fund(alice, 100 * DOT)
    return alice


@pytest.fixture
def one_round(actions, api, researcher, nfts, providers) -> dict:
    federated = ok(submit_federated(actions, researcher, nfts), 201)
    run_round(actions, api, providers, federated["id"])
    return federated


def test_the_list_offers_the_trainable_nfts_in_the_form(client, actions, researcher, nfts):
    sign_in(client, actions, researcher)
    page = client.get("/federated/").content.decode()
    assert 'data-action="submit_federated_job"' in page
    for nft_id in nfts:
        assert f'name="data_nft_ids" value="{nft_id}"' in page


def test_the_researcher_sees_rounds_chart_model_and_predicts(
    client, actions, researcher, one_round
):
    sign_in(client, actions, researcher)
    page = client.get(f"/federated/{one_round['id']}/").content.decode()
    assert "Round 1 of 2" in page
    assert 'data-round="1"' in page and "3 NFTs" in page
    chart = chart_data(page, "pm-loss-chart")
    assert len(chart["x"]) == 1 and chart["series"][0]["label"] == "loss"
    for term in ("x1", "x2", "bias"):
        assert f'data-weight="{term}"' in page
    answer = client.get(f"/federated/{one_round['id']}/predict", {"x1": "1", "x2": "1"})
    assert answer.status_code == 200
    predicted = float(answer.content.decode().split("data-prediction>")[1].split("<")[0])
    assert predicted == pytest.approx(2 - 3 + 5, abs=0.2)
    bad = client.get(f"/federated/{one_round['id']}/predict", {"x1": "a"}).content.decode()
    assert "Type a number" in bad


def test_anyone_else_gets_a_refusal(client, actions, mallory, one_round):
    assert client.get(f"/federated/{one_round['id']}/").status_code == 403
    sign_in(client, actions, mallory)
    response = client.get(f"/federated/{one_round['id']}/")
    assert response.status_code == 403
    assert "data-weight" not in response.content.decode()
    assert (
        client.get(f"/federated/{one_round['id']}/predict", {"x1": "1", "x2": "1"}).status_code
        == 404
    )


def test_the_data_owner_sees_its_training_income(client, actions, carol, one_round):
    sign_in(client, actions, carol)
    assert "federated/income" in client.get("/data/mine/").content.decode()
    income = client.get("/federated/income").content.decode()
    assert "Training income" in income
    assert "0.1 DOT" in income  # one round at 0.1 DOT
