"""The built-in runners compute real answers on known signals (no database)."""

import json

import numpy as np
import pytest

from marketplace.agents import runners
from tests.agents.conftest import HOUR, MIDNIGHT, traffic

START = MIDNIGHT


def truth(hours_from: int, count: int) -> np.ndarray:
    return traffic(hours_from + count, noise=0.0)[hours_from:]


def readings(values: np.ndarray) -> list[dict]:
    return [
        {"ts": runners.format_ts(START + i * HOUR), "value": round(float(v), 3)}
        for i, v in enumerate(values)
    ]


def test_forecast_of_a_week_of_traffic_is_within_two_units_over_the_next_day():
    week = 7 * 24
    result = runners.get("builtin:forecast")({"readings": readings(traffic(week)), "horizon": 24})

    predicted = np.array([point["value"] for point in result["forecast"]])
    # Noise sigma is 1.0: the error of the fitted mean must stay well below the signal's
    # amplitude (30) and near the noise level.
    assert np.max(np.abs(predicted - truth(week, 24))) < 2.0
    assert 0.7 < result["fit"]["rmse"] < 1.3
    assert result["coefficients"]["trend_per_day"] == pytest.approx(2.0, abs=0.3)
    assert result["forecast"][0]["ts"] == runners.format_ts(START + week * HOUR)
    assert result["forecast"][-1]["ts"] == runners.format_ts(START + (week + 23) * HOUR)
    assert result["step_seconds"] == HOUR


def test_forecast_reads_the_compact_inline_form():
    values = [round(float(v)) for v in traffic(72)]
    compact = {"start": START, "step_seconds": HOUR, "values": values, "horizon": 12}

    result = runners.get("builtin:forecast")(compact)

    predicted = np.array([point["value"] for point in result["forecast"]])
    assert len(predicted) == 12
    assert np.max(np.abs(predicted - truth(72, 12))) < 3.0


def test_the_same_input_gives_the_same_result_hash():
    data = {"readings": readings(traffic(48)), "horizon": 6}
    run = runners.get("builtin:forecast")

    assert runners.result_hash(run(data)) == runners.result_hash(run(json.loads(json.dumps(data))))


def test_anomaly_flags_the_injected_spikes_and_no_clean_point():
    values = traffic(7 * 24)
    spikes = {20: 40.0, 75: -35.0, 130: 25.0}
    for index, jump in spikes.items():
        values[index] += jump

    result = runners.get("builtin:anomaly")({"readings": readings(values)})

    flagged = {a["ts"] for a in result["anomalies"]}
    assert flagged == {runners.format_ts(START + i * HOUR) for i in spikes}
    assert result["anomalies_total"] == 3
    for item in result["anomalies"]:
        assert abs(item["score"]) > result["threshold"]


def test_summary_reports_the_statistics_and_the_daily_profile():
    values = traffic(7 * 24, noise=0.0)

    result = runners.get("builtin:summary")({"readings": readings(values)})

    assert result["n_readings"] == 168
    assert result["mean"] == pytest.approx(float(np.mean(values)), abs=1e-3)
    assert len(result["hourly_profile"]) == 24
    assert result["first_ts"] == runners.format_ts(START)


def test_an_unknown_model_ref_has_no_runner():
    assert runners.get("builtin:nope") is None
    assert runners.get("ipfs://QmModel") is None


def test_the_largest_result_stays_under_256_kb():
    data = {"readings": readings(traffic(2000)), "horizon": runners.MAX_HORIZON}

    # The readings models (builtin:mev_risk reads batches: test_mev_risk.py).
    for model_ref in set(runners.RUNNERS) - {runners.MEV_RISK}:
        result = runners.get(model_ref)(data)
        assert len(runners.canonical(result)) <= runners.MAX_RESULT_BYTES


def test_anomaly_lists_at_most_the_cap_even_when_everything_is_wild():
    rng = np.random.default_rng(1)
    values = rng.standard_cauchy(5000)  # heavy tails: many points beyond k·MAD

    result = runners.get("builtin:anomaly")({"readings": readings(values), "threshold": 1.0})

    assert len(result["anomalies"]) <= runners.MAX_LISTED_ANOMALIES
    assert len(runners.canonical(result)) <= runners.MAX_RESULT_BYTES


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"readings": "nope"},
        {"readings": [{"ts": "2025-01-01T00:00:00", "value": 1}] * 20},  # no UTC offset
        {"readings": [{"ts": 0, "value": 1}, {"ts": 0, "value": 2}]},
        {"readings": [{"ts": i, "value": "x"} for i in range(20)]},
        {"readings": [{"ts": i, "value": 1} for i in range(5)]},  # too short to fit
        {"values": [1] * 20, "step_seconds": 0},
        {"values": [1] * 20, "step_seconds": 60, "horizon": 0},
    ],
)
def test_bad_input_is_an_input_error(data):
    with pytest.raises(runners.InputError):
        runners.get("builtin:forecast")(data)
