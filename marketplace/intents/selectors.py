"""Reads of intents, batches and pools, and the public re-derivation of a settled batch."""

import hashlib
import json
from fractions import Fraction
from itertools import pairwise

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey

from ledger import codes as ledger_codes
from ledger import selectors as ledger_selectors
from marketplace.agents import mev_risk, runners
from marketplace.core import errors
from marketplace.core.canonical import canonical_json
from marketplace.jobs import selectors as jobs_selectors

from . import routing
from .clearing import ClearingInvariantError, format_price
from .clearing import Pool as ClearingPool
from .models import Batch, BatchPair, BatchStatus, Intent, IntentStatus, Pool
from .sealing import SealedRow, derive
from .serializers import PairSerializer


def pool_reserves(pool: Pool) -> tuple[int, int]:
    """The pool's reserves: the balances of its two ledger accounts."""
    code = ledger_codes.pool(pool.code)
    return (
        ledger_selectors.account_balance(pool.token_a, code),
        ledger_selectors.account_balance(pool.token_b, code),
    )


def clearing_pools() -> list[ClearingPool]:
    """Every pool with reserves, as the clearing and the routing see it now."""
    found = ((pool, pool_reserves(pool)) for pool in Pool.objects.all())
    return [ClearingPool(p.token_a, p.token_b, *r, p.fee_bps) for p, r in found if min(r) > 0]


def open_batch_counts(batch: Batch) -> dict[str, int]:
    """Sealed intents of an open batch per pair ("A-B"), routes counted in each pair
    they cross: what anyone may know before the close (never the amounts)."""
    counts: dict[str, int] = {}
    rows = batch.intents.filter(status=IntentStatus.SEALED).values_list(
        "token_in", "via", "token_out"
    )
    for token_in, via, token_out in rows:
        route = [token_in, *([via] if via else []), token_out]
        for t, u in pairwise(route):
            key = "-".join(sorted((t, u)))
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def quote(batch: Batch, token_in: str, token_out: str, amount_in: int, slippage_bps: int) -> dict:
    """GET /api/quote: a lone intent's output along its route at the pools' reserves
    now (docs/CLEARING.md "Quotes"). An estimate: the batch's other intents move the
    clearing price either way. 400 when no route of at most two pools exists."""
    pools = clearing_pools()
    route = routing.best_route(token_in, token_out, pools, amount_in)
    if route is None:
        raise errors.InvalidParams(
            f"No pool, nor two pools, join {token_in} and {token_out}.",
            {"token_out": "no route from the asset sold"},
        )
    q = routing.quote(route, pools, amount_in)
    counts = open_batch_counts(batch)
    return {
        "token_in": token_in,
        "token_out": token_out,
        "amount_in": amount_in,
        "amount_out_estimate": q.amount_out,
        "route": list(route),
        "price": format_price(
            Fraction(q.amount_out, amount_in),
            12,
            decimals_in=ledger_selectors.asset_decimals(token_in),
            decimals_out=ledger_selectors.asset_decimals(token_out),
        ),
        "fee": q.fee,
        "fee_bps": q.fee_bps,
        "price_impact_bps": q.price_impact_bps,
        "suggested_min_output": routing.suggested_min_output(q.amount_out, slippage_bps),
        "slippage_bps": slippage_bps,
        "batch_id": batch.pk,
        "batch_closes_at": batch.closes_at,
        "batch_sealed_intents": {
            key: counts.get(key, 0) for key in ("-".join(sorted(pair)) for pair in pairwise(route))
        },
    }


def pools() -> list[dict]:
    return [
        {
            "token_a": pool.token_a,
            "token_b": pool.token_b,
            "reserve_a": reserve_a,
            "reserve_b": reserve_b,
            "fee_bps": pool.fee_bps,
        }
        for pool in Pool.objects.all()
        for reserve_a, reserve_b in [pool_reserves(pool)]
    ]


def batches() -> QuerySet[Batch]:
    return Batch.objects.prefetch_related("pairs").order_by("-opens_at", "-id")


def batch(batch_id: int) -> Batch:
    found = batches().filter(pk=batch_id).first()
    if found is None:
        raise errors.NotFound(f"Batch {batch_id} does not exist.")
    return found


def intent_for(intent_id: int, viewer) -> Intent:
    """An intent as `viewer` (a Wallet or None) may see it: its owner always; anyone
    once the batch settled it (the published epoch key opens it anyway). A cancelled
    intent stays private."""
    intent = Intent.objects.select_related("wallet").filter(pk=intent_id).first()
    if intent is None:
        raise errors.NotFound(f"Intent {intent_id} does not exist.")
    public = intent.status not in (IntentStatus.SEALED, IntentStatus.CANCELLED)
    if not public and (viewer is None or viewer.pk != intent.wallet_id):
        raise errors.NotFound(f"Intent {intent_id} does not exist.")
    return intent


