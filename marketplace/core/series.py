"""Per-day series for the pages' charts: one value per UTC day over the last `days`
days, oldest first and today last, 0 on quiet days so a chart shows the gaps; and the
charts.js shape they are drawn in (docs/FRONTEND.md "Charts")."""

from datetime import UTC, date, datetime, timedelta

from django.db.models import Aggregate, QuerySet
from django.db.models.functions import TruncDate


def last_days(days: int) -> list[date]:
    today = datetime.now(UTC).date()
    return [today - timedelta(days=days - 1 - n) for n in range(days)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _daily(rows: QuerySet, at: str, calendar: list[date]) -> QuerySet:
    return (
        rows.filter(**{f"{at}__gte": _midnight(calendar[0])})
        .order_by()
        .annotate(day=TruncDate(at, tzinfo=UTC))
    )


def per_day(rows: QuerySet, at: str, value: Aggregate, calendar: list[date]) -> list[int]:
    """`value` aggregated over `rows` per UTC day of their `at` field, one per day of
    `calendar`."""
    totals = dict(
        _daily(rows, at, calendar).values("day").annotate(total=value).values_list("day", "total")
    )
    return [int(totals.get(day) or 0) for day in calendar]


def per_day_by(
    rows: QuerySet, group: str, at: str, value: Aggregate, calendar: list[date]
) -> dict[str, list[int]]:
    """`per_day` for each value of the `group` field that has rows in the period,
    sorted by that value."""
    found = (
        _daily(rows, at, calendar)
        .values(group, "day")
        .annotate(total=value)
        .values_list(group, "day", "total")
    )
    index = {day: n for n, day in enumerate(calendar)}
    series: dict[str, list[int]] = {}
    for key, day, total in found:
        series.setdefault(key, [0] * len(calendar))[index[day]] = int(total or 0)
    return dict(sorted(series.items()))


def day_chart(calendar: list[date], series: list[dict], y_label: str) -> dict:
    """The charts.js data of `series` ({"label", "values"}, one value per day of
    `calendar`)."""
    stamps = [int(_midnight(day).timestamp()) for day in calendar]
    return {"x": stamps, "series": series, "y_label": y_label}
