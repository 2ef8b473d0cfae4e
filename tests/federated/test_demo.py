"""The demo's air-quality stations: three NFTs offered for training whose readings
follow one known relation, seeded once."""

import io

import numpy as np
import pytest

from marketplace.agents import trainer
from marketplace.datanft.models import DataNFT, Reading
from marketplace.federated import demo

pytestmark = pytest.mark.django_db


def test_three_stations_follow_the_relation_and_are_offered_for_training():
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())  # idempotent
    stations = list(DataNFT.objects.filter(name__startswith=demo.NAME))
    assert len(stations) == 3
    assert all(s.training_allowed and s.training_price_per_round > 0 for s in stations)
    for station in stations:
        rows = [{**r.extra, "value": r.value} for r in Reading.objects.filter(nft=station)]
        assert len(rows) == demo.HOURS
        X, y = trainer.matrix(rows, ["traffic", "wind"], "pm25")
        fitted = trainer.train("linear_regression", X, y, [0, 0, 0]).weights
        # slopes close; the intercept less so (traffic stays far from 0 at a station)
        assert np.allclose(fitted[:2], demo.RELATION[:2], atol=0.15)
        assert abs(fitted[2] - demo.RELATION[2]) < 1.0
