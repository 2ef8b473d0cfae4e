"""Built-in job runners, addressed by a job's `model_ref` (`builtin:forecast`, …).

Pure numpy and the standard library, no Django: the provider agent, the TEE worker
and tests all call them the same way. A runner takes the job's input document and
returns a JSON document; the same input always gives the same document (floats are
rounded), so its `result_hash` is reproducible by anyone who re-runs it.

Input: `{"readings": [{"ts", "value"}, …], "horizon": N, …}`, or the compact form
`{"start": ts, "step_seconds": S, "values": [v0, v1, …]}` that fits a job's short
inline `data_ref`. `ts` is ISO-8601 (UTC offset or `Z`) or Unix seconds."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from marketplace.core.canonical import canonical_json

from . import mev_risk
from .inputs import InputError

MAX_RESULT_BYTES = 256 * 1024
MAX_READINGS = 100_000
MAX_HORIZON = 1000
MAX_LISTED_ANOMALIES = 500
DAY = 86400.0
# [1, t, sin/cos of the daily cycle, sin/cos of its second harmonic]
N_TERMS = 6
MIN_READINGS = 2 * N_TERMS


def canonical(document: dict) -> bytes:
    """The canonical JSON of API.md: what `result_hash` is taken over."""
    return canonical_json(document).encode()


def result_hash(document: dict) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


@dataclass(frozen=True)
class Runner:
    model_ref: str
    capability: str
    compute: Callable[[dict], dict]

    def __call__(self, data: dict) -> dict:
        document = {"model_ref": self.model_ref, **self.compute(data)}
        if len(canonical(document)) > MAX_RESULT_BYTES:
            raise InputError("the result would be larger than 256 KB")
        return document


# --- input --------------------------------------------------------------------------


def parse_ts(value) -> float:
    if isinstance(value, bool):
        raise InputError(f"bad timestamp {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InputError(f"bad timestamp {value!r}") from exc
        if moment.tzinfo is None:
            raise InputError(f"timestamp {value!r} has no UTC offset")
        return moment.timestamp()
    raise InputError(f"bad timestamp {value!r}")


def format_ts(seconds: float) -> str:
    return datetime.fromtimestamp(round(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def series(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """(Unix seconds, values) of the input, sorted by time, duplicates rejected."""
    if not isinstance(data, dict):
        raise InputError("the input must be a JSON object")
    if "values" in data:
        values = data["values"]
        step = data.get("step_seconds")
        if not isinstance(values, list) or not isinstance(step, int | float) or step <= 0:
            raise InputError("the compact form needs values: [...] and step_seconds > 0")
        start = parse_ts(data.get("start", 0))
        times = [start + i * float(step) for i in range(len(values))]
    else:
        readings = data.get("readings")
        if not isinstance(readings, list):
            raise InputError("the input needs readings: [{ts, value}, ...]")
        if not all(isinstance(r, dict) for r in readings):
            raise InputError("each reading is an object {ts, value}")
        times = [parse_ts(r.get("ts")) for r in readings]
        values = [r.get("value") for r in readings]
    if len(values) > MAX_READINGS:
        raise InputError(f"at most {MAX_READINGS} readings")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise InputError("every value must be a number")
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise InputError("timestamps and values must be finite")
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    if len(t) > 1 and np.any(np.diff(t) == 0):
        raise InputError("two readings share a timestamp")
    return t, y


def horizon(data: dict, default: int = 24) -> int:
    value = data.get("horizon", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HORIZON:
        raise InputError(f"horizon must be an integer from 1 to {MAX_HORIZON}")
    return value


def _number(data: dict, name: str, default: float, low: float, high: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InputError(f"{name} must be a number from {low} to {high}")
    return float(value)


def _round(x: float) -> float:
    return round(float(x), 6)


# --- the trend + daily-seasonal model -----------------------------------------------


def design(t: np.ndarray, origin: float) -> np.ndarray:
    """Columns [1, days, sin, cos of the daily cycle, sin, cos of its 2nd harmonic]."""
    days = (t - origin) / DAY
    # The phase is taken from Unix time, so the seasonal terms are aligned to UTC days.
    phase = 2 * np.pi * (t % DAY) / DAY
    return np.column_stack(
        [
            np.ones_like(days),
            days,
            np.sin(phase),
            np.cos(phase),
            np.sin(2 * phase),
            np.cos(2 * phase),
        ]
    )


def _fit(t: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    if len(t) < MIN_READINGS:
        raise InputError(f"the model needs at least {MIN_READINGS} readings")
    X = design(t, t[0])
    keep = slice(None) if mask is None else mask
    coefficients, *_ = np.linalg.lstsq(X[keep], y[keep], rcond=None)
    return coefficients


def _step(t: np.ndarray) -> float:
    return float(np.median(np.diff(t)))


def _mad(residuals: np.ndarray) -> float:
    """The median absolute deviation, scaled to estimate a normal's sigma."""
    return 1.4826 * float(np.median(np.abs(residuals - np.median(residuals))))


