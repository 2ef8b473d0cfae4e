from django.apps import AppConfig


class IntentsConfig(AppConfig):
    name = "marketplace.intents"
    label = "intents"
    verbose_name = "MEV-protected trading"

    def ready(self):
        # registers the signed actions and the live fragments
        from . import actions, fragments  # noqa: F401
