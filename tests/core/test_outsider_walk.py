"""An outsider walks every read endpoint of API.md over a small, busy market: mallory
signed in with her token, and an anonymous client. Neither learns bids, results,
ciphertexts, readings, where the data lives, others' statements, or an intent's
amounts before settlement; each endpoint answers as API.md says."""

import pytest

from marketplace.intents.services import seed_pool
from tests.confidential.conftest import approve, client_of, forecast_payload, register_worker
from tests.confidential.conftest import seal as seal_for_worker
from tests.confidential.conftest import submit as submit_confidential
from tests.conftest import DOT, USDT
from tests.datanft.conftest import METADATA
from tests.intents.support import Trader
from tests.intents.support import seal as seal_intent
from tests.jobs.market import ok, register, step, submit

pytestmark = pytest.mark.django_db

RESULT_REF = "ipfs://the-result-only-alice-and-bob-see"
READING = 987654321
CONTENT_REF = "ipfs://where-carols-data-lives"


@pytest.fixture
def market(actions, alice, bob, carol, dave, mallory, fund, settings):
    """alice's settled-to-be job (bob's bid, assigned, result in), carol's Data NFT with
    readings and alice's subscription, alice's confidential job to dave's TEE worker,
    alice's sealed intent in the open batch, alice's pending withdrawal; mallory only
    took money from the faucet."""
    from nacl.public import PrivateKey

    settings.PM_BATCH_INTERVAL_SECONDS = 10**8  # the epoch stays open during the test
    for signer, amount in ((alice, 100), (bob, 1000), (carol, 10), (dave, 300)):
        fund(signer, amount * DOT)
    ok(actions.post("/api/faucet", mallory, "faucet", {"asset": "DOT", "amount": str(DOT)}))

    register(actions, bob)
    job = ok(submit(actions, alice), 201)
    bid = ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=600), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    ok(step(actions, bob, job["id"], "start"))
    ok(step(actions, bob, job["id"], "result", result_ref=RESULT_REF, result_hash="cd" * 32))

    nft = ok(actions.post("/api/data-nfts", carol, "mint_data_nft", {**METADATA}), 201)
    nft_url = f"/api/data-nfts/{nft['id']}"
    content_ref = METADATA["content_ref"]
    readings = [{"ts": "2025-01-01T00:00:00+00:00", "value": READING}]
    ok(
        actions.post(
            f"{nft_url}/readings",
            carol,
            "publish_readings",
            {"nft_id": nft["id"], "readings": readings},
        )
    )
    ok(
        actions.post(
            f"{nft_url}/subscriptions",
            alice,
            "purchase_subscription",
            {"nft_id": nft["id"], "hours": 2},
        )
    )

    worker_key = PrivateKey.generate()
    register(actions, dave, capabilities=("tee",))
    ok(register_worker(actions, dave, worker_key), 201)
    approve(dave)
    ciphertext = seal_for_worker(worker_key, forecast_payload(PrivateKey.generate()))
    confidential = ok(submit_confidential(actions, alice, dave, ciphertext), 201)

    seed_pool("DOT", "USDT", 10_000 * DOT, 50_000 * USDT, fee_bps=30, key="test:pool")
    trader = Trader(actions, ok(actions.client.get("/api/intents/epoch")))
    sealed = seal_intent(trader.epoch["public_key"], str(2 * DOT), str(9 * USDT))
    intent = ok(trader.submit(alice, "DOT", "USDT", 3 * DOT, None, None, sealed=sealed), 201)

    withdrawal = {"asset": "DOT", "amount": str(DOT), "destination": bob.address}
    ok(actions.post("/api/withdrawals", alice, "withdraw", withdrawal), 201)

    return {
        "job": job["id"],
        "bid": bid["id"],
        "nft": nft["id"],
        "confidential": confidential["id"],
        "confidential_job": confidential["job_id"],
        "intent": intent["id"],
        "batch": trader.epoch["batch_id"],
        "provider": bob.address,
        "secrets": [RESULT_REF, "cd" * 32, ciphertext, content_ref, str(READING), sealed],
    }


