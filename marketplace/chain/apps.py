from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "marketplace.chain"
    label = "chain"
    verbose_name = "Chain (deposits and payouts)"

    def ready(self):
        from . import fragments, hooks  # noqa: F401  (the config section, live deposits)
