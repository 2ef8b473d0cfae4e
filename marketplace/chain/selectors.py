from django.conf import settings
from django.db.models import QuerySet
from scalecodec.utils.ss58 import ss58_encode
from substrateinterface import Keypair

from ledger import selectors as ledger_selectors

from .models import ChainState, Deposit, Holding


def hot_wallet() -> Keypair:
    """The platform's hot wallet: the deposit address and the payer of withdrawals."""
    return Keypair.create_from_uri(settings.PM_CHAIN_HOT_WALLET_URI)


def chain_asset_ids() -> dict[str, int | None]:
    """Platform asset code → chain asset (None: the native token)."""
    return {
        code: None if chain_id == "native" else int(chain_id)
        for code, chain_id in settings.PM_CHAIN_ASSETS.items()
    }


def deposits_of(public_key: str) -> QuerySet[Deposit]:
    """A wallet's deposits (it sent them), newest first."""
    return Deposit.objects.filter(sender=public_key).order_by("-block_number", "-event_index")


def chain_state() -> ChainState | None:
    return ChainState.objects.filter(pk=1).first()


def withdrawals_paused() -> bool:
    state = chain_state()
    return state is not None and state.withdrawals_paused


def public_chain() -> dict | None:
    """`/api/config`'s `chain`: what a browser wallet needs to pay a deposit. The
    genesis hash and address format are the chain's own, recorded by the worker when it
    connects (null until then)."""
    if not settings.PM_CHAIN_URL:
        return None
    state = chain_state()
    ss58_format = state.ss58_format if state else None
    return {
        "url": settings.PM_CHAIN_PUBLIC_URL,
        "genesis_hash": (state.genesis_hash or None) if state else None,
        "ss58_format": ss58_format,
        "deposit_address": ss58_encode(
            hot_wallet().public_key,
            ss58_format=settings.PM_SS58_PREFIX if ss58_format is None else ss58_format,
        ),
        "confirmations": settings.PM_CHAIN_CONFIRMATIONS,
        "assets": {
            code: {"native": True} if chain_id is None else {"asset_id": chain_id}
            for code, chain_id in chain_asset_ids().items()
        },
    }


def liabilities() -> dict[str, int]:
    """What the ledger owes per chain-backed asset: all that entered and has not left,
    i.e. minus the external account's balance."""
    return {code: -ledger_selectors.external_balance(code) for code in settings.PM_CHAIN_ASSETS}


def holdings() -> QuerySet[Holding]:
    """The hot wallet's holdings per chain-backed asset, as last checked."""
    return Holding.objects.filter(asset__in=list(settings.PM_CHAIN_ASSETS))
