from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "marketplace.providers"
    label = "providers"
    verbose_name = "Compute Provider Registry"

    def ready(self):
        # register the signed actions and hooks
        from . import actions, hooks  # noqa: F401
