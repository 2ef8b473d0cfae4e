import io
import itertools
from datetime import UTC, datetime

import pytest

from marketplace.core.demo import SENSOR_OWNER, demo_keypair
from marketplace.datanft import demo
from marketplace.datanft.models import DataNFT, Reading

pytestmark = pytest.mark.django_db


def test_the_seed_mints_the_demo_citys_traffic_sensor_with_a_week_of_hourly_readings():
    out = io.StringIO()
    demo.sensor(out)
    nft = DataNFT.objects.get()
    assert nft.owner.public_key == demo_keypair(SENSOR_OWNER).public_key.hex()
    assert (nft.name, nft.category, nft.access_policy) == (demo.NAME, "smart_city", "subscription")
    assert nft.price_per_hour > 0
    readings = list(Reading.objects.filter(nft=nft).order_by("ts"))
    assert len(readings) == 7 * 24
    assert all((b.ts - a.ts).total_seconds() == 3600 for a, b in itertools.pairwise(readings))
    assert demo.NAME in out.getvalue()


def test_the_seed_is_idempotent():
    demo.sensor(io.StringIO())
    demo.sensor(io.StringIO())
    assert DataNFT.objects.count() == 1
    assert Reading.objects.count() == 7 * 24


def test_the_synthetic_traffic_is_deterministic_and_peaks_at_rush_hour():
    monday_midnight = datetime(2025, 3, 3, tzinfo=UTC)
    week = demo.traffic(monday_midnight, 7 * 24)
    assert week == demo.traffic(monday_midnight, 7 * 24)
    monday = week[:24]
    assert monday[8] > 3 * monday[3]  # morning rush vs. 3 a.m.
    assert monday[17] > 3 * monday[3]
    assert sum(week[5 * 24 : 6 * 24]) < sum(monday)  # Saturday is quieter
