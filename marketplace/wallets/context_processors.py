from .selectors import wallet_for_key
from .services import SESSION_KEY


def wallet(request):
    """The signed-in wallet (or None) for every template."""
    session = getattr(request, "session", None)
    return {"wallet": wallet_for_key(session.get(SESSION_KEY)) if session is not None else None}
