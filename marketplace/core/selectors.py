from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ledger import selectors as ledger_selectors

from . import hooks
from .models import Heartbeat, Pause
from .services import WORKER


def worker_is_alive() -> bool:
    """A worker ran the heartbeat within three beat intervals."""
    beat = Heartbeat.objects.filter(name=WORKER).first()
    window = timedelta(seconds=3 * settings.PM_HEARTBEAT_SECONDS)
    return beat is not None and timezone.now() - beat.at <= window


def is_paused(name: str) -> bool:
    """Whether operators paused the automatic work `name` (a `PauseName`)."""
    return Pause.objects.filter(name=name, paused=True).exists()


def public_config() -> dict:
    return {
        "domain": settings.PM_DOMAIN,
        "ss58_prefix": settings.PM_SS58_PREFIX,
        "assets": [{"code": a.code, "decimals": a.decimals} for a in ledger_selectors.assets()],
        "min_budget": {code: str(amount) for code, amount in settings.PM_MIN_BUDGET.items()},
        "min_stake": str(settings.PM_MIN_STAKE),
        "stake_asset": settings.PM_STAKE_ASSET,
        "fee_bps": settings.PM_FEE_BPS,
        "review_window_seconds": settings.PM_REVIEW_WINDOW_SECONDS,
        "bid_window_seconds": settings.PM_BID_WINDOW_SECONDS,
        "batch_interval_seconds": settings.PM_BATCH_INTERVAL_SECONDS,
        "faucet_enabled": settings.PM_FAUCET_ENABLED,
        "faucet_max": settings.PM_FAUCET_MAX,
        "signature_max_age_seconds": settings.PM_SIGNATURE_MAX_AGE_SECONDS,
        **hooks.config_for(),
    }
