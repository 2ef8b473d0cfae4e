"""The demo's buyers and traders, so that `make run` is a market that moves on its own.

- //Alice keeps a subscription to //Charlie's City traffic Data NFT, posts a
  `builtin:forecast` job over it every `job_seconds` (auto-assigned: the provider
  agent's bid is taken when the bid window closes), and accepts each delivered
  forecast (an error document is disputed instead).
- //Alice also trains a model across the three air-quality stations' Data NFTs every
  `federated_seconds` (a federated job: the provider agent trains each station's
  readings locally, round after round), one federated job at a time.
- //Eve and //Ferdie each seal one opposite DOT/USDT intent into every batch epoch,
  and one between assets with no common pool (KSM → DOT, ASTR → KSM: routes of two
  pools through USDT), each with the minimum the quote suggests at 2 % slippage, so
  batches settle with a coincidence of wants, pool legs and routes.

Like the agents, it is an ordinary client of the public API: signed actions, no
database access. For the demo only: it spends the demo wallets' test funds."""

import base64
import json
import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta

from nacl.public import PublicKey, SealedBox

from marketplace.core.canonical import canonical_json

from .client import ApiError, Client, Signer

log = logging.getLogger("polkamesh.agents.demo")

NFT_QUERY = "City traffic"
SUBSCRIPTION_HOURS = 24
RENEW_BEFORE = timedelta(hours=2)  # a job's deadline must fall inside the subscription
JOB_DEADLINE = timedelta(hours=1)
JOB_BUDGET_DOT = 10**10  # 1 DOT
HORIZON = 24
# (trader, sells, buys, whole units sold: low-high, the lock is a multiple of): Eve's
# DOT and Ferdie's USDT mostly match each other; the difference trades with the pool.
TRADES = (
    ("//Eve", "DOT", "USDT", (1, 5), 10),
    ("//Ferdie", "USDT", "DOT", (5, 25), 50),
    ("//Eve", "KSM", "DOT", (1, 3), 5),
    ("//Ferdie", "ASTR", "KSM", (500, 3000), 5000),
)
FEDERATED_QUERY = "Air quality"  # the demo stations (marketplace/federated/demo.py)
FEDERATED_ROUNDS = 5
FEDERATED_BUDGET_DOT = 10 * 10**10  # 10 DOT: 0.15 DOT of data, ~0.66 DOT for each of 15 tasks
FEDERATED_DEADLINE = timedelta(hours=2)
SLIPPAGE_BPS = 200  # the traders accept 2 % below the quote
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


class DemoMarket:
    def __init__(
        self,
        url: str,
        *,
        job_seconds: float = 120.0,
        tick_seconds: float = 3.0,
        federated_seconds: float = 300.0,
    ):
        self.alice = Client(url, Signer.from_uri("//Alice"))
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
        self.review_results()
        self.trade()
        self.report_batches()

    # --- //Alice buys forecasts ---------------------------------------------------------

    def post_job(self) -> None:
        nft_id = self.ensure_subscription()
        deadline = datetime.now(UTC) + JOB_DEADLINE
        params = {
            "model_ref": "builtin:forecast",
            "data_ref": "inline:" + canonical_json({"horizon": HORIZON}),
            "data_nft_id": nft_id,
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(JOB_BUDGET_DOT),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privacy_required": False,
            "auto_assign": True,
        }
        job, _ = self.alice.post_action("/api/jobs", "submit_job", params)
        log.info(
            "//Alice posted job %s: forecast the next %d h of Data NFT %s",
            job["id"],
            HORIZON,
            nft_id,
        )

    def post_federated_job(self) -> None:
        """Train pm25 from traffic and wind across the demo stations, unless the last
        federated job is still running."""
        if self.federated_id is not None:
            last = self.alice.get(f"/api/federated-jobs/{self.federated_id}")
            if last["status"] == "running":
                return
            log.info(
                "//Alice's federated job %s %s: weights %s",
                last["id"],
                last["status"],
                [round(w, 3) for w in last["global_weights"]],
            )
        stations = self.alice.get("/api/data-nfts", q=FEDERATED_QUERY)["results"]
        nft_ids = sorted(s["id"] for s in stations if s["training"]["allowed"])
        if len(nft_ids) < 2:
            raise ApiError(404, "not_found", f"fewer than 2 {FEDERATED_QUERY!r} NFTs to train on")
        deadline = datetime.now(UTC) + FEDERATED_DEADLINE
        job, _ = self.alice.post_action(
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
        log.info("//Alice posted federated job %s over Data NFTs %s", job["id"], nft_ids)

    def ensure_subscription(self) -> int:
        if self.nft_id is None:
            found = self.alice.get("/api/data-nfts", q=NFT_QUERY)["results"]
            if not found:
                raise ApiError(404, "not_found", f"no Data NFT matches {NFT_QUERY!r}")
            self.nft_id = found[0]["id"]
        if (
            self.subscribed_until is None
            or self.subscribed_until - datetime.now(UTC) < RENEW_BEFORE
        ):
            bought, _ = self.alice.post_action(
                f"/api/data-nfts/{self.nft_id}/subscriptions",
                "purchase_subscription",
                {"nft_id": self.nft_id, "hours": SUBSCRIPTION_HOURS},
            )
            self.subscribed_until = datetime.fromisoformat(bought["expires_at"])
            log.info(
                "//Alice subscribed to Data NFT %s until %s", self.nft_id, bought["expires_at"]
            )
        return self.nft_id

    def review_results(self) -> None:
        """Accept every delivered forecast; dispute a document that reports an error."""
        mine = self.alice.get_all("/api/jobs", owner=self.alice.signer.address, status="completed")
        for job in mine:
            job_id = job["id"]
            document = self.alice.get(f"/api/jobs/{job_id}/result")["result_content"] or {}
            if "error" in document:
                reason = f"the provider could not run it: {document['error']}"[:500]
                self._act(job_id, "dispute", "dispute_job", reason=reason)
                log.info("//Alice disputed job %s: %s", job_id, document["error"])
                continue
            self._act(job_id, "accept", "accept_result")
            peak = max(document.get("forecast") or [{}], key=lambda p: p.get("value", 0))
            log.info(
                "//Alice accepted job %s: forecast peak %s at %s",
                job_id,
                peak.get("value"),
                peak.get("ts"),
            )

    def _act(self, job_id: int, step: str, action: str, **params) -> None:
        try:
            self.alice.post_action(
                f"/api/jobs/{job_id}/{step}", action, {"job_id": job_id, **params}
            )
        except ApiError as exc:
            if exc.status != 409:  # a sweep got there first (auto-release): nothing to do
                raise

    # --- //Eve and //Ferdie trade -------------------------------------------------------

    def trade(self) -> None:
        epoch = self.alice.get("/api/intents/epoch")
        closes_at = datetime.fromisoformat(epoch["closes_at"])
        left = (closes_at - datetime.now(UTC)).total_seconds()
        if epoch["batch_id"] == self.batch_id or left < SUBMIT_MARGIN_SECONDS:
            return
        for uri, token_in, token_out, (low, high), cover_units in TRADES:
            unit = 10 ** DECIMALS[token_in]
            amount_in = self.rng.randint(low * 10, high * 10) * unit // 10
            quote = self.alice.get(
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
            batch = self.alice.get(f"/api/batches/{batch_id}")
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
