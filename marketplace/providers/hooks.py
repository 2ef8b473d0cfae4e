"""What the provider registry adds to shared responses: a provider's sockets join the
capability groups of the jobs it can run (so it hears `job.opened`), and `/api/me`
gains a `provider` section."""

from marketplace.core import hooks
from marketplace.realtime.events import capability_group

from .selectors import provider_of_key
from .serializers import ProviderSerializer


@hooks.socket_groups
def capability_groups(wallet) -> list[str]:
    provider = provider_of_key(wallet.public_key)
    if provider is None or not provider.active:
        return []
    return [capability_group(capability) for capability in provider.capabilities]


@hooks.profile_section
def provider_section(wallet) -> dict:
    provider = provider_of_key(wallet.public_key)
    return {} if provider is None else {"provider": ProviderSerializer(provider).data}
