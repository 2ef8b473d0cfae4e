from ledger import selectors as ledger_selectors


def wallet(request):
    """The signed-in wallet (or None) and its balances, for every page's header."""
    current = getattr(request, "wallet", None)
    balances = ledger_selectors.balances(current.public_key) if current else []
    return {"wallet": current, "balances": balances}
