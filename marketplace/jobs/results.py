"""A job's result as the job page shows it: each output as a table, and a chart for the
ones that are a series. Pure: no Django, no database.

ONNX results are `{"outputs": {name: nested list}}` (API.md); a series is an output with
one axis longer than 1 (shape [n], [1, n] or [n, 1]). The built-in runners' results are
documents; their lists of numbers are series, their lists of `{"ts", "value"}` (the
forecast) series over time."""

from datetime import datetime

MAX_ROWS = 200
MAX_COLUMNS = 24


def _shape(value) -> list[int] | None:
    """The shape of a rectangular nested list of scalars, or None."""
    if not isinstance(value, list):
        return [] if isinstance(value, int | float | str | bool) or value is None else None
    inner = [_shape(item) for item in value]
    if inner and (inner[0] is None or any(shape != inner[0] for shape in inner)):
        return None
    return [len(value), *(inner[0] if inner else [])]


def _cell(value) -> str:
    """Six significant digits: float32 outputs come back as long binary fractions."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _flat(value) -> list:
    return [x for item in value for x in _flat(item)] if isinstance(value, list) else [value]


def _is_series(shape: list[int], numbers: list) -> bool:
    longest = max(shape, default=0)
    return (
        longest > 1
        and shape.count(longest) == 1
        and len(numbers) == longest
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in numbers)
    )


def _tensor(name: str, value) -> dict:
    """One ONNX output: a series as (#, value) rows and a chart, a matrix as its rows,
    a scalar as one cell; anything else (ragged, more than two axes) as JSON only."""
    shape = _shape(value)
    output: dict = {"name": name, "shape": shape, "columns": [], "rows": [], "truncated": False}
    if shape is None or len(shape) > 2:
        return output
    if not shape:
        output["columns"], output["rows"] = [name], [[_cell(value)]]
        return output
    numbers = _flat(value)
    if _is_series(shape, numbers):
        output["columns"] = ["#", name]
        output["rows"] = [[i, _cell(x)] for i, x in enumerate(numbers[:MAX_ROWS])]
        output["truncated"] = len(numbers) > MAX_ROWS
        output["chart"] = {
            "x": list(range(len(numbers))),
            "x_time": False,
            "x_label": "index",
            "series": [{"label": name, "values": numbers}],
        }
        return output
    rows = [row if isinstance(row, list) else [row] for row in value]
    width = len(rows[0]) if rows else 0
    output["columns"] = ["#", *(str(i) for i in range(min(width, MAX_COLUMNS)))]
    output["rows"] = [[i, *map(_cell, row[:MAX_COLUMNS])] for i, row in enumerate(rows[:MAX_ROWS])]
    output["truncated"] = len(rows) > MAX_ROWS or width > MAX_COLUMNS
    return output


def _timeline(name: str, points: list[dict]) -> dict | None:
    """A list of {"ts", "value", …} readings as a table and a chart over time."""
    try:
        times = [datetime.fromisoformat(str(p["ts"]).replace("Z", "+00:00")) for p in points]
        values = [float(p["value"]) for p in points]
    except (KeyError, TypeError, ValueError):
        return None
    columns = [key for key in points[0] if key != "ts"][:MAX_COLUMNS]
    return {
        "name": name,
        "shape": [len(points)],
        "columns": ["time", *columns],
        "rows": [[p["ts"], *(_cell(p.get(key)) for key in columns)] for p in points[:MAX_ROWS]],
        "truncated": len(points) > MAX_ROWS,
        "chart": {
            "x": [int(t.timestamp()) for t in times],
            "x_label": "time",
            "series": [{"label": name, "values": values}],
        },
    }


def outputs(content: object) -> list[dict]:
    """The tables (and charts) of a result document; empty when nothing is tabular."""
    if not isinstance(content, dict):
        return []
    if isinstance(content.get("outputs"), dict):
        return [_tensor(str(name), value) for name, value in content["outputs"].items()]
    found = []
    for name, value in content.items():
        if isinstance(value, list) and _is_series([len(value)], value):
            found.append(_tensor(str(name), value))
        elif isinstance(value, list) and value and all(isinstance(p, dict) for p in value):
            timeline = _timeline(str(name), value)
            if timeline is not None:
                found.append(timeline)
    return found
