from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "marketplace.wallets"
    label = "wallets"
    verbose_name = "Wallets"

    def ready(self):
        # registers the signed actions, the live fragments and the hooks
        from . import actions, fragments, hooks  # noqa: F401
