"""Per-day chart series: quiet days are 0, rows before the period are left out, and
each group gets its own series."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from marketplace.core import series
from marketplace.core.models import Heartbeat

pytestmark = pytest.mark.django_db


def at_days_ago(days: int) -> datetime:
    return datetime.now(UTC).replace(hour=12) - timedelta(days=days)


@pytest.fixture
def beats():
    for name, days_ago in [("a", 0), ("b", 0), ("c", 2), ("d", 9)]:
        Heartbeat.objects.create(name=name, at=at_days_ago(days_ago))
    return Heartbeat.objects.all()


def test_the_calendar_ends_today():
    calendar = series.last_days(3)
    assert calendar[-1] == datetime.now(UTC).date()
    assert [(day - calendar[0]).days for day in calendar] == [0, 1, 2]


def test_one_value_per_day_with_the_gaps_and_nothing_before_the_period(beats):
    assert series.per_day(beats, "at", Count("name"), series.last_days(4)) == [0, 1, 0, 2]


def test_one_series_per_group_sorted(beats):
    grouped = series.per_day_by(beats, "name", "at", Count("name"), series.last_days(3))
    assert grouped == {"a": [0, 0, 1], "b": [0, 0, 1], "c": [1, 0, 0]}


def test_the_chart_stamps_each_day_at_midnight_utc():
    calendar = series.last_days(2)
    chart = series.day_chart(calendar, [{"label": "n", "values": [1, 2]}], "per day")
    assert [datetime.fromtimestamp(x, UTC).date() for x in chart["x"]] == calendar
    assert all(datetime.fromtimestamp(x, UTC).hour == 0 for x in chart["x"])
