"""Federated training in the browser: a data owner offers an NFT for training from its
page; the researcher watches rounds arrive live on the job page, reads the final model
and tries it in the predict box; each page looked at on a laptop and a phone."""

import pytest

from tests.conftest import DOT
from tests.e2e.conftest import shoot, sign_in
from tests.federated.conftest import (  # noqa: F401  (fixtures used by name)
    nfts,
    owners,
    providers,
    run_round,
    submit_federated,
)
from tests.jobs.market import ok

pytestmark = pytest.mark.e2e


def test_an_owner_offers_an_nft_for_training_from_its_page(open_as, actions, carol):
    from tests.datanft.conftest import METADATA

    nft = ok(actions.post("/api/data-nfts", carol, "mint_data_nft", METADATA), 201)
    page = open_as("Charlie", f"/data/{nft['id']}/")
    sign_in(page)
    form = "form[data-action=update_data_nft]"
    page.check(f"{form} [name='training.allowed']")
    page.fill(f"{form} [name='training.price_per_round']", "0.05")
    # The reload must wait for the signed action: reloading sooner cancels it.
    with page.expect_response(lambda r: "/api/" in r.url and r.request.method == "POST") as sent:
        page.click(f"{form} button")
    assert sent.value.status == 200
    page.reload()
    page.wait_for_selector("[data-pm-training=allowed]")
    assert "0.05 DOT per round" in page.inner_text("[data-pm-training]")


def test_the_researcher_watches_rounds_live_and_tries_the_model(
    open_as, actions, api, alice, fund, request
):
    trainable, compute = (request.getfixturevalue(name) for name in ("nfts", "providers"))
    fund(alice, 100 * DOT)
    federated = ok(submit_federated(actions, alice, trainable, rounds=3), 201)
    run_round(actions, api, compute, federated["id"])
    page = open_as("Alice", f"/federated/{federated['id']}/")
    sign_in(page)
    page.wait_for_selector("[data-round='1']")
    page.wait_for_selector("[data-pm-chart='pm-loss-chart'][data-pm-chart-ready]")

    run_round(actions, api, compute, federated["id"])  # pushed over /ws/live/
    page.wait_for_selector("[data-round='2']", timeout=30_000)
    run_round(actions, api, compute, federated["id"])
    page.wait_for_selector("text=Final model", timeout=30_000)

    page.fill("[name=x1]", "1")
    page.fill("[name=x2]", "2")
    page.click("#pm-federated-model button")
    page.wait_for_selector("[data-prediction]")
    assert float(page.inner_text("[data-prediction]")) == pytest.approx(2 - 6 + 5, abs=0.2)
    shoot(page, "federated-job")

    list_page = open_as("Alice", "/federated/")
    sign_in(list_page)
    list_page.wait_for_selector("form[data-action=submit_federated_job]")
    shoot(list_page, "federated")


def test_the_data_owner_sees_its_training_income(open_as, actions, api, alice, fund, request):
    trainable, compute = (request.getfixturevalue(name) for name in ("nfts", "providers"))
    fund(alice, 100 * DOT)
    federated = ok(submit_federated(actions, alice, trainable), 201)
    run_round(actions, api, compute, federated["id"])
    page = open_as("Charlie", "/data/mine/")
    sign_in(page)
    page.wait_for_selector("#pm-training-income >> text=0.1 DOT")
    shoot(page, "data-mine-training")
