"""Extension points through which domain apps add to shared responses without the
shared code importing them: the provider registry adds `capability.gpu` to a GPU
provider's socket groups and a `provider` section to `/api/me`, for example."""

from collections.abc import Callable

_socket_groups: list[Callable] = []
_profile_sections: list[Callable] = []


def socket_groups(provider: Callable) -> Callable:
    """Register `provider(wallet) -> list[str]`: extra event groups for the wallet."""
    _socket_groups.append(provider)
    return provider


def profile_section(provider: Callable) -> Callable:
    """Register `provider(wallet) -> dict`: extra keys of the wallet's `/api/me`."""
    _profile_sections.append(provider)
    return provider


def groups_for(wallet) -> list[str]:
    return [group for provider in _socket_groups for group in provider(wallet)]


def profile_for(wallet) -> dict:
    sections: dict = {}
    for provider in _profile_sections:
        sections.update(provider(wallet))
    return sections
