"""Federated averaging (FedAvg), pure: no Django, no I/O.

Each local update is `(weights, n_samples, loss)` with the weights in the raw feature
space (`[w_1, …, w_k, bias]`: every trainer undoes its own standardisation before it
reports), so updates from datasets with different scales average coherently. The
global model is the sample-weighted mean of the local weights; the round's loss is the
sample-weighted mean of the local losses."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Update:
    weights: Sequence[float]
    n_samples: int
    loss: float


@dataclass(frozen=True)
class Aggregate:
    weights: list[float]
    loss: float
    n_samples: int
    contributors: int


def fedavg(updates: Sequence[Update]) -> Aggregate:
    """The sample-weighted average of `updates` (at least one, all of one length, each
    with n_samples > 0)."""
    if not updates:
        raise ValueError("no updates to aggregate")
    counts = np.array([u.n_samples for u in updates], dtype=float)
    if (counts <= 0).any():
        raise ValueError("every update needs n_samples > 0")
    weights = np.array([list(u.weights) for u in updates], dtype=float)
    losses = np.array([u.loss for u in updates], dtype=float)
    share = counts / counts.sum()
    return Aggregate(
        weights=[float(w) for w in share @ weights],
        loss=float(share @ losses),
        n_samples=int(counts.sum()),
        contributors=len(updates),
    )


def predict(model: str, weights: Sequence[float], features: Sequence[float]) -> float:
    """The model's output for one row: a value (linear) or a probability (logistic)."""
    w = np.asarray(weights, dtype=float)
    z = float(np.dot(w[:-1], np.asarray(features, dtype=float)) + w[-1])
    if model == "logistic_regression":
        return float(1.0 / (1.0 + np.exp(-z)))
    return z
