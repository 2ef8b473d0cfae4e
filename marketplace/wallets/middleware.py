from .selectors import wallet_for_key
from .services import SESSION_KEY


class WalletMiddleware:
    """Sets `request.wallet`: the wallet signed in to this browser session, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.wallet = wallet_for_key(request.session.get(SESSION_KEY))
        return self.get_response(request)