def batch_stats() -> dict:
    counts = Intent.objects.aggregate(
        executed=Count("id", filter=Q(status=IntentStatus.EXECUTED)),
        dropped=Count("id", filter=Q(status=IntentStatus.DROPPED)),
    )
    volume = (
        Intent.objects.filter(status=IntentStatus.EXECUTED)
        .values("token_in")
        .annotate(total=Sum("amount_in"))
        .order_by("token_in")
    )
    return {
        "batches": Batch.objects.filter(status=BatchStatus.SETTLED).count(),
        "intents_executed": counts["executed"],
        "intents_dropped": counts["dropped"],
        "volume": {row["token_in"]: str(int(row["total"])) for row in volume},
        "mev_saved": mev_saved(Intent.objects.all()),
    }


def mev_saved(intents: QuerySet[Intent]) -> dict[str, str]:
    """MEV saved by these intents per asset received (docs/CLEARING.md "MEV saved")."""
    rows = (
        intents.filter(status=IntentStatus.EXECUTED, mev_saved__isnull=False)
        .values("token_out")
        .annotate(total=Sum("mev_saved"))
        .order_by("token_out")
    )
    return {row["token_out"]: str(int(row["total"])) for row in rows}


# --- Verification -----------------------------------------------------------------------


def verify_batch(batch_id: int) -> list[str]:
    """Re-derive a settled batch from public data only — the published epoch key, the
    stored sealed intents and the recorded pool reserves before the batch — and list
    every difference from what was recorded. An empty list means it matches."""
    found = Batch.objects.filter(pk=batch_id).first()
    if found is None:
        raise errors.NotFound(f"Batch {batch_id} does not exist.")
    if found.status != BatchStatus.SETTLED or not found.secret_key:
        return [f"batch {batch_id} is not settled: its key is not published yet"]
    try:
        private_key = PrivateKey(bytes.fromhex(found.secret_key))
    except (ValueError, CryptoError):
        return [f"batch {batch_id}: the published secret key is malformed"]
    problems = []
    if bytes(private_key.public_key).hex() != found.public_key:
        problems.append("the published secret key does not belong to the epoch's public key")

    recorded_pairs = {(p.token_a, p.token_b): p for p in BatchPair.objects.filter(batch=found)}
    intents = []
    for intent in found.intents.exclude(status=IntentStatus.CANCELLED).order_by("id"):
        # Expiry is public (expires_at, closed_at); an expired intent is not opened.
        if intent.expired_at(found.closed_at) != (intent.status == IntentStatus.EXPIRED):
            problems.append(
                f"intent {intent.pk}: status recorded {intent.status}, expiry says otherwise"
            )
        if not intent.expired_at(found.closed_at):
            intents.append(intent)
    try:
        outcomes, result = derive(
            [SealedRow.of(i) for i in intents],
            [
                ClearingPool(a, b, p.reserve_a_before, p.reserve_b_before, p.fee_bps)
                for (a, b), p in recorded_pairs.items()
            ],
            private_key,
        )
    except (ValueError, ClearingInvariantError) as exc:
        return [*problems, f"the recorded inputs do not clear: {exc}"]

    for intent in intents:
        outcome = outcomes[intent.pk]
        names = ("status", "reason", "amount_in", "min_output", "amount_out", "legs", "mev_saved")
        for name in names:
            recorded, derived = getattr(intent, name), getattr(outcome, name)
            if recorded != derived:
                problems.append(
                    f"intent {intent.pk}: {name} recorded {recorded}, re-derived {derived}"
                )

    derived_pairs = {(p.token_in, p.token_out): p for p in result.pairs}
    for key in sorted(recorded_pairs.keys() | derived_pairs.keys()):
        name = "/".join(key)
        if key not in derived_pairs:
            problems.append(f"pair {name}: recorded, but no intent of it clears")
            continue
        if key not in recorded_pairs:
            problems.append(f"pair {name}: clears, but no result was recorded")
            continue
        row = recorded_pairs[key]
        for field, value in BatchPair.result_fields(derived_pairs[key]).items():
            if getattr(row, field) != value:
                problems.append(
                    f"pair {name}: {field} recorded {getattr(row, field)}, re-derived {value}"
                )
    return problems


# --- MEV risk ---------------------------------------------------------------------------

MEV_RISK_CANDIDATES = 5  # the newest deliveries per pair tried before giving up
MEV_RISK_CACHE_SECONDS = 2 * 3600


