"""How the ledger names an owner's accounts: the one place that spells an account code.
The marketplace asks here rather than building `user:<key>` strings itself."""

from django.db.models import Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Concat


def user(owner: str) -> str:
    """The owner's available balance (`owner`: its public key in hex)."""
    return f"user:{owner}"


def stake(owner: str) -> str:
    return f"stake:{owner}"


def unbonding(owner: str) -> str:
    return f"unbonding:{owner}"


def pool(pool_code: str) -> str:
    """A trading pool's reserve (`pool_code`: the pool's own code, e.g. "DOT-USDC")."""
    return f"pool:{pool_code}"


def stake_of(owner: Combinable) -> Concat:
    """`stake(owner)` as an expression over a query (`owner`: e.g. an OuterRef)."""
    return Concat(Value("stake:"), owner)
