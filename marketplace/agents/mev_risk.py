"""`builtin:mev_risk`: how exposed a pair's trades would be to sandwiches on the pool
alone, scored from its public batch history (docs/CLEARING.md "MEV risk score").

Pure, like the other runners: the input document carries the history, built by
`history()` from the public `GET /api/batches` documents — by the provider agent over
HTTP, by the server from its own serializer — so both derive the same input, and the
same document and `result_hash` from it. Floats are fine here: this is a model of an
attacker, not money; the same code gives the same figures everywhere."""

from collections.abc import Iterable

from .inputs import InputError

BPS = 10_000
MAX_BATCHES = 1_000
SEARCH_STEPS = 64  # bisection and ternary steps: x to well below a unit at any reserves
WORST_LISTED = 5
# score thresholds: the share (0-100) of the allowed slippage an optimal sandwich takes
LEVELS = ((10.0, "low"), (40.0, "medium"), (float("inf"), "high"))


def history(batches: Iterable[dict], pair: str, first: int, last: int) -> list[dict]:
    """The rows of `pair` ("A-B", sorted codes) in the settled batches `first..last`,
    from batch documents as `GET /api/batches` serves them, oldest first."""
    token_a, _, token_b = pair.partition("-")
    rows = [
        {
            "batch_id": batch["id"],
            "fee_bps": row["fee_bps"],
            "reserves_before": dict(row["reserves_before"]),
            "volume_in": dict(row["volume_in"]),
        }
        # By id: a list read page by page while batches settle may repeat one.
        for batch in {batch["id"]: batch for batch in batches}.values()
        if batch["status"] == "settled" and first <= batch["id"] <= last
        for row in batch["pairs"]
        if (row["token_in"], row["token_out"]) == (token_a, token_b)
    ]
    return sorted(rows, key=lambda row: row["batch_id"])


def window(data: dict) -> tuple[str, int, int, int]:
    """(pair, first batch, last batch, slippage bps) of a job's options."""
    if not isinstance(data, dict):
        raise InputError("the input must be a JSON object")
    pair, first, last = data.get("pair"), data.get("first_batch"), data.get("last_batch")
    slippage = data.get("slippage_bps", 50)
    if not isinstance(pair, str) or pair.count("-") != 1 or "" in pair.split("-"):
        raise InputError('pair must be "A-B" (the pool\'s two asset codes)')
    token_a, token_b = pair.split("-")
    if token_a >= token_b:
        raise InputError("the pair's codes must be in sorted order")
    for name, value in (("first_batch", first), ("last_batch", last), ("slippage_bps", slippage)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name} must be a non-negative integer")
    if not first <= last < first + MAX_BATCHES:
        raise InputError(f"first_batch..last_batch must span 1 to {MAX_BATCHES} batches")
    if not 0 < slippage < BPS:
        raise InputError("slippage_bps must be from 1 to 9999")
    return pair, first, last, slippage


def _out(amount: float, reserve_in: float, reserve_out: float, kept: float) -> float:
    """The constant-product output, unrounded."""
    return reserve_out * kept * amount / (reserve_in + kept * amount)


def sandwich(
    amount: float, reserve_in: float, reserve_out: float, fee_bps: int, slippage_bps: int
) -> tuple[float, float]:
    """(what the victim loses, in its output asset; the attacker's profit, in its input
    asset) when an optimal attacker sandwiches a swap of `amount` whose minimum is
    `slippage_bps` below what the pool alone pays: buy x ahead of it, let it trade,
    sell back what x bought. x may grow until the victim would receive less than its
    minimum (the swap would fail); an attacker who cannot profit does not attack (0, 0)."""
    kept = (BPS - fee_bps) / BPS
    alone = _out(amount, reserve_in, reserve_out, kept)
    minimum = alone * (BPS - slippage_bps) / BPS

    def legs(x: float) -> tuple[float, float]:
        bought = _out(x, reserve_in, reserve_out, kept)
        return bought, _out(amount, reserve_in + x, reserve_out - bought, kept)

    def profit(x: float) -> float:
        bought, victim = legs(x)
        return _out(bought, reserve_out - bought - victim, reserve_in + x + amount, kept) - x

    low, high = 0.0, reserve_in
    while legs(high)[1] >= minimum:  # the victim's output falls as x grows
        high *= 2
    for _ in range(SEARCH_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if legs(middle)[1] >= minimum else (low, middle)
    start, limit = 0.0, low
    # The profit rises with x, then the attacker's own fees and impact win: unimodal.
    for _ in range(SEARCH_STEPS):
        m1, m2 = start + (limit - start) / 3, limit - (limit - start) / 3
        start, limit = (start, m2) if profit(m1) >= profit(m2) else (m1, limit)
    best = (start + limit) / 2
    gain = profit(best)
    return (alone - legs(best)[1], gain) if gain > 0 else (0.0, 0.0)


def score(data: dict) -> dict:
    """Each batch's flow in each direction as one public swap at the reserves before
    the batch, with a minimum `slippage_bps` below the pool's output, and what an
    optimal sandwich would take from it (values in the pair's first asset at the spot
    price before the batch). The score is the share of the slippage those swaps
    allowed that sandwiches would have taken: 0-100."""
    pair, first, last, slippage = window(data)
    rows = data.get("batches")
    if not isinstance(rows, list) or len(rows) > MAX_BATCHES:
        raise InputError(f"batches must be a list of at most {MAX_BATCHES} rows")
    token_a, token_b = pair.split("-")
    swaps = exposed = 0
    received = lost = 0.0  # valued in token_a
    worst = []
    for row in rows:
        try:
            fee_bps = int(row["fee_bps"])
            reserves = {t: int(row["reserves_before"][t]) for t in (token_a, token_b)}
            volumes = {t: int(row["volume_in"][t]) for t in (token_a, token_b)}
            batch_id = int(row["batch_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"a batch row lacks {exc}") from exc
        if min(reserves.values()) <= 0 or not 0 <= fee_bps < BPS:
            raise InputError(f"batch {batch_id}: bad reserves or fee")
        for token_in, token_out in ((token_a, token_b), (token_b, token_a)):
            amount = volumes[token_in]
            if amount <= 0:
                continue
            r_in, r_out = reserves[token_in], reserves[token_out]
            loss, _ = sandwich(float(amount), r_in, r_out, fee_bps, slippage)
            # The output asset valued in token_a at the spot price before the batch.
            to_a = 1.0 if token_out == token_a else reserves[token_a] / reserves[token_b]
            swaps += 1
            exposed += loss > 0
            received += _out(amount, r_in, r_out, (BPS - fee_bps) / BPS) * to_a
            lost += loss * to_a
            if loss > 0:
                worst.append((loss * to_a, batch_id, token_in, amount, token_out, loss))
    allowed = received * slippage / BPS
    share = 100 * lost / allowed if allowed else 0.0
    level = "no trades" if not swaps else next(name for top, name in LEVELS if share < top)
    worst.sort(key=lambda w: (-w[0], w[1], w[2]))
    return {
        "pair": pair,
        "first_batch": first,
        "last_batch": last,
        "slippage_bps": slippage,
        "batches": len(rows),
        "swaps": swaps,
        "exposed_swaps": exposed,
        "score": round(share, 2),
        "level": level,
        "extractable_bps": round(BPS * lost / received, 4) if received else 0.0,
        "extractable_value": {token_a: round(lost)},
        "worst": [
            {
                "batch_id": b,
                "token_in": t,
                "amount_in": str(a),
                "token_out": u,
                "victim_loss": str(round(loss)),
            }
            for _, b, t, a, u, loss in worst[:WORST_LISTED]
        ],
    }
