from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "marketplace.providers"
    label = "providers"
    verbose_name = "Compute Provider Registry"

    def ready(self):
        # register the signed actions, hooks and live fragments
        from . import actions, fragments, hooks  # noqa: F401
