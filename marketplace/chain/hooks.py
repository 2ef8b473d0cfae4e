"""What the chain app adds to shared responses: `/api/config`'s `chain` section."""

from marketplace.core import hooks

from .selectors import public_chain


@hooks.config_section
def chain_section() -> dict:
    return {"chain": public_chain()}
