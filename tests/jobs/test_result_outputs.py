"""How the job page lays out a result: ONNX outputs as tables, series also as charts."""

from marketplace.jobs.results import MAX_ROWS, outputs


def test_a_one_row_output_is_a_series_with_a_chart():
    (y,) = outputs({"outputs": {"y": [[1.5, 2.25, 0.1 + 0.2]]}})
    assert y["columns"] == ["#", "y"]
    assert y["rows"] == [[0, "1.5"], [1, "2.25"], [2, "0.3"]]
    assert y["chart"]["x"] == [0, 1, 2] and y["chart"]["x_time"] is False
    assert y["chart"]["series"] == [{"label": "y", "values": [1.5, 2.25, 0.1 + 0.2]}]


def test_a_matrix_is_a_table_without_a_chart_and_a_scalar_one_cell():
    matrix, scalar = outputs({"outputs": {"m": [[1, 2], [3, 4]], "s": 7}})
    assert matrix["columns"] == ["#", "0", "1"] and matrix["rows"] == [[0, "1", "2"], [1, "3", "4"]]
    assert "chart" not in matrix
    assert scalar["rows"] == [["7"]] and "chart" not in scalar


def test_an_output_with_three_axes_or_ragged_rows_is_left_to_the_json():
    cube, ragged = outputs({"outputs": {"c": [[[1]], [[2]]], "r": [[1, 2], [3]]}})
    assert cube["rows"] == [] and cube["shape"] == [2, 1, 1]
    assert ragged["rows"] == [] and ragged["shape"] is None


def test_a_long_series_shows_its_first_rows_and_says_so():
    (long,) = outputs({"outputs": {"y": list(range(MAX_ROWS + 5))}})
    assert len(long["rows"]) == MAX_ROWS and long["truncated"]
    assert len(long["chart"]["x"]) == MAX_ROWS + 5  # the chart shows all of it


def test_the_builtin_forecast_is_a_series_over_time():
    content = {
        "n_readings": 48,
        "forecast": [
            {"ts": "2025-03-03T00:00:00Z", "value": 101.5},
            {"ts": "2025-03-03T01:00:00Z", "value": 99.0},
        ],
    }
    (forecast,) = outputs(content)
    assert forecast["columns"] == ["time", "value"]
    assert forecast["chart"]["x"] == [1740960000, 1740963600]
    assert forecast["chart"]["series"][0]["values"] == [101.5, 99.0]


def test_a_result_with_nothing_tabular_has_no_outputs():
    assert outputs({"summary": "fine", "n": 3}) == []
    assert outputs(None) == []
