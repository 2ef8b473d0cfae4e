from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "marketplace.wallets"
    label = "wallets"
    verbose_name = "Wallets"

    def ready(self):
        from . import actions  # noqa: F401  (registers the signed actions)
