from django.db.models import QuerySet

from .models import ApiToken, Wallet, Withdrawal


def wallet_for_token(raw: str) -> Wallet | None:
    if not raw or len(raw) > 128:
        return None
    token = (
        ApiToken.objects.select_related("wallet")
        .filter(key_hash=ApiToken.hash(raw), revoked_at=None)
        .first()
    )
    return token.wallet if token else None


def wallet_for_key(public_key: str | None) -> Wallet | None:
    if not public_key:
        return None
    return Wallet.objects.filter(public_key=public_key).first()


def withdrawals_of(wallet: Wallet) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(wallet=wallet).order_by("-id")
