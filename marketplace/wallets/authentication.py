"""DRF authentication for reads: an API token (agents) or the browser session opened
by the signed `login` action. Writes authenticate by signature, not by these."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .selectors import wallet_for_key, wallet_for_token
from .services import SESSION_KEY


class WalletTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"} or not raw:
            return None
        wallet = wallet_for_token(raw.strip())
        if wallet is None:
            raise exceptions.AuthenticationFailed("The token is unknown or revoked.")
        return wallet, raw.strip()

    def authenticate_header(self, request):
        return "Bearer"


class WalletSessionAuthentication(authentication.SessionAuthentication):
    """The wallet signed in to this browser session; unsafe methods need the CSRF token."""

    def authenticate(self, request):
        session = getattr(request._request, "session", None)
        wallet = wallet_for_key(session.get(SESSION_KEY)) if session is not None else None
        if wallet is None:
            return None
        self.enforce_csrf(request)
        return wallet, None


class WalletTokenScheme(OpenApiAuthenticationExtension):
    target_class = WalletTokenAuthentication
    name = "walletToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The token `login` returns."}


class WalletSessionScheme(OpenApiAuthenticationExtension):
    target_class = WalletSessionAuthentication
    name = "walletSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
