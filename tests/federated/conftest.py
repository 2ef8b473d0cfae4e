"""Federated training fixtures: three Data NFTs whose readings follow
y = 2*x1 - 3*x2 + 5 + noise, offered for training; alice researches, bob and dave
provide CPU; and helpers that drive rounds through the job queue in this process."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from marketplace.agents import trainer
from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job
from tests.conftest import DOT
from tests.datanft.conftest import METADATA
from tests.jobs.market import deadline_in, ok, register

PRICE_PER_ROUND = DOT // 10  # 0.1 DOT per round per NFT
BID = DOT  # what each provider bids for a task
TRUE_WEIGHTS = (2.0, -3.0, 5.0)


def linear_readings(count: int, seed: int, *, noise: float = 0.1) -> list[dict]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(0, 2, count), rng.normal(1, 1, count)
    y = 2 * x1 - 3 * x2 + 5 + rng.normal(0, noise, count)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        {
            "ts": (start + timedelta(minutes=i)).isoformat(),
            "value": round(float(y[i]), 6),
            "x1": round(float(x1[i]), 6),
            "x2": round(float(x2[i]), 6),
            "y": round(float(y[i]), 6),
        }
        for i in range(count)
    ]


def separable_readings(count: int, seed: int) -> list[dict]:
    """label = 1 when x1 + x2 > 1, with a margin: a separable set."""
    rng = np.random.default_rng(seed)
    rows = []
    start = datetime(2025, 1, 1, tzinfo=UTC)
    while len(rows) < count:
        x1, x2 = rng.uniform(-3, 3, 2)
        if abs(x1 + x2 - 1) < 0.2:
            continue
        label = int(x1 + x2 > 1)
        rows.append(
            {
                "ts": (start + timedelta(minutes=len(rows))).isoformat(),
                "value": label,
                "x1": round(float(x1), 6),
                "x2": round(float(x2), 6),
                "label": label,
            }
        )
    return rows


def mint_for_training(actions, owner, readings, *, price=PRICE_PER_ROUND, name="Sensor") -> int:
    body = ok(
        actions.post(
            "/api/data-nfts",
            owner,
            "mint_data_nft",
            {
                **METADATA,
                "name": name,
                "training": {"allowed": True, "price_per_round": str(price)},
            },
        ),
        201,
    )
    nft_id = body["id"]
    for start in range(0, len(readings), 1000):
        ok(
            actions.post(
                f"/api/data-nfts/{nft_id}/readings",
                owner,
                "publish_readings",
                {"nft_id": nft_id, "readings": readings[start : start + 1000]},
            )
        )
    return nft_id


@pytest.fixture
def owners(carol, dave, erin_ed25519):
    return [carol, dave, erin_ed25519]


@pytest.fixture
def nfts(actions, owners) -> list[int]:
    """Three NFTs, one per owner, 200 readings each of the same relation."""
    return [
        mint_for_training(actions, owner, linear_readings(200, seed), name=f"Sensor {seed}")
        for seed, owner in enumerate(owners)
    ]


@pytest.fixture
def providers(actions, bob, mallory, fund):
    """bob and mallory provide CPU (mallory is the outsider to every NFT and job)."""
    for signer in (bob, mallory):
        fund(signer, 1000 * DOT)
        register(actions, signer, capabilities=("cpu",))
    return [bob, mallory]


def federated_params(nft_ids, **overrides) -> dict:
    return {
        "model": "linear_regression",
        "features": ["x1", "x2"],
        "target": "y",
        "data_nft_ids": nft_ids,
        "rounds": 2,
        "asset": "DOT",
        "budget": str(10 * DOT),
        "deadline": deadline_in(3600),
        **overrides,
    }


def submit_federated(actions, signer, nft_ids, **overrides):
    return actions.post(
        "/api/federated-jobs",
        signer,
        "submit_federated_job",
        federated_params(nft_ids, **overrides),
    )


def open_task_jobs(federated_job_id: int) -> list[Job]:
    from marketplace.federated.models import Task

    return [
        t.job
        for t in Task.objects.filter(federated_id=federated_job_id, job__status="registered")
        .select_related("job")
        .order_by("id")
    ]


def bid_and_assign(actions, federated_job_id: int, bidders) -> list[Job]:
    """Each open task gets a bid from each bidder; the bid windows close and the queue
    auto-assigns by score. Returns the assigned jobs."""
    jobs = open_task_jobs(federated_job_id)
    for job in jobs:
        for bidder in bidders:
            ok(
                actions.post(
                    f"/api/jobs/{job.pk}/bids",
                    bidder,
                    "submit_bid",
                    {"job_id": job.pk, "price": str(BID), "sla_seconds": 60},
                ),
                201,
            )
    Job.objects.filter(pk__in=[j.pk for j in jobs]).update(bid_window_ends_at=timezone.now())
    assert job_services.close_bid_windows() == len(jobs)
    return [Job.objects.select_related("assigned_provider__wallet").get(pk=j.pk) for j in jobs]


def read_for_task(actions, api, provider, job: Job) -> list[dict]:
    grant = ok(
        actions.post(
            f"/api/data-nfts/{job.data_nft_id}/access",
            provider,
            "access_data",
            {"nft_id": job.data_nft_id, "job_id": job.pk},
        )
    )
    response = api.get(
        f"/api/data-nfts/{job.data_nft_id}/readings", {"token": grant["token"], "limit": 1000}
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def deliver(actions, api, signers, federated_job_id: int, job: Job):
    """The assigned provider reads its NFT for the task, trains and returns the update."""
    provider = next(s for s in signers if s.public_key == job.assigned_provider.wallet.public_key)
    task = ok(get_as(provider, f"/api/federated-tasks/{job.pk}"))
    readings = read_for_task(actions, api, provider, job)
    update = trainer.train_on_readings(
        task["model"], readings, task["features"], task["target"], task["global_weights"]
    )
    return actions.post(
        f"/api/federated-jobs/{federated_job_id}/updates",
        provider,
        "submit_federated_update",
        {"federated_job_id": federated_job_id, "job_id": job.pk, **update.as_params()},
    )


def get_as(signer, url: str, **query):
    """GET `url` with `signer`'s API token (its own client: no shared session)."""
    from rest_framework.test import APIClient

    from tests.conftest import Actions

    client = APIClient()
    token = ok(Actions(client).post("/api/auth/login", signer, "login", {}))["token"]
    client.cookies.clear()
    return client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {token}")


def run_round(actions, api, signers, federated_job_id: int) -> None:
    for job in bid_and_assign(actions, federated_job_id, signers):
        ok(deliver(actions, api, signers, federated_job_id, job), 201)
