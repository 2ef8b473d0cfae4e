"""The provider agent's side of a federated training task (docs/FEDERATED.md): read the
task's terms, read that one NFT's readings with a token bound to the task, train
locally (`trainer`), and return only `{weights, n_samples, loss, stats}`.

The update is a signed action with a nonce derived from the task, journaled before it
is sent: a restarted agent re-sends the same update instead of training twice."""

import logging

from . import trainer
from .client import ApiError, Client
from .state import AgentState

log = logging.getLogger("polkamesh.agents.federated")

PREFIX = "federated:"
OPEN = ("assigned", "in_progress")


def is_task(job: dict) -> bool:
    return job.get("model_ref", "").startswith(PREFIX)


def reason_not_to_bid(job: dict) -> str | None:
    model = job["model_ref"].removeprefix(PREFIX)
    if model not in trainer.MODELS:
        return f"no trainer for {model!r}"
    if job.get("data_nft_id") is None:
        return "a federated task without a Data NFT"
    return None


def federated_job_id(job: dict) -> int:
    return int(job["data_ref"].removeprefix(PREFIX))


def work(client: Client, state: AgentState, job: dict) -> None:
    """Train and return the update of an assigned task, at most once."""
    job_id = job["id"]
    if job["status"] not in OPEN:
        state.forget(job_id)
        return
    nonce = state.nonce("update", job_id)
    if nonce in state:
        params: dict = {}  # journaled before a restart: the stored payload is re-sent as is
    else:
        try:
            params = {"job_id": job_id, **train(client, job)}
        except trainer.TrainingError as exc:
            # Nothing to deliver: the task expires and is offered to someone else.
            log.warning("task %s: cannot train: %s", job_id, exc)
            return
    fid = federated_job_id(job)
    params = params and {"federated_job_id": fid, **params}
    try:
        result, replayed = client.post_action(
            f"/api/federated-jobs/{fid}/updates",
            "submit_federated_update",
            params,
            nonce=nonce,
            journal=state,
        )
    except ApiError as exc:
        if exc.status != 409:
            raise
        log.info("task %s: update refused (%s)", job_id, exc.code)
        state.forget(job_id)
        return
    log.info(
        "task %s: round %s update delivered%s", job_id, result["round"], " (replayed)" * replayed
    )
    state.forget(job_id)


def train(client: Client, job: dict) -> dict:
    """The update's params: the task's terms, its NFT's readings, one local round."""
    job_id, nft_id = job["id"], job["data_nft_id"]
    task = client.get(f"/api/federated-tasks/{job_id}")
    # A fresh nonce: a token is short-lived, so a replayed answer would be stale.
    grant, _ = client.post_action(
        f"/api/data-nfts/{nft_id}/access", "access_data", {"nft_id": nft_id, "job_id": job_id}
    )
    readings = client.get_all(f"/api/data-nfts/{nft_id}/readings", token=grant["token"], limit=1000)
    update = trainer.train_on_readings(
        task["model"], readings, task["features"], task["target"], task["global_weights"]
    )
    log.info(
        "task %s: round %s on %d readings of Data NFT %s, loss %.4g",
        job_id,
        task["round"],
        update.n_samples,
        nft_id,
        update.loss,
    )
    return update.as_params()
