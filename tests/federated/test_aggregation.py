"""FedAvg and the local trainer, pure: properties of the aggregation against a
centralised fit on all the data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.agents import trainer
from marketplace.federated import aggregation


def local_fit(X, y):
    return trainer.train("linear_regression", X, y, [0.0] * (X.shape[1] + 1))


def central_fit(parts):
    X = np.vstack([X for X, _ in parts])
    y = np.concatenate([y for _, y in parts])
    return local_fit(X, y).weights


def fedavg(parts):
    updates = [local_fit(X, y) for X, y in parts]
    return aggregation.fedavg(
        [aggregation.Update(u.weights, u.n_samples, u.loss) for u in updates]
    ).weights


@settings(max_examples=40, deadline=None)
@given(
    clients=st.integers(min_value=2, max_value=8),
    n=st.integers(min_value=20, max_value=200),
    k=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_fedavg_of_least_squares_on_one_design_is_the_central_solution(clients, n, k, seed):
    """Equal feature distributions, at the limit: every client has the same design
    (different noise); then the sample-weighted mean of the local least-squares
    solutions is exactly the central one."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, rng.uniform(0.5, 3), (n, k)) + rng.normal(0, 2, k)
    truth = rng.normal(0, 3, k + 1)
    parts = [(X, X @ truth[:-1] + truth[-1] + rng.normal(0, 1, n)) for _ in range(clients)]
    assert fedavg(parts) == pytest.approx(central_fit(parts), rel=1e-6, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    clients=st.integers(min_value=2, max_value=6),
    k=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_fedavg_of_least_squares_with_equal_distributions_is_near_the_central_solution(
    clients, k, seed
):
    """Each client draws its own rows from one distribution: the averaged model is the
    central one within the sampling error (shrinking like 1/sqrt(n))."""
    rng = np.random.default_rng(seed)
    n = 2000
    mean, scale = rng.normal(0, 2, k), rng.uniform(0.5, 2, k)
    truth = rng.normal(0, 3, k + 1)
    parts = []
    for _ in range(clients):
        X = rng.normal(mean, scale, (n, k))
        parts.append((X, X @ truth[:-1] + truth[-1] + rng.normal(0, 0.5, n)))
    assert np.allclose(fedavg(parts), central_fit(parts), atol=0.05)


def test_fedavg_weights_by_samples():
    result = aggregation.fedavg(
        [aggregation.Update([1.0, 0.0], 1, 2.0), aggregation.Update([4.0, 3.0], 2, 5.0)]
    )
    assert result.weights == pytest.approx([3.0, 2.0])
    assert (result.loss, result.n_samples, result.contributors) == (pytest.approx(4.0), 3, 2)


def test_the_trainer_reports_raw_space_weights_and_its_standardisation():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(100, 20, 500), rng.normal(-5, 0.1, 500)])
    y = 2 * X[:, 0] - 3 * X[:, 1] + 5
    update = local_fit(X, y)
    assert update.weights == pytest.approx([2, -3, 5], abs=1e-6)
    assert update.stats["mean"] == pytest.approx(list(X.mean(axis=0)))
    assert update.stats["std"] == pytest.approx(list(X.std(axis=0)))
    assert update.loss == pytest.approx(0, abs=1e-9)


def test_logistic_steps_start_from_the_global_weights():
    rng = np.random.default_rng(2)
    X = rng.uniform(-3, 3, (400, 2))
    y = (X.sum(axis=1) > 1).astype(float)
    first = trainer.train("logistic_regression", X, y, [0, 0, 0])
    second = trainer.train("logistic_regression", X, y, first.weights)
    assert second.loss < first.loss
    p = [aggregation.predict("logistic_regression", second.weights, row) for row in X]
    assert np.mean((np.array(p) > 0.5) == y) >= 0.95


def test_rows_without_the_fields_are_skipped_and_too_few_refused():
    readings = [{"x": 1, "y": 2}, {"x": "a", "y": 1}, {"x": True, "y": 1}, {"y": 3}]
    X, y = trainer.matrix(readings, ["x"], "y")
    assert X.tolist() == [[1.0]] and y.tolist() == [2.0]
    with pytest.raises(trainer.TrainingError):
        trainer.train("linear_regression", X, y, [0, 0])
    with pytest.raises(trainer.TrainingError):
        trainer.train("logistic_regression", np.ones((5, 1)), np.full(5, 2.0), [0, 0])
