"""The reference provider agent: bids on jobs its runners can run, runs the jobs it is
assigned, and submits their results — each step a signed action with a nonce derived
from (job, step), journaled before it is sent, so a restarted agent finishes what it
started and never does a step twice.

Its state is the server's: on every (re)connect to `/ws/events/` and every
`poll_seconds` it re-reads its open assignments and the open jobs over HTTP; events
only make it react sooner."""

import json
import logging
import threading
import time
from datetime import UTC, datetime

from . import federated_task, mev_risk, onnx_runner, runners
from .client import CONNECTED, ApiError, Client
from .loop import EventLoopAgent
from .state import AgentState

log = logging.getLogger("polkamesh.agents.provider")

INLINE = "inline:"
OPEN = ("assigned", "in_progress")  # assignment statuses this agent still has work in
RESULT_REF = "inline"  # the result travels in result_content


class ProviderAgent(EventLoopAgent):
    log = log  # the loop logs a failed step under this agent's name

    def __init__(
        self,
        client: Client,
        state: AgentState,
        *,
        name: str = "PolkaMesh reference provider",
        prices: dict[str, int] | None = None,
        sla_seconds: int = 600,
        poll_seconds: float = 30.0,
        limits: onnx_runner.Limits = onnx_runner.DEFAULT_LIMITS,
    ):
        self.client = client
        self.state = state
        self.name = name
        self.address = client.signer.address
        self.sla_seconds = sla_seconds
        self.poll_seconds = poll_seconds
        config = client.config()
        # Unpriced assets bid the cheapest legal price: the minimum budget.
        minimum = {asset: int(amount) for asset, amount in config["min_budget"].items()}
        self.prices = minimum | (prices or {})
        self.capabilities: list[str] = []
        self._passed: set[int] = set()  # jobs looked at and not bid on: log once
        self.sandbox = onnx_runner.Sandbox(limits)
        self._ran: dict[int, dict] = {}  # ONNX results computed before the start was signed

    # --- the loop -------------------------------------------------------------------------

    def start(self, stop: threading.Event) -> bool:
        self.ensure_registered()
        return True

    def handle(self, event: dict) -> None:
        kind, data = event["type"], event.get("data") or {}
        if kind == CONNECTED:
            self.reconcile()
        elif kind == "job.opened":
            self.consider(self.job(data["job_id"]))
        elif kind == "job.status" and self._is_my_open_assignment(data):
            self.work(self.job(data["job_id"]))

    def _is_my_open_assignment(self, data: dict) -> bool:
        return data.get("assigned_provider") == self.address and data.get("status") in OPEN

    def reconcile(self) -> None:
        """Finish every assignment, then look at every open job (what events missed)."""
        for status in OPEN:
            for job in self.client.get_all("/api/jobs", provider=self.address, status=status):
                self.work(job)
        for job in self.client.get_all("/api/jobs", status="registered"):
            self.consider(job)

    def job(self, job_id: int) -> dict:
        return self.client.get(f"/api/jobs/{job_id}")

    # --- registration ---------------------------------------------------------------------

    def ensure_registered(self) -> None:
        """Use the existing registration, or register with the minimum stake."""
        try:
            provider = self.client.get(f"/api/providers/{self.address}")
            stake = self.client.whole(provider["stake"], self.client.config()["stake_asset"])
            log.info("registered provider %s (stake %s)", self.address, stake)
        except ApiError as exc:
            if exc.code != "not_found":
                raise
            config = self.client.config()
            stake_asset = config.get("stake_asset", "DOT")
            params = {
                "name": self.name,
                "capabilities": runners.capabilities(),
                "regions": [],
                "pricing": {cap: str(self.prices[stake_asset]) for cap in runners.capabilities()},
                "stake": config["min_stake"],
            }
            nonce = self.state.nonce("register", "provider")
            provider, _ = self.client.post_action(
                "/api/providers", "register_provider", params, nonce=nonce, journal=self.state
            )
            self.state.forget("provider")
            stake = self.client.whole(provider["stake"], stake_asset)
            log.info("registered as provider %s, stake %s", self.address, stake)
        if not provider.get("active", True):
            raise RuntimeError(f"provider {self.address} is deactivated")
        self.capabilities = provider["capabilities"]

    # --- bidding --------------------------------------------------------------------------

    def consider(self, job: dict) -> None:
        """Bid on an open job if a runner can run it, at this agent's price."""
        job_id = job["id"]
        if job["status"] != "registered" or job_id in self._passed:
            return
        if any(bid["provider"] == self.address for bid in job.get("bids") or []):
            return
        reason = self._reason_not_to_bid(job)
        if reason:
            log.info("job %s: no bid (%s)", job_id, reason)
            self._passed.add(job_id)
            return
        price = self.prices[job["asset"]]
        params = {"job_id": job_id, "price": str(price), "sla_seconds": self.sla_seconds}
        try:
            bid, replayed = self.client.post_action(
                f"/api/jobs/{job_id}/bids",
                "submit_bid",
                params,
                nonce=self.state.nonce("bid", job_id),
                journal=self.state,
            )
        except ApiError as exc:
            if exc.status != 409:  # window closed, duplicate, …: the market moved on
                raise
            log.info("job %s: bid refused (%s)", job_id, exc.code)
            self._passed.add(job_id)
            return
        suffix = ", replayed" if replayed else ""
        price_text = self.client.whole(price, job["asset"])
        log.info("job %s: bid %s (bid %s%s)", job_id, price_text, bid["id"], suffix)

    def _reason_not_to_bid(self, job: dict) -> str | None:
        runner = runners.get(job["model_ref"])
        if federated_task.is_task(job):
            reason = federated_task.reason_not_to_bid(job)
            if reason:
                return reason
        elif onnx_runner.model_cid(job["model_ref"]) is not None:
            if job.get("data_nft_id") is not None:
                return "an ONNX job takes its inputs from data_ref, not a Data NFT"
        elif runner is None:
            return f"no runner for {job['model_ref']!r}"
        if job["owner"] == self.address:
            return "our own job"
        if job["compute_type"] not in self.capabilities or job["privacy_required"]:
            return f"needs {job['compute_type']}{', privacy' if job['privacy_required'] else ''}"
        if datetime.fromisoformat(job["bid_window_ends_at"]) <= datetime.now(UTC):
            return "bid window closed"
        price = self.prices.get(job["asset"])
        if price is None or price > int(job["budget"]):
            return f"budget {job['budget']} {job['asset']} is below our price"
        if runner is not None and job.get("data_nft_id") is None:
            # Inline and public input can be checked now: never take a job that cannot be run.
            try:
                runner(self.load_input(job))
            except runners.InputError as exc:
                return f"input: {exc}"
        return None

    # --- execution ------------------------------------------------------------------------

    def work(self, job: dict) -> None:
        """Take an assigned job through start → run → result; each step at most once.
        A 409 means the server moved on (a step done by an earlier run of this agent
        whose journal was lost, a sweep): re-read the job and go on from where it is."""
        if federated_task.is_task(job):
            federated_task.work(self.client, self.state, job)
            return
        job_id = job["id"]
        for _ in range(3):
            try:
                if job["status"] == "assigned":
                    job = self._start(job)
                elif job["status"] == "in_progress":
                    job = self._finish(job)
                else:
                    self.state.forget(job_id)
                    self._ran.pop(job_id, None)
                    return
            except ApiError as exc:
                if exc.status != 409:
                    raise
                log.info("job %s: %s; re-reading it", job_id, exc.code)
                job = self.job(job_id)

    def _start(self, job: dict) -> dict:
        job_id = job["id"]
        if (
            onnx_runner.model_cid(job["model_ref"])
            and self.state.nonce("start", job_id) not in self.state
        ):
            # The buyer's model runs before the start is signed: a model that cannot run
            # is declined while that returns the job to the market without a slash.
            try:
                self._ran[job_id] = self.run_onnx(job)
            except onnx_runner.RunError as exc:
                return self._decline(job, str(exc))
        job, replayed = self._step(job_id, "start", "mark_in_progress", {"job_id": job_id})
        log.info("job %s: started%s", job_id, " (replayed)" if replayed else "")
        return job

    def _finish(self, job: dict) -> dict:
        job_id = job["id"]
        nonce = self.state.nonce("result", job_id)
        if nonce in self.state:
            params = {}  # journaled before a restart: the stored payload is re-sent as is
        else:
            try:
                document = self.execute(job)
            except onnx_runner.RunError as exc:
                return self._decline(job, str(exc))
            params = {
                "job_id": job_id,
                "result_ref": RESULT_REF,
                "result_hash": runners.result_hash(document),
                "result_content": document,
            }
        job, replayed = self._step(job_id, "result", "submit_result", params)
        log.info(
            "job %s: result %s submitted, status %s%s",
            job_id,
            (job.get("result_hash") or "")[:12],
            job["status"],
            " (replayed)" if replayed else "",
        )
        return job

    def execute(self, job: dict) -> dict:
        """The runner's document; an input that cannot be run gives a document that
        says why (the owner sees it and may dispute) instead of silence until expiry.
        An ONNX model that cannot run raises RunError (the job is declined)."""
        if onnx_runner.model_cid(job["model_ref"]):
            return self._ran.pop(job["id"], None) or self.run_onnx(job)
        runner = runners.get(job["model_ref"])
        try:
            document = runner(self.load_input(job))
        except runners.InputError as exc:
            log.warning("job %s: cannot run: %s", job["id"], exc)
            return {"model_ref": job["model_ref"], "error": str(exc)}
        log.info("job %s: ran %s", job["id"], job["model_ref"])
        return document

    def run_onnx(self, job: dict) -> dict:
        """`{"outputs": …}` of the job's ONNX model on its inputs, both fetched and
        checked against their hashes, run in the sandbox within the job's time."""
        cid = onnx_runner.model_cid(job["model_ref"])
        started = time.monotonic()
        inputs = onnx_runner.job_inputs(self.client, job["data_ref"])
        fetched = time.monotonic()
        document = self.sandbox.run(
            cid,
            onnx_runner.model_fetcher(self.client, cid),
            inputs,
            seconds=onnx_runner.seconds_left(job["deadline"]),
        )
        log.info(
            "job %s: ran %s in %.1f ms (inputs fetched in %.1f ms)",
            job["id"],
            cid[:19],
            1000 * (time.monotonic() - fetched),
            1000 * (fetched - started),
        )
        return document

    def _decline(self, job: dict, reason: str) -> dict:
        """Tell the market this job cannot be run, and why; the job as it is after."""
        job_id = job["id"]
        log.warning("job %s: declined: %s", job_id, reason)
        self._passed.add(job_id)  # it may return to bidding: not again from us
        self._ran.pop(job_id, None)
        job = self.client.decline_job(
            job_id, reason, nonce=self.state.nonce("decline", job_id), journal=self.state
        )
        self.state.forget(job_id)
        return job

    def _step(self, job_id: int, step: str, action: str, params: dict) -> tuple[dict, bool]:
        return self.client.post_action(
            f"/api/jobs/{job_id}/{step}",
            action,
            params,
            nonce=self.state.nonce(step, job_id),
            journal=self.state,
        )

    # --- input ----------------------------------------------------------------------------

    @staticmethod
    def inline_input(job: dict) -> dict:
        """The options (and possibly readings) of an `inline:{…}` data_ref."""
        data_ref = job.get("data_ref") or ""
        if not data_ref.startswith(INLINE):
            if job.get("data_nft_id") is None:
                raise runners.InputError("data_ref is neither inline:{…} nor a Data NFT")
            return {}
        try:
            data = json.loads(data_ref.removeprefix(INLINE))
        except ValueError as exc:
            raise runners.InputError("inline data_ref is not JSON") from exc
        if not isinstance(data, dict):
            raise runners.InputError("inline data_ref must be a JSON object")
        return data

    def load_input(self, job: dict) -> dict:
        data = self.inline_input(job)
        if job.get("data_nft_id") is not None:
            data = {**data, "readings": self.nft_readings(job)}
        if job["model_ref"] == runners.MEV_RISK:
            data = {**data, "batches": self.batch_history(data)}
        return data

    def batch_history(self, data: dict) -> list[dict]:
        """The public batches a `builtin:mev_risk` job names, read from `GET /api/batches`
        (newest first) until the page reaches the window's first batch."""
        pair, first, last, _ = mev_risk.window(data)
        found, page = [], 1
        while True:
            body = self.client.get("/api/batches", page=page, page_size=200)
            found += body["results"]
            if not body.get("next") or min(b["id"] for b in body["results"]) <= first:
                return mev_risk.history(found, pair, first, last)
            page += 1

    def nft_readings(self, job: dict) -> list[dict]:
        """The Data NFT's readings through a token for this job (docs/AGENTS.md, "Data
        access for a job"): `access_data` with the job id, asked by the assigned provider."""
        nft_id, job_id = job["data_nft_id"], job["id"]
        try:
            # A fresh nonce: a token is short-lived, so a replayed answer would be stale.
            grant, _ = self.client.post_action(
                f"/api/data-nfts/{nft_id}/access",
                "access_data",
                {"nft_id": nft_id, "job_id": job_id},
            )
        except ApiError as exc:
            if exc.code == "data_access_required":
                raise runners.InputError(f"no access to Data NFT {nft_id}") from exc
            raise
        readings = self.client.get_all(
            f"/api/data-nfts/{nft_id}/readings", token=grant["token"], limit=1000
        )
        log.info("job %s: read %d readings of Data NFT %s", job_id, len(readings), nft_id)
        return readings
