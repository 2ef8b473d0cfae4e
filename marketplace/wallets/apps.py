from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "marketplace.wallets"
    label = "wallets"
    verbose_name = "Wallets"

    def ready(self):
        from . import actions, fragments  # noqa: F401  (registers actions and live fragments)
