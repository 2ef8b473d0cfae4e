"""The demo's buyers and traders, so that `make run` is a market that moves on its own.

- //DemoBuyer keeps a subscription to //DemoCity's City traffic Data NFT and every
  `job_seconds` posts an ONNX job over its last 24 readings: the gallery's traffic
  forecaster and anomaly detector in turn (marketplace/artifacts/gallery.py),
  auto-assigned (the provider agent's bid is taken when the bid window closes); it
  accepts each delivered result.
- //DemoBuyer also trains a model across the three air-quality stations' Data NFTs every
  `federated_seconds` (a federated job: the provider agent trains each station's
  readings locally, round after round), one federated job at a time.
- //DemoBuyer also asks, every `mev_seconds` (an hour), for a `builtin:mev_risk` score of
  each pool's pair over the last hour of public batches (auto-assigned like its
  other jobs); the trade page shows the latest score with its job.
- //DemoTraderA and //DemoTraderB each seal one opposite DOT/USDT intent into every
  batch epoch, and one between assets with no common pool (KSM → DOT, ASTR → KSM: routes of two
  pools through USDT), each with the minimum the quote suggests at 2 % slippage, so
  batches settle with a coincidence of wants, pool legs and routes.

Like the agents, it is an ordinary client of the public API: signed actions, no
database access. For the demo only: it spends the test funds of the demo's own
wallets (marketplace/core/demo.py), never those of //Alice … //Ferdie."""

import base64
import json
import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta

from nacl.public import PublicKey, SealedBox

from marketplace.core import demo
from marketplace.core.canonical import canonical_json
from marketplace.core.demo import GALLERY_DETECTOR, GALLERY_FORECASTER

from . import mev_risk, runners
from .client import ApiError, Client, Signer

log = logging.getLogger("polkamesh.agents.demo")

NFT_QUERY = "City traffic"
SUBSCRIPTION_HOURS = 24
RENEW_BEFORE = timedelta(hours=2)  # a job's deadline must fall inside the subscription
JOB_DEADLINE = timedelta(hours=1)
JOB_BUDGET_DOT = 10**10  # 1 DOT
GALLERY = (GALLERY_FORECASTER, GALLERY_DETECTOR)  # posted in turn
GALLERY_OWNER = demo.uri(demo.SENSOR_OWNER)
DAY = 24
# (trader, sells, buys, whole units sold: low-high, the lock is a multiple of): trader
# A's DOT and trader B's USDT mostly match each other; the difference trades with the pool.
TRADER_A, TRADER_B = (demo.uri(name) for name in demo.TRADERS)
TRADES = (
    (TRADER_A, "DOT", "USDT", (1, 5), 10),
    (TRADER_B, "USDT", "DOT", (5, 25), 50),
    (TRADER_A, "KSM", "DOT", (1, 3), 5),
    (TRADER_B, "ASTR", "KSM", (500, 3000), 5000),
)
FEDERATED_QUERY = "Air quality"  # the demo stations (marketplace/federated/demo.py)
FEDERATED_ROUNDS = 5
FEDERATED_BUDGET_DOT = 10 * 10**10  # 10 DOT: 0.15 DOT of data, ~0.66 DOT for each of 15 tasks
FEDERATED_DEADLINE = timedelta(hours=2)
SLIPPAGE_BPS = 200  # the traders accept 2 % below the quote
MEV_RISK_WINDOW = timedelta(hours=1)  # the public batches each score looks at
SUBMIT_MARGIN_SECONDS = 3  # too close to an epoch's close: wait for the next one
DECIMALS = {"DOT": 10, "USDT": 6, "KSM": 12, "ASTR": 12}
DOT, USDT = 10 ** DECIMALS["DOT"], 10 ** DECIMALS["USDT"]


def seal_intent(epoch_public_key: str, amount_in: int, min_output: int) -> str:
    """The plaintext of API.md's `sealed_intent`, sealed to the epoch key, base64."""
    plaintext = json.dumps({"amount_in": str(amount_in), "min_output": str(min_output)})
    box = SealedBox(PublicKey(bytes.fromhex(epoch_public_key)))
    return base64.b64encode(box.encrypt(plaintext.encode())).decode()


