"""verify_batch re-derives a settled batch from public data and catches tampering."""

import pytest
from django.core.management import CommandError, call_command

from marketplace.intents.models import Batch, BatchPair, Intent
from tests.conftest import DOT, USDT

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(trader, fund, alice, bob, carol) -> int:
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 1_000 * USDT, "USDT")
    fund(carol, 100 * DOT, "DOT")
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 20 * DOT, 90 * USDT)
    trader.intent(bob, "USDT", "DOT", 60 * USDT, 50 * USDT, 9 * DOT)
    trader.intent(carol, "DOT", "USDT", 10 * DOT, 10 * DOT, 60 * USDT)  # dropped
    trader.intent(carol, "DOT", "USDT", 10 * DOT, 0, 0, sealed="A" * 120)  # invalid
    trader.settle()
    return trader.epoch["batch_id"]


def verify(batch_id) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_batch", str(batch_id), stdout=out)
    return out.getvalue()


def test_it_confirms_a_settled_batch(settled):
    assert Batch.objects.get(pk=settled).pairs.get().leg_amount_in > 0
    assert sorted(Intent.objects.values_list("status", flat=True)) == [
        "dropped",
        "executed",
        "executed",
        "invalid",
    ]

    assert "MATCH" in verify(settled)


def test_it_detects_a_tampered_amount_out(settled, capsys):
    executed = Intent.objects.filter(status="executed").first()
    Intent.objects.filter(pk=executed.pk).update(amount_out=executed.amount_out + 1)

    with pytest.raises(CommandError, match="MISMATCH"):
        verify(settled)


def test_it_detects_a_tampered_status(settled):
    Intent.objects.filter(status="invalid").update(status="dropped")

    with pytest.raises(CommandError, match="MISMATCH"):
        verify(settled)


def test_it_detects_tampered_reserves(settled):
    pair = BatchPair.objects.get(batch_id=settled)
    BatchPair.objects.filter(pk=pair.pk).update(reserve_b_after=pair.reserve_b_after + 1)

    with pytest.raises(CommandError, match="MISMATCH"):
        verify(settled)


def test_it_detects_a_secret_key_that_does_not_belong_to_the_epoch(settled):
    from nacl.public import PrivateKey

    Batch.objects.filter(pk=settled).update(secret_key=bytes(PrivateKey.generate()).hex())

    with pytest.raises(CommandError, match="MISMATCH"):
        verify(settled)


def test_it_refuses_a_batch_that_has_not_settled(epoch):
    with pytest.raises(CommandError, match="MISMATCH"):
        verify(epoch["batch_id"])


def test_it_reports_an_unknown_batch(db):
    with pytest.raises(CommandError, match="does not exist"):
        verify(999)
