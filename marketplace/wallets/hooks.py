"""What the wallets app answers for shared code below it: who a socket belongs to."""

from marketplace.core import hooks

from .selectors import wallet_for_key, wallet_for_token
from .services import SESSION_KEY


@hooks.socket_wallet("token")
def by_token(token):
    return wallet_for_token(token)


@hooks.socket_wallet("session")
def by_session(session):
    return wallet_for_key(session.get(SESSION_KEY))
