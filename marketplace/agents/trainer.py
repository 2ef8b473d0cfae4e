"""Local training for federated jobs (docs/FEDERATED.md), pure numpy, no Django: the
provider agent runs it on one Data NFT's readings and reports only the model.

Features are standardised with this dataset's own mean and standard deviation (reported
with the update as `stats`), the model is fitted in that space starting from the
global weights, and the weights are mapped back to the raw feature space before they
are reported, so the server can average updates from datasets of different scales.

- linear regression: least squares (the exact local optimum; the global weights only
  start it), loss = mean squared error;
- logistic regression (targets 0/1): `steps` full-batch gradient steps on the mean
  log-loss from the global weights, loss = mean log-loss.

Weights are `[w_1, …, w_k, bias]`."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MODELS = ("linear_regression", "logistic_regression")
DEFAULT_STEPS = 50
DEFAULT_LEARNING_RATE = 0.5


class TrainingError(ValueError):
    """The readings cannot train this model (too few usable rows, bad targets)."""


@dataclass(frozen=True)
class LocalUpdate:
    weights: list[float]
    n_samples: int
    loss: float
    stats: dict

    def as_params(self) -> dict:
        return {
            "weights": self.weights,
            "n_samples": self.n_samples,
            "loss": self.loss,
            "stats": self.stats,
        }


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def matrix(readings: Sequence[dict], features: Sequence[str], target: str):
    """(X, y) from the readings that carry every feature and the target as numbers;
    the others are skipped."""
    rows, targets = [], []
    for reading in readings:
        row = [_number(reading.get(name)) for name in features]
        y = _number(reading.get(target))
        if y is None or any(x is None for x in row):
            continue
        rows.append(row)
        targets.append(y)
    return np.array(rows, dtype=float).reshape(-1, len(features)), np.array(targets)


def _to_standard(weights: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Raw-space `[w, b]` → the same model on standardised features."""
    w, b = weights[:-1], weights[-1]
    return np.append(w * std, b + w @ mean)


def _to_raw(weights: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    w_std, b_std = weights[:-1], weights[-1]
    w = w_std / std
    return np.append(w, b_std - w @ mean)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow


def train(
    model: str,
    X: np.ndarray,
    y: np.ndarray,
    global_weights: Sequence[float],
    *,
    steps: int = DEFAULT_STEPS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
) -> LocalUpdate:
    """One local round on (X, y) from `global_weights`."""
    if model not in MODELS:
        raise TrainingError(f"unknown model {model!r}")
    n, k = X.shape
    if n < k + 1:
        raise TrainingError(f"{n} usable readings cannot fit {k + 1} weights")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std[std == 0] = 1.0  # a constant feature: leave it unscaled
    Z = np.hstack([(X - mean) / std, np.ones((n, 1))])
    start = _to_standard(np.asarray(global_weights, dtype=float), mean, std)
    if model == "linear_regression":
        fitted, *_ = np.linalg.lstsq(Z, y, rcond=None)
        loss = float(np.mean((Z @ fitted - y) ** 2))
    else:
        if not np.isin(y, (0.0, 1.0)).all():
            raise TrainingError("logistic regression needs targets of 0 or 1")
        fitted = start
        for _ in range(steps):
            fitted = fitted - learning_rate * Z.T @ (_sigmoid(Z @ fitted) - y) / n
        p = np.clip(_sigmoid(Z @ fitted), 1e-12, 1 - 1e-12)
        loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    raw = _to_raw(fitted, mean, std)
    return LocalUpdate(
        weights=[float(w) for w in raw],
        n_samples=int(n),
        loss=loss,
        stats={"mean": [float(m) for m in mean], "std": [float(s) for s in std]},
    )


def train_on_readings(
    model: str,
    readings: Sequence[dict],
    features: Sequence[str],
    target: str,
    global_weights: Sequence[float],
    **options,
) -> LocalUpdate:
    X, y = matrix(readings, features, target)
    return train(model, X, y, global_weights, **options)