# (path, status for mallory, status for an anonymous client)
WALK = [
    ("/api/config", 200, 200),
    ("/api/me", 200, 401),
    ("/api/ledger/entries", 200, 401),
    ("/api/jobs", 200, 200),
    ("/api/jobs?owner={alice}", 200, 200),
    ("/api/jobs/{job}", 200, 200),
    ("/api/jobs/{confidential_job}", 200, 200),
    ("/api/jobs/{job}/result", 403, 401),
    ("/api/jobs/{job}/escrow", 200, 200),
    ("/api/providers", 200, 200),
    ("/api/providers/{provider}", 200, 200),
    ("/api/data-nfts", 200, 200),
    ("/api/data-nfts/{nft}", 200, 200),
    ("/api/data-nfts/{nft}/readings", 403, 403),
    ("/api/data-nfts/{nft}/readings?token=forged.token", 403, 403),
    ("/api/data-nfts/{nft}/stats", 200, 200),
    ("/api/tee-workers", 200, 200),
    ("/api/confidential-jobs", 200, 401),
    ("/api/confidential-jobs/{confidential}", 403, 401),
    ("/api/confidential-jobs/{confidential}/attestation", 200, 200),
    ("/api/intents/epoch", 200, 200),
    ("/api/intents/{intent}", 404, 404),
    ("/api/batches", 200, 200),
    ("/api/batches/{batch}", 200, 200),
    ("/api/batches/stats", 200, 200),
    ("/api/pools", 200, 200),
]


@pytest.mark.parametrize("who", ["mallory", "anonymous"])
def test_an_outsider_reads_only_what_api_md_makes_public(actions, market, alice, mallory, who):
    client = client_of(actions, mallory if who == "mallory" else None)
    ids = {**market, "alice": alice.address}
    for path, mallory_status, anonymous_status in WALK:
        response = client.get(path.format(**ids))
        expected = mallory_status if who == "mallory" else anonymous_status
        assert response.status_code == expected, (path, response.content)
        text = response.content.decode()
        leaked = [secret for secret in market["secrets"] if secret in text]
        assert not leaked, (path, leaked)

    job = client.get(f"/api/jobs/{market['job']}").json()
    assert (job["bids"], job["result_ref"], job["result_hash"]) == ([], None, None)
    listed = client.get(f"/api/jobs?owner={alice.address}").json()["results"]
    assert all(item["bids"] == [] and item["result_ref"] is None for item in listed)
    assert "content_ref" not in client.get(f"/api/data-nfts/{market['nft']}").json()


def test_mallorys_statement_profile_and_confidential_jobs_are_hers_alone(actions, market, mallory):
    client = client_of(actions, mallory)
    entries = client.get("/api/ledger/entries").json()["results"]
    assert [(e["direction"], e["amount"]) for e in entries] == [("in", str(DOT))]
    me = client.get("/api/me").json()
    assert me["address"] == mallory.address
    dot = next(b for b in me["balances"] if b["asset"] == "DOT")
    assert (dot["available"], dot["held"]) == (str(DOT), "0")
    assert client.get("/api/confidential-jobs").json()["results"] == []


def test_mallory_gets_no_reading_token_without_a_subscription(actions, market, mallory):
    nft_id = market["nft"]
    response = actions.post(
        f"/api/data-nfts/{nft_id}/access", mallory, "access_data", {"nft_id": nft_id}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "data_access_required",
    )


def test_the_secrets_the_walk_looks_for_are_real_ones_alice_reads(actions, market, alice):
    """A control: the same endpoints show alice what they hide from the outsider."""
    client = client_of(actions, alice)
    seen = "".join(
        client.get(path).content.decode()
        for path in (
            f"/api/jobs/{market['job']}",
            f"/api/confidential-jobs/{market['confidential']}",
            f"/api/data-nfts/{market['nft']}",
            f"/api/intents/{market['intent']}",
        )
    )
    assert [secret for secret in market["secrets"] if secret not in seen] == [str(READING)]