def _coefficients(c: np.ndarray) -> dict:
    names = ("level", "trend_per_day", "daily_sin", "daily_cos", "half_day_sin", "half_day_cos")
    return {name: _round(value) for name, value in zip(names, c, strict=True)}


def forecast(data: dict) -> dict:
    """Least-squares fit of trend + daily seasonality; the next `horizon` points at the
    series' median step, and the fit's residual error."""
    t, y = series(data)
    n = horizon(data)
    c = _fit(t, y)
    residuals = y - design(t, t[0]) @ c
    step = _step(t)
    future = t[-1] + step * np.arange(1, n + 1)
    predicted = design(future, t[0]) @ c
    return {
        "n_readings": len(t),
        "step_seconds": _round(step),
        "coefficients": _coefficients(c),
        "fit": {
            "rmse": _round(np.sqrt(np.mean(residuals**2))),
            "mae": _round(np.mean(np.abs(residuals))),
        },
        "forecast": [
            {"ts": format_ts(ts), "value": _round(v)}
            for ts, v in zip(future, predicted, strict=True)
        ],
    }


def anomaly(data: dict) -> dict:
    """Readings whose residual from a robust trend + seasonal fit exceeds k·MAD (k =
    `threshold`, default 4). Robust: refit without the flagged points until stable."""
    t, y = series(data)
    k = _number(data, "threshold", 4.0, 1.0, 100.0)
    X = design(t, t[0])
    mask = np.ones(len(t), dtype=bool)
    for _ in range(10):
        c = _fit(t, y, mask)
        residuals = y - X @ c
        # A floor keeps a noiseless series from flagging rounding noise.
        scale = max(_mad(residuals[mask]), 1e-9 * max(1.0, float(np.max(np.abs(y)))))
        flagged = np.abs(residuals) > k * scale
        if np.array_equal(~flagged, mask) or np.count_nonzero(~flagged) < MIN_READINGS:
            break
        mask = ~flagged
    indices = np.flatnonzero(flagged)
    return {
        "n_readings": len(t),
        "threshold": _round(k),
        "scale": _round(scale),
        "anomalies_total": len(indices),
        "anomalies": [
            {
                "ts": format_ts(t[i]),
                "value": _round(y[i]),
                "expected": _round(y[i] - residuals[i]),
                "score": _round(residuals[i] / scale),
            }
            for i in indices[:MAX_LISTED_ANOMALIES]
        ],
    }


def summary(data: dict) -> dict:
    """Descriptive statistics, the linear trend, and the mean per UTC hour of day: what
    a data buyer looks at before paying for a forecast."""
    t, y = series(data)
    if len(t) == 0:
        raise InputError("no readings")
    hours = ((t % DAY) // 3600).astype(int)
    profile = {f"{h:02d}": _round(np.mean(y[hours == h])) for h in np.unique(hours)}
    slope = np.polyfit((t - t[0]) / DAY, y, 1)[0] if len(t) > 1 else 0.0
    p05, median, p95 = np.percentile(y, [5, 50, 95])
    return {
        "n_readings": len(t),
        "first_ts": format_ts(t[0]),
        "last_ts": format_ts(t[-1]),
        "min": _round(y.min()),
        "max": _round(y.max()),
        "mean": _round(y.mean()),
        "std": _round(y.std()),
        "p05": _round(p05),
        "median": _round(median),
        "p95": _round(p95),
        "trend_per_day": _round(slope),
        "hourly_profile": profile,
    }


MEV_RISK = "builtin:mev_risk"
RUNNERS = {
    runner.model_ref: runner
    for runner in (
        Runner("builtin:forecast", "cpu", forecast),
        Runner("builtin:anomaly", "cpu", anomaly),
        Runner("builtin:summary", "cpu", summary),
        Runner(MEV_RISK, "cpu", mev_risk.score),
    )
}


def get(model_ref: str) -> Runner | None:
    """The runner for `model_ref`, or None: agents never bid on what they cannot run."""
    return RUNNERS.get(model_ref)


def capabilities() -> list[str]:
    return sorted({runner.capability for runner in RUNNERS.values()})