def mev_risk_input(options: dict) -> dict:
    """A `builtin:mev_risk` job's full input: its options and the pair's rows of the
    settled batches it names, as `GET /api/batches` serves them (what the provider
    agent read)."""
    pair, first, last, _ = mev_risk.window(options)
    token_a, token_b = pair.split("-")
    rows = BatchPair.objects.filter(
        batch_id__gte=first,
        batch_id__lte=last,
        batch__status=BatchStatus.SETTLED,
        token_a=token_a,
        token_b=token_b,
    )
    documents = [
        {"id": row.batch_id, "status": "settled", "pairs": [served]}
        for row, served in zip(rows, PairSerializer(rows, many=True).data, strict=True)
    ]
    return {**options, "batches": mev_risk.history(documents, pair, first, last)}


def _mev_risk_document(data_ref: str) -> dict | None:
    """The document the runner gives for a job's `data_ref` over the public batches, or
    None if the reference is not one. Cached by the input's hash: settled batches never
    change, so the same input always gives the same document."""
    try:
        options = json.loads(data_ref.removeprefix("inline:"))
        data = mev_risk_input(options)
    except ValueError:
        return None
    key = "intents:mev-risk:" + hashlib.sha256(canonical_json(data).encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        try:
            document = runners.get(runners.MEV_RISK)(data)
        except runners.InputError:
            return None
        cache.set(key, document, MEV_RISK_CACHE_SECONDS)
    return document


def mev_risk_scores() -> list[dict]:
    """Per pool's pair, the newest delivered `builtin:mev_risk` job whose result the
    server re-derives from the public batches it names (docs/CLEARING.md "MEV risk
    score"): `{pair, label, job_id, document}`. A result that does not re-derive is
    never shown."""
    scores = []
    for pool in Pool.objects.order_by("token_a", "token_b"):
        pair = f"{pool.token_a}-{pool.token_b}"
        candidates = jobs_selectors.delivered(runners.MEV_RISK, f'"pair":"{pair}"')
        for job in candidates[:MEV_RISK_CANDIDATES]:
            document = _mev_risk_document(job.data_ref)
            if document is not None and runners.result_hash(document) == job.result_hash:
                label = f"{pool.token_a}/{pool.token_b}"
                scores.append(
                    {"pair": pair, "label": label, "job_id": job.pk, "document": document}
                )
                break
    return scores


# --- Pages ------------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 10


def pools_with_spot_price() -> list[dict]:
    """`pools()` with each pool's spot price: token_b per whole token_a, truncated (the
    marginal price before the fee; an empty pool has none)."""
    rows = pools()
    for row in rows:
        reserve_a, reserve_b = row["reserve_a"], row["reserve_b"]
        row["spot_price"] = (
            format_price(
                Fraction(reserve_b, reserve_a),
                6,
                decimals_in=ledger_selectors.asset_decimals(row["token_a"]),
                decimals_out=ledger_selectors.asset_decimals(row["token_b"]),
            )
            if reserve_a and reserve_b
            else ""
        )
    return rows


def seconds_to_next_close(at_most: float) -> float:
    """Seconds until the earliest open batch's window ends (0 if one already has), at
    most `at_most`: how long the batch closer may sleep."""
    closes_at = (
        Batch.objects.filter(status=BatchStatus.OPEN)
        .order_by("closes_at")
        .values_list("closes_at", flat=True)
        .first()
    )
    if closes_at is None:
        return at_most
    return max(0.0, min(at_most, (closes_at - timezone.now()).total_seconds()))


def epoch_progress(batch: Batch) -> dict:
    """How far the epoch's window has run, in whole seconds, for a countdown."""
    total = int((batch.closes_at - batch.opens_at).total_seconds())
    left = max(0, int((batch.closes_at - timezone.now()).total_seconds()))
    return {"seconds_total": total, "seconds_left": left, "seconds_elapsed": total - left}


def intents_of(public_key: str) -> QuerySet[Intent]:
    """A wallet's intents, newest first."""
    return (
        Intent.objects.filter(wallet__public_key=public_key).select_related("batch").order_by("-id")
    )


def traded_batches() -> QuerySet[Batch]:
    """Settled batches that had at least one (not cancelled) intent, newest first: the
    beat settles every epoch, empty ones too, and those make no history."""
    traded = Intent.objects.filter(batch=OuterRef("pk")).exclude(status=IntentStatus.CANCELLED)
    return (
        batches()
        .filter(status=BatchStatus.SETTLED)
        .filter(Exists(traded))
        .annotate(
            intents_executed=Count("intents", filter=Q(intents__status=IntentStatus.EXECUTED)),
            intents_dropped=Count("intents", filter=Q(intents__status=IntentStatus.DROPPED)),
            intents_invalid=Count("intents", filter=Q(intents__status=IntentStatus.INVALID)),
        )
        .order_by("-closed_at", "-id")
    )


def history_page(number) -> Page:
    return Paginator(traded_batches(), HISTORY_PAGE_SIZE).get_page(number)


def intent_counts(batch: Batch) -> dict[str, int]:
    """The batch's intents per status (every status, zero included)."""
    found = dict(batch.intents.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: found.get(status, 0) for status in IntentStatus.values}
