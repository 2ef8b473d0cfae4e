from django.conf import settings

from ledger import selectors as ledger_selectors


def wallet(request):
    """The signed-in wallet (or None) and its balances, for every page's header, and
    whether the faucet is on (every page then says it is a test network)."""
    current = getattr(request, "wallet", None)
    balances = ledger_selectors.balances(current.public_key) if current else []
    return {"wallet": current, "balances": balances, "test_network": settings.PM_FAUCET_ENABLED}
