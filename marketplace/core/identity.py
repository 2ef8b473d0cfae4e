"""Addresses and keys. A user is a 32-byte public key; SS58 is only its spelling, so
the same key under any network prefix is the same user."""

import functools

from django.conf import settings
from scalecodec.utils.ss58 import ss58_decode, ss58_encode


class InvalidAddress(ValueError):
    pass


def public_key_from_address(address: str) -> str:
    """The public key (64 lowercase hex chars, no 0x) an SS58 address spells."""
    if not isinstance(address, str) or not 40 <= len(address) <= 50:
        raise InvalidAddress(address)
    try:
        key = ss58_decode(address)
    except Exception as exc:  # the decoder raises ValueError, IndexError, ... on garbage
        raise InvalidAddress(address) from exc
    if not isinstance(key, str) or len(key) != 64:
        raise InvalidAddress(address)
    return key.lower()


def address_of(public_key: str) -> str:
    """The SS58 spelling of a public key for this deployment's network prefix."""
    return _ss58(public_key, settings.PM_SS58_PREFIX)


@functools.lru_cache(maxsize=65_536)
def _ss58(public_key: str, prefix: int) -> str:
    # ~1.5 ms a call (a blake2b checksum and base58 in Python): a batch's events spell
    # the same few thousand traders' addresses over and over.
    return ss58_encode(public_key, ss58_format=prefix)