def whole(amount: int | str, asset: str) -> str:
    """`15000000000`, DOT → `1.5 DOT`: amounts for people reading the log."""
    digits = DECIMALS[asset]
    units, fraction = divmod(int(amount), 10**digits)
    text = f"{units}.{fraction:0{digits}d}".rstrip("0").rstrip(".")
    return f"{text} {asset}"


def cover(amount: int, unit: int) -> int:
    """The lock shown before the batch closes: the amount rounded up to `unit`, so
    onlookers see a round cover, not the real size."""
    return -(-amount // unit) * unit


def summary(outputs: dict) -> str:
    """One line about a gallery model's outputs, for the log."""
    if "forecast" in outputs:
        forecast = outputs["forecast"][0]
        peak = max(forecast)
        return f"forecast peak {peak:.0f} vehicles/h in {forecast.index(peak) + 1} h"
    if "anomaly" in outputs:
        return f"{sum(outputs['anomaly'][0])} anomalous hours in the last {DAY}"
    return "outputs " + ", ".join(sorted(outputs))


class DemoMarket:
    def __init__(
        self,
        url: str,
        *,
        job_seconds: float = 120.0,
        tick_seconds: float = 3.0,
        federated_seconds: float = 300.0,
        mev_seconds: float = 3600.0,
    ):
        self.buyer = Client(url, Signer.from_uri(demo.uri(demo.BUYER)))
        self.federated_seconds = federated_seconds
        self.next_federated = 0.0
        self.federated_id: int | None = None  # the last federated job posted
        self.traders = {uri: Client(url, Signer.from_uri(uri)) for uri, *_ in TRADES}
        self.job_seconds = job_seconds
        self.tick_seconds = tick_seconds
        self.rng = random.Random()
        self.nft_id: int | None = None
        self.subscribed_until: datetime | None = None
        self.next_job = 0.0
        self.jobs_posted = 0
        self.gallery: dict[str, str] = {}  # model name → cid
        self.mev_seconds = mev_seconds
        # The first scores once a few minutes of batches exist to score.
        self.next_mev = time.monotonic() + min(mev_seconds, 300.0)
        self.batch_id: int | None = None  # the last epoch the traders sealed into
        self.watched: set[int] = set()  # batches with our intents, not yet reported

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except ApiError as exc:
                # A refused step is retried on a later tick; the demo must not stop.
                log.error("step failed: %s", exc)
            stop.wait(self.tick_seconds)

    def tick(self) -> None:
        if time.monotonic() >= self.next_job:
            self.post_job()
            self.next_job = time.monotonic() + self.job_seconds
        if time.monotonic() >= self.next_federated:
            self.post_federated_job()
            self.next_federated = time.monotonic() + self.federated_seconds
        if time.monotonic() >= self.next_mev:
            self.post_mev_risk_jobs()
            self.next_mev = time.monotonic() + self.mev_seconds
        self.review_results()
        self.trade()
        self.report_batches()

    # --- the buyer buys forecasts ----------------------------------------------------------

    def post_job(self) -> None:
        nft_id = self.ensure_subscription()
        name = GALLERY[self.jobs_posted % len(GALLERY)]
        day = self.last_day(nft_id)
        values = [[round(float(r["value"]), 1) for r in day]]
        if name == GALLERY_FORECASTER:
            inputs = {"history": values}
        else:
            hours = [[datetime.fromisoformat(r["ts"]).astimezone(UTC).hour for r in day]]
            inputs = {"values": values, "hours": hours}
        deadline = datetime.now(UTC) + JOB_DEADLINE
        params = {
            "model_ref": f"onnx:{self.gallery_cid(name)}",
            "data_ref": "inline:" + canonical_json({"inputs": inputs}),
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(JOB_BUDGET_DOT),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privacy_required": False,
            "auto_assign": True,
        }
        job, _ = self.buyer.post_action("/api/jobs", "submit_job", params)
        self.jobs_posted += 1
        log.info(
            "//DemoBuyer posted job %s: %s over Data NFT %s's last day", job["id"], name, nft_id
        )

    def gallery_cid(self, name: str) -> str:
        """The cid of the demo gallery's model `name` (public, the sensor owner's)."""
        if name not in self.gallery:
            owner = Signer.from_uri(GALLERY_OWNER).address
            models = self.buyer.get_all("/api/artifacts", media_type="application/onnx")
            found = [m["cid"] for m in models if m["name"] == name and m["owner"] == owner]
            if not found:
                raise ApiError(404, "not_found", f"no gallery model {name!r}: run load_demo")
            self.gallery[name] = found[0]
        return self.gallery[name]

    def last_day(self, nft_id: int) -> list[dict]:
        """The Data NFT's last 24 readings, read with //DemoBuyer's subscription."""
        grant, _ = self.buyer.post_action(
            f"/api/data-nfts/{nft_id}/access", "access_data", {"nft_id": nft_id}
        )
        readings = self.buyer.get_all(
            f"/api/data-nfts/{nft_id}/readings", token=grant["token"], limit=1000
        )
        if len(readings) < DAY:
            raise ApiError(404, "not_found", f"Data NFT {nft_id} has fewer than {DAY} readings")
        return readings[-DAY:]

    def post_federated_job(self) -> None:
        """Train pm25 from traffic and wind across the demo stations, unless the last
        federated job is still running."""
        if self.federated_id is not None:
            last = self.buyer.get(f"/api/federated-jobs/{self.federated_id}")
            if last["status"] == "running":
                return
            log.info(
                "//DemoBuyer's federated job %s %s: weights %s",
                last["id"],
                last["status"],
                [round(w, 3) for w in last["global_weights"]],
            )
        stations = self.buyer.get("/api/data-nfts", q=FEDERATED_QUERY)["results"]
        nft_ids = sorted(s["id"] for s in stations if s["training"]["allowed"])
        if len(nft_ids) < 2:
            raise ApiError(404, "not_found", f"fewer than 2 {FEDERATED_QUERY!r} NFTs to train on")
        deadline = datetime.now(UTC) + FEDERATED_DEADLINE
        job, _ = self.buyer.post_action(
            "/api/federated-jobs",
            "submit_federated_job",
            {
                "model": "linear_regression",
                "features": ["traffic", "wind"],
                "target": "pm25",
                "data_nft_ids": nft_ids,
                "rounds": FEDERATED_ROUNDS,
                "asset": "DOT",
                "budget": str(FEDERATED_BUDGET_DOT),
                "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
        self.federated_id = job["id"]
        log.info("//DemoBuyer posted federated job %s over Data NFTs %s", job["id"], nft_ids)

    def post_mev_risk_jobs(self) -> None:
        """One `builtin:mev_risk` job per pool's pair over the last hour of settled
        batches, at the slippage this market's traders accept."""
        recent = self.buyer.get("/api/batches", page_size=10)["results"]
        # A settled batch never changes: the window ends at one, so anyone re-running
        # the job later reads the same history.
        settled = [b["id"] for b in recent if b["status"] == "settled"]
        if not settled:
            return
        last = max(settled)
        interval = self.buyer.config()["batch_interval_seconds"]
        span = max(1, min(mev_risk.MAX_BATCHES, int(MEV_RISK_WINDOW.total_seconds() // interval)))
        pairs = sorted(
            "-".join(sorted((p["token_a"], p["token_b"]))) for p in self.buyer.get("/api/pools")
        )
        deadline = (datetime.now(UTC) + JOB_DEADLINE).strftime("%Y-%m-%dT%H:%M:%SZ")
        for pair in pairs:
            options = {
                "pair": pair,
                "first_batch": max(1, last - span + 1),
                "last_batch": last,
                "slippage_bps": SLIPPAGE_BPS,
            }
            job, _ = self.buyer.post_action(
                "/api/jobs",
                "submit_job",
                {
                    "model_ref": runners.MEV_RISK,
                    "data_ref": "inline:" + canonical_json(options),
                    "compute_type": "cpu",
                    "asset": "DOT",
                    "budget": str(JOB_BUDGET_DOT),
                    "deadline": deadline,
                    "privacy_required": False,
                    "auto_assign": True,
                },
            )
            log.info(
                "//DemoBuyer posted job %s: MEV risk of %s over batches %s-%s",
                job["id"],
                pair,
                options["first_batch"],
                last,
            )

    def ensure_subscription(self) -> int:
        if self.nft_id is None:
            found = self.buyer.get("/api/data-nfts", q=NFT_QUERY)["results"]
            if not found:
                raise ApiError(404, "not_found", f"no Data NFT matches {NFT_QUERY!r}")
            self.nft_id = found[0]["id"]
        if (
            self.subscribed_until is None
            or self.subscribed_until - datetime.now(UTC) < RENEW_BEFORE
        ):
            bought, _ = self.buyer.post_action(
                f"/api/data-nfts/{self.nft_id}/subscriptions",
                "purchase_subscription",
                {"nft_id": self.nft_id, "hours": SUBSCRIPTION_HOURS},
            )
            self.subscribed_until = datetime.fromisoformat(bought["expires_at"])
            log.info(
                "//DemoBuyer subscribed to Data NFT %s until %s", self.nft_id, bought["expires_at"]
            )
        return self.nft_id

    def review_results(self) -> None:
        """Accept every delivered result."""
        mine = self.buyer.get_all("/api/jobs", owner=self.buyer.signer.address, status="completed")
        for job in mine:
            job_id = job["id"]
            document = self.buyer.get(f"/api/jobs/{job_id}/result")["result_content"] or {}
            self._act(job_id, "accept", "accept_result")
            if "score" in document:
                log.info(
                    "//DemoBuyer accepted job %s: MEV risk of %s %s (%s)",
                    job_id,
                    document["pair"],
                    document["score"],
                    document["level"],
                )
            else:
                log.info(
                    "//DemoBuyer accepted job %s: %s", job_id, summary(document.get("outputs", {}))
                )

    def _act(self, job_id: int, step: str, action: str, **params) -> None:
        try:
            self.buyer.post_action(
                f"/api/jobs/{job_id}/{step}", action, {"job_id": job_id, **params}
            )
        except ApiError as exc:
            if exc.status != 409:  # a sweep got there first (auto-release): nothing to do
                raise

    # --- the traders trade -------------------------------------------------------------

    def trade(self) -> None:
        epoch = self.buyer.get("/api/intents/epoch")
        closes_at = datetime.fromisoformat(epoch["closes_at"])
        left = (closes_at - datetime.now(UTC)).total_seconds()
        if epoch["batch_id"] == self.batch_id or left < SUBMIT_MARGIN_SECONDS:
            return
        for uri, token_in, token_out, (low, high), cover_units in TRADES:
            unit = 10 ** DECIMALS[token_in]
            amount_in = self.rng.randint(low * 10, high * 10) * unit // 10
            quote = self.buyer.get(
                "/api/quote",
                token_in=token_in,
                token_out=token_out,
                amount_in=str(amount_in),
                slippage_bps=SLIPPAGE_BPS,
            )
            lock = cover(amount_in, cover_units * unit)
            params = {
                "batch_id": epoch["batch_id"],
                "token_in": token_in,
                "token_out": token_out,
                "lock_amount": str(lock),
                "sealed_intent": seal_intent(
                    epoch["public_key"], amount_in, int(quote["suggested_min_output"])
                ),
            }
            intent, _ = self.traders[uri].post_action("/api/intents", "submit_intent", params)
            log.info(
                "batch %s: %s sealed intent %s, %s, locking %s",
                epoch["batch_id"],
                uri,
                intent["id"],
                "→".join(intent["route"]),
                whole(lock, token_in),
            )
        self.batch_id = epoch["batch_id"]
        self.watched.add(epoch["batch_id"])

    def report_batches(self) -> None:
        for batch_id in sorted(self.watched):
            batch = self.buyer.get(f"/api/batches/{batch_id}")
            if batch["status"] != "settled":
                continue
            self.watched.discard(batch_id)
            for pair in batch["pairs"]:
                leg = pair["pool_leg"]
                log.info(
                    "batch %s settled: %s/%s at %s, %s executed, %s dropped, %s",
                    batch_id,
                    pair["token_in"],
                    pair["token_out"],
                    pair["price"],
                    pair["executed"],
                    pair["dropped"],
                    f"pool leg {whole(leg['amount_in'], leg['token_in'])}"
                    if leg
                    else "no pool leg",
                )
