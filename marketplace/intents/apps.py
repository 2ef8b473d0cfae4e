from django.apps import AppConfig


class IntentsConfig(AppConfig):
    name = "marketplace.intents"
    label = "intents"
    verbose_name = "MEV-protected trading"

    def ready(self):
        from . import actions  # noqa: F401  (registers the signed actions)
